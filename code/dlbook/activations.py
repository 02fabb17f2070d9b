"""Activation functions, their derivatives, and the single neuron (chapters 02-03).

Each entry of ``ACTIVATIONS`` is a pair ``(f, df)`` where ``df`` is the derivative
with respect to the pre-activation z, so a backward pass multiplies by ``df(z)``.
``TORCH_ACTIVATIONS`` holds the same functions for the PyTorch twins; ``softmax`` and
``log_softmax`` are the output nonlinearities the cross-entropy losses share.
"""
from __future__ import annotations

import numpy as np
import torch

from ._checks import check_array, check_choice, check_float


def sigmoid(z):
    # split by sign so exp never overflows for large |z|
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def relu(z):
    return np.maximum(z, 0.0)


ACTIVATIONS = {
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1.0 - sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "relu": (relu, lambda z: (np.asarray(z) > 0).astype(float)),
    "identity": (lambda z: np.asarray(z, dtype=float),
                 lambda z: np.ones_like(z, dtype=float)),
}


TORCH_ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
                     "identity": lambda z: z}


def softmax(Z: np.ndarray) -> np.ndarray:
    """softmax over the last axis; shifting by the maximum leaves it unchanged and
    keeps exp from overflowing."""
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def log_softmax(Z: np.ndarray) -> np.ndarray:
    """log softmax over the last axis, shifted by the maximum so exp never overflows."""
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def get_activation(name: str):
    """Return ``(f, df)`` for an activation named in ``ACTIVATIONS``."""
    check_choice("activation", name, ACTIVATIONS)
    return ACTIVATIONS[name]


def neuron(X, w, b: float = 0.0, activation: str = "sigmoid") -> np.ndarray:
    """One neuron: a = f(X @ w + b).

    X: (n, d) inputs (or one input of shape (d,)); w: (d,) weights; b: bias.
    Returns the activations, shape (n,) (or a scalar array for one input).
    """
    w = check_array("w", w, ndim=1)
    X = check_array("X", X)
    if X.shape[-1] != w.shape[0]:
        raise ValueError(f"X has {X.shape[-1]} features per input "
                         f"but w has {w.shape[0]} weights")
    b = check_float("b", b)
    f, _ = get_activation(activation)
    z = X @ w + b  # pre-activation (净输入)
    return f(z)
