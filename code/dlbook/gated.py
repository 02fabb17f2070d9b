"""Gated recurrent cells: the LSTM and the GRU from scratch in NumPy, with
backpropagation through time, their PyTorch twins, and a PyTorch sequence model built on
either (chapters 04 and 07).

Both cells read a batch of sequences X: (T, B, D), time first, with batches as rows as
in ``rnn``. Weights have ``torch.nn.LSTM``'s and ``torch.nn.GRU``'s layouts, so the
PyTorch twins hold the very same arrays: the gates' weights are stacked in blocks of H
rows, in PyTorch's order.

LSTM (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000), blocks
i, f, g, omega of W_x (4H, D), W_h (4H, H) and b (4H,), PyTorch's i, f, g, o (the book
writes the output gate omega, because o_t names the logits):

    i_t = sigmoid(W_xi x_t + W_hi h_{t-1} + b_i)     input gate: how much to write
    f_t = sigmoid(W_xf x_t + W_hf h_{t-1} + b_f)     forget gate: how much to keep
    g_t = tanh(W_xg x_t + W_hg h_{t-1} + b_g)        candidate: what to write
    w_t = sigmoid(W_xw x_t + W_hw h_{t-1} + b_w)     output gate omega: how much to show
    c_t = f_t * c_{t-1} + i_t * g_t                  cell state
    h_t = w_t * tanh(c_t)                            hidden state

GRU (Cho et al. 2014, in PyTorch's convention), blocks r, u, n (PyTorch's r, z, n) of
W_x (3H, D), W_h (3H, H) and of two biases b_x, b_h (3H,) each:

    r_t  = sigmoid(W_xr x_t + b_xr + W_hr h_{t-1} + b_hr)          reset gate
    u_t  = sigmoid(W_xu x_t + b_xu + W_hu h_{t-1} + b_hu)          update gate
    h~_t = tanh(W_xn x_t + b_xn + r_t * (W_hn h_{t-1} + b_hn))     candidate
    h_t  = (1 - u_t) * h~_t + u_t * h_{t-1}

PyTorch calls the update gate z and the candidate n; the book writes u, because z is
its latent variable, and h~ (``h_tilde`` in code, as in notation.md), keeping n only
to name the candidate's block of weights. The reset gate multiplies
W_hn h_{t-1} + b_hn, after the bias, which is why the GRU keeps two biases where the
LSTM needs only their sum.

Each ``*_forward`` returns the states (the LSTM's are a pair, hidden and cell) and a
cache; each ``*_backward`` takes the gradient reaching every h_t from outside the
recurrence, dH: (T, B, H), and returns the gradients of the weights and of the inputs
and initial state. Simplifications: one layer; the initial state is zeros unless given.

``SequenceRegressor`` reads a sequence with a vanilla, LSTM or GRU cell (PyTorch's) and
predicts one number from its last hidden state: the model of chapter 04's memory
experiment (``memory``) and chapter 07's forecaster (``forecast``).
"""
from __future__ import annotations

import numpy as np
import torch

from ._checks import check_array, check_choice, check_float, check_int
from .activations import sigmoid
from .utils import seeded

GATES = {"lstm": 4, "gru": 3}     # blocks of H rows stacked in W_x, W_h
CELLS = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def init_cell_params(cell: str, input_size: int, hidden_size: int, *,
                     rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Weights ~ U(-1/sqrt(H), 1/sqrt(H)), PyTorch's initialisation; biases likewise."""
    k = GATES[check_choice("cell", cell, GATES)]
    D = check_int("input_size", input_size, minimum=1)
    H = check_int("hidden_size", hidden_size, minimum=1)
    bound = 1.0 / np.sqrt(H)
    shapes = {"W_x": (k * H, D), "W_h": (k * H, H)}
    if cell == "lstm":
        shapes["b"] = (k * H,)
    else:
        shapes.update(b_x=(k * H,), b_h=(k * H,))
    return {name: rng.uniform(-bound, bound, shape) for name, shape in shapes.items()}


def check_cell_inputs(X, params, h0=None, c0=None) -> np.ndarray:
    """X as an array, after checking that it is a batch of sequences (T, B, D) and that
    h0, c0 are states (B, H) that fit ``params``; the forward passes call it first."""
    X = check_array("X", X, ndim=3)
    H, D = params["W_h"].shape[1], params["W_x"].shape[1]
    if X.shape[2] != D:
        raise ValueError(f"X has {X.shape[2]} features per step but W_x expects {D}")
    for name, state in (("h0", h0), ("c0", c0)):
        if state is not None and np.shape(state) != (X.shape[1], H):
            raise ValueError(f"{name} must have shape {(X.shape[1], H)}, "
                             f"got {np.shape(state)}")
    return X


# ------------------------------------------------------------------------------ LSTM
def lstm_forward(X, params, h0=None, c0=None):
    """The states (H, C), hidden and cell, each (T, B, H), and the cache for
    ``lstm_backward``: like ``torch.nn.LSTM``, the state is a pair."""
    X = check_cell_inputs(X, params, h0, c0)
    W_x, W_h, b = params["W_x"], params["W_h"], params["b"]
    T, B, _ = X.shape
    n = W_h.shape[1]
    h = np.zeros((B, n)) if h0 is None else h0
    c = np.zeros((B, n)) if c0 is None else c0
    Hs, Cs, cache = np.empty((T, B, n)), np.empty((T, B, n)), []
    for t in range(T):
        a = X[t] @ W_x.T + h @ W_h.T + b                   # (B, 4H): i, f, g, omega
        i, f = sigmoid(a[:, :n]), sigmoid(a[:, n:2 * n])
        g, omega = np.tanh(a[:, 2 * n:3 * n]), sigmoid(a[:, 3 * n:])
        c_prev, h_prev = c, h
        c = Cs[t] = f * c_prev + i * g                      # keep some, write some
        h = Hs[t] = omega * np.tanh(c)                      # show some
        cache.append((X[t], h_prev, c_prev, c, i, f, g, omega))
    return (Hs, Cs), cache


def lstm_backward(dH, params, cache):
    """BPTT through the LSTM: gradients of W_x, W_h, b, and dX, dh0, dc0.

    The cell state's gradient has two paths back to c_{t-1}: the direct one through
    c_t = f_t * c_{t-1} + ..., which multiplies it by f_t, and the path through h_{t-1},
    which feeds every gate of step t.
    """
    W_x, W_h = params["W_x"], params["W_h"]
    grads = {name: np.zeros_like(p) for name, p in params.items()}
    dX = np.empty((len(cache), *cache[0][0].shape))
    dh_next = np.zeros_like(dH[0])                      # dJ/dh_t through step t + 1
    dc_next = np.zeros_like(dH[0])                      # dJ/dc_t through step t + 1
    for t in reversed(range(len(cache))):
        x, h_prev, c_prev, c, i, f, g, omega = cache[t]
        dh = dH[t] + dh_next
        d_omega = dh * np.tanh(c)
        dc = dc_next + dh * omega * (1 - np.tanh(c) ** 2)
        di, df, dg = dc * g, dc * c_prev, dc * i
        da = np.concatenate([di * i * (1 - i), df * f * (1 - f),        # back through
                             dg * (1 - g ** 2), d_omega * omega * (1 - omega)], axis=1)
        grads["W_x"] += da.T @ x
        grads["W_h"] += da.T @ h_prev
        grads["b"] += da.sum(axis=0)
        dX[t] = da @ W_x
        dh_next = da @ W_h                              # to h_{t-1}, via every gate
        dc_next = dc * f                                # to c_{t-1}, directly
    return grads, dX, dh_next, dc_next


# ------------------------------------------------------------------------------- GRU
def gru_forward(X, params, h0=None):
    """Hidden states H: (T, B, H) and the cache ``gru_backward`` needs."""
    X = check_cell_inputs(X, params, h0)
    W_x, W_h, b_x, b_h = params["W_x"], params["W_h"], params["b_x"], params["b_h"]
    T, B, _ = X.shape
    n = W_h.shape[1]
    h = np.zeros((B, n)) if h0 is None else h0
    Hs, cache = np.empty((T, B, n)), []
    for t in range(T):
        ax = X[t] @ W_x.T + b_x                          # (B, 3H): r, u, n from x
        ah = h @ W_h.T + b_h                             # (B, 3H): r, u, n from h
        r = sigmoid(ax[:, :n] + ah[:, :n])
        u = sigmoid(ax[:, n:2 * n] + ah[:, n:2 * n])
        h_tilde = np.tanh(ax[:, 2 * n:] + r * ah[:, 2 * n:])   # reset acts after b_hn
        cache.append((X[t], h, r, u, h_tilde, ah[:, 2 * n:]))
        h = Hs[t] = (1 - u) * h_tilde + u * h            # blend new and old
    return Hs, cache


def gru_backward(dH, params, cache):
    """BPTT through the GRU: gradients of W_x, W_h, b_x, b_h, and dX, dh0."""
    W_x, W_h = params["W_x"], params["W_h"]
    grads = {name: np.zeros_like(p) for name, p in params.items()}
    dX = np.empty((len(cache), *cache[0][0].shape))
    dh_next = np.zeros_like(dH[0])
    for t in reversed(range(len(cache))):
        x, h_prev, r, u, h_tilde, ah_n = cache[t]
        dh = dH[t] + dh_next
        da_n = dh * (1 - u) * (1 - h_tilde ** 2)         # through the candidate's tanh
        da_u = dh * (h_prev - h_tilde) * u * (1 - u)
        da_r = da_n * ah_n * r * (1 - r)
        dax = np.concatenate([da_r, da_u, da_n], axis=1)      # pre-activations from x
        dah = np.concatenate([da_r, da_u, da_n * r], axis=1)  # from h: gated by r
        grads["W_x"] += dax.T @ x
        grads["b_x"] += dax.sum(axis=0)
        grads["W_h"] += dah.T @ h_prev
        grads["b_h"] += dah.sum(axis=0)
        dX[t] = dax @ W_x
        dh_next = dh * u + dah @ W_h                  # the direct path, then the gates
    return grads, dX, dh_next


# ----------------------------------------------------------------- PyTorch twins
def torch_cell(cell: str, params: dict[str, np.ndarray]) -> torch.nn.RNNBase:
    """A float64 ``torch.nn.LSTM`` or ``torch.nn.GRU`` holding exactly these weights
    (the LSTM's b goes into bias_ih, and bias_hh is zero: only their sum matters)."""
    check_choice("cell", cell, GATES)
    H, D = params["W_h"].shape[1], params["W_x"].shape[1]
    module = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(D, H,
                                                                 dtype=torch.float64)
    biases = ((params["b"], np.zeros_like(params["b"])) if cell == "lstm"
              else (params["b_x"], params["b_h"]))
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(params["W_x"]))
        module.weight_hh_l0.copy_(torch.from_numpy(params["W_h"]))
        module.bias_ih_l0.copy_(torch.from_numpy(biases[0]))
        module.bias_hh_l0.copy_(torch.from_numpy(biases[1]))
    return module


def torch_cell_grads(cell: str, module: torch.nn.RNNBase) -> dict[str, np.ndarray]:
    """Autograd's gradients under the NumPy names."""
    grads = {"W_x": module.weight_ih_l0.grad, "W_h": module.weight_hh_l0.grad}
    if cell == "lstm":
        grads["b"] = module.bias_ih_l0.grad     # equal to bias_hh's: they enter summed
    else:
        grads.update(b_x=module.bias_ih_l0.grad, b_h=module.bias_hh_l0.grad)
    return {name: g.detach().numpy() for name, g in grads.items()}


# ------------------------------------------------------- a model on PyTorch's cells
class SequenceRegressor(torch.nn.Module):
    """A recurrent cell and a linear readout of its last hidden state, predicting
    ``outputs`` numbers per sequence; the initial weights are drawn from ``seed``.

    Sequences are time first, (T, B, input), as in the rest of chapter 04, or batch
    first, (B, T, input), with ``batch_first``: a batch of windows of a series, one
    value per step (chapter 07), is (B, T, 1).
    """

    def __init__(self, cell: str, input_size: int = 2, hidden_size: int = 32,
                 forget_bias: float = 1.0, *, outputs: int = 1,
                 batch_first: bool = False, seed: int = 0):
        super().__init__()
        self.cell = check_choice("cell", cell, CELLS)
        check_int("input_size", input_size, minimum=1)
        check_int("hidden_size", hidden_size, minimum=1)
        self.outputs = check_int("outputs", outputs, minimum=1)
        forget_bias = check_float("forget_bias", forget_bias)
        with seeded(seed):
            self.rnn = CELLS[cell](input_size, hidden_size, batch_first=batch_first)
            self.out = torch.nn.Linear(hidden_size, outputs)
        if cell == "lstm":   # gate order i, f, g, o: start with the forget gate open
            with torch.no_grad():
                self.rnn.bias_ih_l0[hidden_size:2 * hidden_size].fill_(forget_bias)
                self.rnn.bias_hh_l0[hidden_size:2 * hidden_size].zero_()

    def forward(self, X: torch.Tensor, y: torch.Tensor | None = None):
        """X: (T, B, input) -> predictions (B,), or (B, outputs), and, given targets y
        of that shape, their mean squared error."""
        assert X.ndim == 3 and X.shape[2] == self.rnn.input_size, f"X: {tuple(X.shape)}"
        H, _ = self.rnn(X)                       # (T, B, hidden), or (B, T, hidden)
        last = H[:, -1] if self.rnn.batch_first else H[-1]                 # (B, hidden)
        prediction = self.out(last)                                   # (B, outputs)
        if self.outputs == 1:
            prediction = prediction.squeeze(-1)                            # (B,)
        loss = None if y is None else ((prediction - y) ** 2).mean()
        return prediction, loss
