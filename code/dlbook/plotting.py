"""Figure helpers. Each takes ``ax=None``, draws, and returns what it drew;
none changes matplotlib's global settings.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .activations import ACTIVATIONS, neuron

# The book's concept map (chapter 02) as data: node -> (x, y, label, chapters).
# Edges: (from, to, label, dashed). Dashed edges are "can be combined with".
CONCEPT_NODES = {
    "neuron": (0.0, 5.2, "Neuron\nweighted sum + activation", "ch. 02-03"),
    "network": (0.0, 3.8, "Neural network\nlayers of neurons", "ch. 03"),
    "backprop": (4.8, 3.8, "Backpropagation\n+ gradient descent", "ch. 03"),
    "deep": (2.4, 2.4, "Deep learning\nmany layers, trained end to end", "ch. 02-03"),
    "rnn": (-0.4, 0.6, "RNN\narchitecture: a loop over time", "ch. 04, 07, 08"),
    "vae": (2.4, 0.6, "VAE\nobjective: evidence lower bound\nencoder + decoder", "ch. 05"),
    "gan": (5.2, 0.6, "GAN\nobjective: a two-player game\ngenerator + discriminator", "ch. 06"),
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


def _axes(ax, figsize=(5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _half_height(node: str) -> float:
    """Half the height of a concept-map box in data units (lines of text plus padding)."""
    return 0.125 * (CONCEPT_NODES[node][2].count("\n") + 2) + 0.12


def plot_concept_map(ax=None):
    """Draw the concept map: boxes for ideas, arrows for how they relate."""
    ax = _axes(ax, figsize=(10, 7))
    colors = {"rnn": "#dbeafe", "vae": "#dcfce7", "gan": "#fee2e2"}
    for key, (x, y, label, chapters) in CONCEPT_NODES.items():
        ax.text(x, y, f"{label}\n[{chapters}]", ha="center", va="center", fontsize=9.5,
                bbox=dict(boxstyle="round,pad=0.5", fc=colors.get(key, "#f3f4f6"), ec="#374151"))
    label_box = dict(fc="white", ec="none", pad=1)
    for src, dst, label, dashed in CONCEPT_EDGES:
        (x0, y0), (x1, y1) = CONCEPT_NODES[src][:2], CONCEPT_NODES[dst][:2]
        if dashed:  # a combination, drawn as an arc under the two boxes
            ax.annotate("", xy=(x1, y1 - _half_height(dst)), xytext=(x0, y0 - _half_height(src)),
                        arrowprops=dict(arrowstyle="-|>", color="#4b5563", lw=1.3,
                                        linestyle="--", connectionstyle="arc3,rad=0.3"))
            ax.text((x0 + x1) / 2, min(y0, y1) - 1.0, label, fontsize=8.5, ha="center",
                    va="center", style="italic", bbox=label_box)
            continue
        # from the bottom edge of one box to the top edge of the next
        y0, y1 = y0 - _half_height(src), y1 + _half_height(dst)
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="-|>", color="#4b5563", lw=1.3))
        ax.text((x0 + x1) / 2, (y0 + y1) / 2, label, fontsize=8.5, ha="center", va="center",
                style="italic", bbox=label_box)
    ax.set_xlim(-1.9, 6.8)
    ax.set_ylim(-0.7, 5.8)
    ax.axis("off")
    return ax


def plot_activations(names=("sigmoid", "tanh", "relu"), ax=None):
    """Plot activation functions on [-4, 4]; returns the axes."""
    ax = _axes(ax)
    z = np.linspace(-4, 4, 401)
    for name in names:
        ax.plot(z, ACTIVATIONS[name][0](z), label=name)
    ax.axhline(0, color="gray", lw=0.5)
    ax.axvline(0, color="gray", lw=0.5)
    ax.set(xlabel="pre-activation z", ylabel="activation f(z)")
    ax.legend()
    return ax


def plot_neuron(w, b: float, activation: str = "sigmoid", ax=None, lim: float = 3.0):
    """Colour the input plane by a neuron's output; the line z = 0 is drawn dashed."""
    ax = _axes(ax, figsize=(4.2, 3.6))
    g = np.linspace(-lim, lim, 121)
    X1, X2 = np.meshgrid(g, g)
    A = neuron(np.stack([X1.ravel(), X2.ravel()], axis=1), w, b, activation).reshape(X1.shape)
    image = ax.imshow(A, origin="lower", extent=(-lim, lim, -lim, lim), cmap="viridis",
                      aspect="equal")
    plt.colorbar(image, ax=ax, label="output a")
    if np.linalg.norm(w) > 0:
        ax.contour(X1, X2, X1 * w[0] + X2 * w[1] + b, levels=[0.0], colors="white",
                   linestyles="--")
        ax.arrow(0, 0, w[0], w[1], color="white", width=0.04, length_includes_head=True)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=f"{activation}(w·x + b)")
    return image


def image_grid(images, n_cols: int, shape=(8, 8), ax=None, cmap="gray_r"):
    """Tile flat images (n, h*w) into one picture; returns the AxesImage."""
    images = np.asarray(images)
    n = len(images)
    n_rows = -(-n // n_cols)
    h, w = shape
    canvas = np.full((n_rows * (h + 1) + 1, n_cols * (w + 1) + 1), np.nan)
    for i, img in enumerate(images):
        r, c = divmod(i, n_cols)
        canvas[1 + r * (h + 1):1 + r * (h + 1) + h, 1 + c * (w + 1):1 + c * (w + 1) + w] = \
            img.reshape(shape)
    ax = _axes(ax, figsize=(n_cols * 0.6, n_rows * 0.6))
    ax.axis("off")
    return ax.imshow(canvas, cmap=cmap, vmin=0, vmax=1)


def plot_gan_densities(x, p_data, p_g, D, ax=None):
    """Data density, generator density and a discriminator D(x) on one grid."""
    ax = _axes(ax, figsize=(6, 3.4))
    ax.fill_between(x, p_data, alpha=0.35, color="C0", label="$p_{data}$ (real)")
    ax.fill_between(x, p_g, alpha=0.35, color="C3", label="$p_g$ (generator)")
    ax.set(xlabel="x", ylabel="density")
    twin = ax.twinx()
    line, = twin.plot(x, D, color="k", lw=2, label="$D^*(x)$ (discriminator)")
    twin.set_ylim(-0.02, 1.02)
    twin.set_ylabel("probability x is real")
    handles = ax.get_legend_handles_labels()[0] + [line]
    ax.legend(handles=handles, loc="upper left", fontsize=8)
    return line
