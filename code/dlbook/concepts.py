"""Small exact demonstrations for chapter 02 ("core concepts").

Why depth helps: Telgarsky's sawtooth (Telgarsky 2015, arXiv:1509.08101). The tent map
t(x) = 2 relu(x) - 4 relu(x - 1/2) is a ReLU layer of two units; composing it L times
gives a sawtooth with 2**L linear pieces on [0, 1] from only 2L hidden units. A network
with one hidden layer of n ReLU units is piecewise linear with at most n + 1 pieces, so
it needs at least 2**L - 1 units for the same function. ``shallow_sawtooth`` builds one
with 2**L units, to show the two really compute the same thing.

``CONCEPT_NODES`` and ``CONCEPT_EDGES`` hold the chapter's concept map as data
(``plotting.plot_concept_map`` draws it).
"""
from __future__ import annotations

import numpy as np

from ._checks import check_array, check_int
from .activations import relu

# The book's concept map (chapter 02) as data: node -> (x, y, label, chapters).
# Edges: (from, to, label, dashed). Dashed edges are "can be combined with".
CONCEPT_NODES = {
    "neuron": (0.0, 5.2, "Neuron\nweighted sum + activation", "ch. 02-03"),
    "network": (0.0, 3.8, "Neural network\nlayers of neurons", "ch. 03"),
    "backprop": (4.8, 3.8, "Backpropagation\n+ gradient descent", "ch. 03"),
    "deep": (2.4, 2.4, "Deep learning\nmany layers, trained end to end", "ch. 02-03"),
    "rnn": (-0.4, 0.6, "RNN\narchitecture: a loop over time", "ch. 04, 07, 08"),
    "vae": (2.4, 0.6, "VAE\nobjective: evidence lower bound\nencoder + decoder",
            "ch. 05"),
    "gan": (5.2, 0.6, "GAN\nobjective: a two-player game\ngenerator + discriminator",
            "ch. 06"),
}
CONCEPT_EDGES = [
    ("neuron", "network", "stacked in layers", False),
    ("network", "deep", "made deep", False),
    ("backprop", "deep", "trains", False),
    ("deep", "rnn", "an architecture", False),
    ("deep", "vae", "generative model", False),
    ("deep", "gan", "generative model", False),
    ("rnn", "vae", "can serve as encoder and decoder", True),
]


def tent(x):
    """One hidden layer of two ReLU units and a linear read-out: the tent map on
    [0, 1]."""
    return 2.0 * relu(x) - 4.0 * relu(np.asarray(x, dtype=float) - 0.5)


def sawtooth(x, depth: int) -> np.ndarray:
    """The deep network: ``depth`` tent layers composed, 2 * depth ReLU units in
    all."""
    depth = check_int("depth", depth, minimum=1)
    y = check_array("x", x)
    for _ in range(depth):
        y = tent(y)
    return y


def shallow_sawtooth(x, depth: int) -> np.ndarray:
    """The same sawtooth from ONE hidden layer of 2**depth ReLU units.

    Unit k has its kink at k / 2**depth; the read-out weights switch the slope
    between +2**depth and -2**depth at every kink.
    """
    depth = check_int("depth", depth, minimum=1)
    x = check_array("x", x)
    n = 2**depth
    knots = np.arange(n) / n                                       # (n,)
    c = np.where(np.arange(n) % 2 == 1, -2.0 * n, 2.0 * n)          # slope changes
    c[0] = n                                                       # initial slope
    return relu(x[..., None] - knots) @ c


def count_linear_pieces(x, y, tol: float = 1e-8) -> int:
    """Number of linear pieces of a piecewise-linear curve sampled at sorted ``x``.

    Counts changes of slope between consecutive intervals; the grid must contain
    every kink (for the sawtooth, a dyadic grid such as linspace(0, 1, 2**k + 1)).
    """
    x = check_array("x", x, ndim=1)
    y = check_array("y", y, ndim=1)
    if x.shape != y.shape or len(x) < 2:
        raise ValueError(f"x and y must be 1-D of equal length >= 2, got {x.shape} and "
                         f"{y.shape}")
    slopes = np.diff(y) / np.diff(x)
    return 1 + int(np.sum(np.abs(np.diff(slopes)) > tol))
