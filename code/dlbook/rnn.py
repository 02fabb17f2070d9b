"""The vanilla (Elman) recurrent network, NumPy and PyTorch (chapters 02 and 04).

    h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h),   h_0 given (zeros by default)

Weights use the layout of Karpathy's min-char-rnn and of ``torch.nn.RNN``: W_xh is
(hidden, input) and W_hh is (hidden, hidden); batches are rows, so in code the products
read ``x_t @ W_xh.T``. ``torch.nn.RNN`` has two biases (b_ih, b_hh); only their sum
matters, so the torch twin puts b_h in b_ih and zero in b_hh.
"""
from __future__ import annotations

import numpy as np

from ._checks import check_array, check_float, check_int


def init_rnn_params(input_size: int, hidden_size: int, rng: np.random.Generator,
                    scale: float = 1.0) -> dict[str, np.ndarray]:
    """W_xh, W_hh ~ N(0, scale^2 / fan_in), b_h = 0."""
    D = check_int("input_size", input_size, minimum=1)
    H = check_int("hidden_size", hidden_size, minimum=1)
    scale = check_float("scale", scale, minimum=0.0)
    return {
        "W_xh": rng.standard_normal((H, D)) * scale / np.sqrt(D),
        "W_hh": rng.standard_normal((H, H)) * scale / np.sqrt(H),
        "b_h": np.zeros(H),
    }


def rnn_forward(X, params: dict[str, np.ndarray], h0=None) -> np.ndarray:
    """Run the recurrence over a batch of sequences.

    X: (T, B, D) inputs. Returns the hidden states H: (T, B, hidden).
    """
    X = check_array("X", X, ndim=3)
    W_xh, W_hh, b_h = params["W_xh"], params["W_hh"], params["b_h"]
    T, B, D = X.shape
    if W_xh.shape[1] != D:
        raise ValueError(f"inputs have {D} features but W_xh expects {W_xh.shape[1]}")
    h = np.zeros((B, W_hh.shape[0])) if h0 is None else check_array("h0", h0, ndim=2)
    if h.shape != (B, W_hh.shape[0]):
        raise ValueError(f"h0 must have shape {(B, W_hh.shape[0])}, got {h.shape}")
    H = np.empty((T, B, W_hh.shape[0]))
    for t in range(T):
        h = np.tanh(X[t] @ W_xh.T + h @ W_hh.T + b_h)   # (B, hidden)
        H[t] = h
    return H


def torch_rnn_from(params: dict[str, np.ndarray]):
    """A ``torch.nn.RNN`` (tanh, float64) holding exactly these weights."""
    import torch

    H, D = params["W_xh"].shape
    rnn = torch.nn.RNN(D, H, nonlinearity="tanh", dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(params["W_xh"]))
        rnn.weight_hh_l0.copy_(torch.from_numpy(params["W_hh"]))
        rnn.bias_ih_l0.copy_(torch.from_numpy(params["b_h"]))
        rnn.bias_hh_l0.zero_()
    return rnn
