"""The vanilla (Elman) recurrent network, NumPy and PyTorch (chapters 02, 04 and 08).

For a batch of sequences X: (T, B, D), time first, and t = 1..T (chapter 04, eqs.
eq-rnn-step to eq-bptt-grads):

    z_t = W_xh x_t + W_hh h_{t-1} + b_h      pre-activation   (B, H)
    h_t = f(z_t)                              hidden state     (B, H)
    o_t = W_hy h_t + b_y                      logits           (B, K)

with h_0 given, zeros by default.

Weights use the layout of Karpathy's min-char-rnn and of ``torch.nn.RNN``: W_xh is
(H, D) and W_hh is (H, H); batches are rows, so in code the products read
``x_t @ W_xh.T``. ``torch.nn.RNN`` has two biases (b_ih, b_hh); only their sum
matters, so the torch twin puts b_h in b_ih and zero in b_hh.

The loss is the cross-entropy of the logits, averaged over every scored position: all T
steps when the targets are (T, B) labels (many-to-many), or only the last step when they
are (B,) labels (many-to-one). ``RNN`` (NumPy, backpropagation through time written out)
and ``TorchRNN`` share ``forward(X, y=None, h0=None) -> (logits, loss)``. The NumPy
backward pass starts from the loss's gradient with respect to the logits,
``output_gradient`` (softmax minus one-hot). Simplifications: one layer, plain SGD,
optional gradient clipping.
"""
from __future__ import annotations

import numpy as np
import torch

from ._checks import check_array, check_choice, check_float, check_int
from .activations import ACTIVATIONS, log_softmax, softmax
from .training import sgd_step
from .utils import numpy_rng, seeded

RNN_ACTIVATIONS = ("tanh", "relu")   # the two nonlinearities torch.nn.RNN offers


def init_rnn_params(input_size: int, hidden_size: int, output_size: int | None = None,
                    *, rng: np.random.Generator, scale: float = 1.0
                    ) -> dict[str, np.ndarray]:
    """W_xh, W_hh ~ N(0, scale^2 / fan_in), b_h = 0; with ``output_size``, also
    W_hy and b_y.

    With ``scale`` s the spectral radius of W_hh is close to s for large H, which sets
    whether signals and gradients shrink (s < 1) or grow (s > 1) through time.
    """
    D = check_int("input_size", input_size, minimum=1)
    H = check_int("hidden_size", hidden_size, minimum=1)
    scale = check_float("scale", scale, minimum=0.0)
    params = {
        "W_xh": rng.standard_normal((H, D)) / np.sqrt(D),
        "W_hh": rng.standard_normal((H, H)) * scale / np.sqrt(H),
        "b_h": np.zeros(H),
    }
    if output_size is not None:
        K = check_int("output_size", output_size, minimum=1)
        params["W_hy"] = rng.standard_normal((K, H)) / np.sqrt(H)
        params["b_y"] = np.zeros(K)
    return params


def check_sequence(X, params, h0=None) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate a batch of sequences (T, B, D) and an initial state (B, H) against
    ``params``; the recurrence itself assumes they fit."""
    X = check_array("X", X, ndim=3)
    T, B, D = X.shape
    H = params["W_hh"].shape[0]
    if params["W_xh"].shape[1] != D:
        raise ValueError(f"inputs have {D} features but W_xh expects "
                         f"{params['W_xh'].shape[1]}")
    if h0 is not None:
        h0 = check_array("h0", h0, ndim=2)
        if h0.shape != (B, H):
            raise ValueError(f"h0 must have shape {(B, H)}, got {h0.shape}")
    return X, h0


def rnn_states(X, params: dict[str, np.ndarray], h0=None, activation: str = "tanh"
               ) -> tuple[np.ndarray, np.ndarray]:
    """Pre-activations Z and hidden states H, both (T, B, hidden), eq-rnn-step."""
    f, _ = ACTIVATIONS[activation]
    W_xh, W_hh, b_h = params["W_xh"], params["W_hh"], params["b_h"]
    T, B, _ = X.shape
    h = np.zeros((B, W_hh.shape[0])) if h0 is None else h0    # h_0
    Z = np.empty((T, B, W_hh.shape[0]))
    H = np.empty_like(Z)
    for t in range(T):
        Z[t] = X[t] @ W_xh.T + h @ W_hh.T + b_h               # (B, hidden)
        h = H[t] = f(Z[t])
    return Z, H


def rnn_forward(X, params: dict[str, np.ndarray], h0=None, activation: str = "tanh"
                ) -> np.ndarray:
    """Run the recurrence over a batch of sequences; returns H: (T, B, hidden)."""
    X, h0 = check_sequence(X, params, h0)
    check_choice("activation", activation, RNN_ACTIVATIONS)
    return rnn_states(X, params, h0, activation)[1]


def backprop_through_time(Z, dH_direct, W_hh, activation: str = "tanh"
                          ) -> tuple[np.ndarray, np.ndarray]:
    """The backward recursion of eq-bptt, from t = T down to 1.

    ``dH_direct[t]`` is the gradient reaching h_t from its own output (zero where a step
    is not scored). Returns (dZ, dH): dJ/dz_t and the total dJ/dh_t, both
    (T, B, hidden).
    """
    _, df = ACTIVATIONS[activation]
    dZ = np.empty_like(dH_direct)
    dH = np.empty_like(dH_direct)
    carry = np.zeros_like(dH_direct[0])              # W_hh^T dz_{t+1}; nothing after T
    for t in reversed(range(len(Z))):
        dH[t] = dH_direct[t] + carry                 # eq-bptt: two paths into h_t
        dZ[t] = dH[t] * df(Z[t])
        carry = dZ[t] @ W_hh
    return dZ, dH


def _check_labels(y, T: int, B: int, K: int) -> np.ndarray:
    y = np.asarray(y)
    if y.shape not in {(T, B), (B,)} or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be integer labels of shape {(T, B)} (every step) or "
                         f"{(B,)} (last step only), got {y.dtype} array of shape "
                         f"{y.shape}")
    if y.min() < 0 or y.max() >= K:
        raise ValueError(f"labels must lie in 0..{K - 1}, got {y.min()}..{y.max()}")
    return y


def output_gradient(O: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dJ/do_t, where BPTT starts: (softmax(o_t) - one-hot(y_t)) / |S| at every scored
    step, 0 at the others. y: (T, B) labels, or (B,) for the last step."""
    T, B, K = O.shape
    labels = y if y.ndim == 2 else y[None]                       # (|scored steps|, B)
    dO = np.zeros_like(O)
    scored = slice(T - len(labels), T)
    dO[scored] = (softmax(O[scored]) - np.eye(K)[labels]) / labels.size
    return dO


class RNN:
    """A NumPy RNN with an output layer and backpropagation through time by hand."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int,
                 activation: str = "tanh", *, seed: int = 0, scale: float = 1.0):
        self.activation = check_choice("activation", activation, RNN_ACTIVATIONS)
        rng = numpy_rng(seed)
        self.params = init_rnn_params(input_size, hidden_size, output_size,
                                      rng=rng, scale=scale)
        self.cache = None   # what backward needs from the last forward with labels
        self.h_last = None  # the hidden state after the last forward pass, (B, H)

    @property
    def sizes(self) -> tuple[int, int, int]:
        """(input_size, hidden_size, output_size)."""
        K, H = self.params["W_hy"].shape
        return self.params["W_xh"].shape[1], H, K

    def forward(self, X, y=None, h0=None) -> tuple[np.ndarray, float | None]:
        """Logits O: (T, B, K) and, given labels y, the mean cross-entropy J."""
        X, h0 = check_sequence(X, self.params, h0)
        Z, Hs = rnn_states(X, self.params, h0, self.activation)
        O = Hs @ self.params["W_hy"].T + self.params["b_y"]    # eq-rnn-out: (T, B, K)
        self.h_last = Hs[-1]                   # for a caller that carries the state on
        if y is None:
            return O, None
        y = _check_labels(y, *O.shape)
        labels = y if y.ndim == 2 else y[None]                       # scored steps only
        log_P = log_softmax(O[len(O) - len(labels):])
        J = -np.take_along_axis(log_P, labels[..., None], axis=-1).mean()  # eq-rnn-loss
        h0 = np.zeros_like(Hs[0]) if h0 is None else h0
        self.cache = (X, Z, Hs, h0, O, y)
        return O, float(J)

    def backward(self) -> dict[str, np.ndarray]:
        """Gradients of the last forward pass that had labels (eq-bptt and
        eq-bptt-grads)."""
        assert self.cache is not None, "call forward(X, y) with labels first"
        X, Z, Hs, h0, O, y = self.cache
        p = self.params
        dO = output_gradient(O, y)                               # dJ/do_t: (T, B, K)
        dZ, _ = backprop_through_time(Z, dO @ p["W_hy"], p["W_hh"], self.activation)
        H_prev = np.concatenate([h0[None], Hs[:-1]])             # h_{t-1}: (T, B, H)

        def summed(A, B):   # sum over t and the batch of A_t^T B_t, as one product
            return A.reshape(-1, A.shape[-1]).T @ B.reshape(-1, B.shape[-1])

        # eq-bptt-grads: the weights are shared across time, so their gradients add up
        return {
            "W_xh": summed(dZ, X),
            "W_hh": summed(dZ, H_prev),
            "b_h": dZ.sum(axis=(0, 1)),
            "W_hy": summed(dO, Hs),
            "b_y": dO.sum(axis=(0, 1)),
        }


def clip_gradients(grads: dict[str, np.ndarray], max_norm: float) -> float:
    """Scale all gradients together so their joint L2 norm is at most ``max_norm``.

    The same rule as ``torch.nn.utils.clip_grad_norm_`` (in place; returns the norm
    before clipping). The direction is kept, only the step length is capped, which
    stops one exploding gradient from throwing the weights far away.
    """
    max_norm = check_float("max_norm", max_norm, minimum=0.0, strict=True)
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
    coef = min(1.0, max_norm / (total + 1e-6))
    for g in grads.values():
        g *= coef
    return total


class TorchRNN(torch.nn.Module):
    """The same network in PyTorch: ``nn.RNN`` (time first) and an ``nn.Linear``
    readout; the initial weights are drawn from ``seed``."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int,
                 activation: str = "tanh", dtype: torch.dtype = torch.float32, *,
                 seed: int = 0):
        super().__init__()
        self.activation = check_choice("activation", activation, RNN_ACTIVATIONS)
        with seeded(seed):
            self.rnn = torch.nn.RNN(input_size, hidden_size, nonlinearity=activation,
                                    dtype=dtype)
            self.out = torch.nn.Linear(hidden_size, output_size, dtype=dtype)

    @classmethod
    def from_numpy(cls, model: RNN) -> "TorchRNN":
        """A float64 twin holding exactly the NumPy model's weights."""
        twin = cls(*model.sizes, activation=model.activation, dtype=torch.float64)
        twin.rnn = torch_recurrence(model.params, model.activation)
        with torch.no_grad():
            twin.out.weight.copy_(torch.from_numpy(model.params["W_hy"]))
            twin.out.bias.copy_(torch.from_numpy(model.params["b_y"]))
        return twin

    def forward(self, X: torch.Tensor, y: torch.Tensor | None = None,
                h0: torch.Tensor | None = None):
        if X.ndim != 3 or X.shape[2] != self.rnn.input_size:
            raise ValueError(f"X must have shape (T, B, {self.rnn.input_size}), "
                             f"got {tuple(X.shape)}")
        H, _ = self.rnn(X, None if h0 is None else h0[None])         # (T, B, hidden)
        O = self.out(H)                                               # (T, B, K)
        if y is None:
            return O, None
        scored = O[-1] if y.ndim == 1 else O
        J = torch.nn.functional.cross_entropy(scored.reshape(-1, O.shape[-1]),
                                              y.reshape(-1))
        return O, J

    def grads(self) -> dict[str, np.ndarray]:
        """Autograd's gradients under the NumPy model's names."""
        pairs = {"W_xh": self.rnn.weight_ih_l0, "W_hh": self.rnn.weight_hh_l0,
                 "b_h": self.rnn.bias_ih_l0, "W_hy": self.out.weight,
                 "b_y": self.out.bias}
        return {name: p.grad.detach().cpu().numpy() for name, p in pairs.items()}


def torch_recurrence(params: dict[str, np.ndarray], activation: str = "tanh"
                     ) -> torch.nn.RNN:
    """A ``torch.nn.RNN`` (float64) holding exactly these recurrent weights; its two
    biases sum to b_h."""
    H, D = params["W_xh"].shape
    rnn = torch.nn.RNN(D, H, nonlinearity=activation, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(params["W_xh"]))
        rnn.weight_hh_l0.copy_(torch.from_numpy(params["W_hh"]))
        rnn.bias_ih_l0.copy_(torch.from_numpy(params["b_h"]))
        rnn.bias_hh_l0.zero_()
    return rnn


def hidden_gradient_norms(X, params: dict[str, np.ndarray], activation: str = "tanh", *,
                          seed: int = 0) -> np.ndarray:
    """||dJ/dh_t|| for a loss that reads only the last state, J = u . h_T (u random,
    unit).

    Returns an array indexed by distance k = T - t (k = 0 is the last step), averaged
    over the batch: how much of the error signal survives k steps back in time.
    """
    X, _ = check_sequence(X, params)
    Z, _ = rnn_states(X, params, activation=activation)
    u = np.random.default_rng(seed).standard_normal(Z.shape[2])
    dH_direct = np.zeros_like(Z)
    dH_direct[-1] = u / np.linalg.norm(u)
    _, dH = backprop_through_time(Z, dH_direct, params["W_hh"], activation)
    return np.linalg.norm(dH, axis=2).mean(axis=1)[::-1]


def _check_training_set(X, y) -> tuple[np.ndarray, np.ndarray]:
    X, y = check_array("X", X, ndim=3), np.asarray(y)
    if y.shape[-1] != X.shape[1]:
        raise ValueError(f"X holds {X.shape[1]} sequences but y has {y.shape[-1]}")
    return X, y


def train_rnn(model: RNN, X, y, *, lr: float, steps: int, batch_size: int = 32,
              clip: float | None = 1.0, seed: int = 0) -> list[float]:
    """Minibatch SGD with BPTT over whole sequences; returns the loss of every step.

    X: (T, N, D), time first; y: (T, N) or (N,) labels. With ``clip`` the gradients'
    joint norm is capped before each update (``clip_gradients``).
    """
    X, y = _check_training_set(X, y)
    lr = check_float("lr", lr, minimum=0.0, strict=True)
    steps = check_int("steps", steps, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    rng = numpy_rng(seed)
    losses = []
    for _ in range(steps):
        idx = rng.choice(X.shape[1], size=min(batch_size, X.shape[1]), replace=False)
        _, J = model.forward(X[:, idx], y[..., idx])            # forward pass and loss
        grads = model.backward()                                # BPTT
        if clip is not None:
            clip_gradients(grads, clip)
        sgd_step(model.params, grads, lr)                       # update
        losses.append(J)
    return losses


def train_truncated(model: RNN, X, y, *, window: int, lr: float, stateful: bool = True,
                    clip: float | None = 5.0) -> list[float]:
    """Truncated BPTT over long streams, X: (N, B, D) and y: (N, B), in consecutive
    windows of ``window`` steps; returns the loss of every window.

    Gradients flow back at most ``window`` steps. With ``stateful`` the hidden state is
    carried from each window into the next, without gradient, as min-char-rnn does;
    without it every window starts from zeros.
    """
    X, y = _check_training_set(X, y)
    lr = check_float("lr", lr, minimum=0.0, strict=True)
    window = check_int("window", window, minimum=1)
    h, losses = None, []
    for start in range(0, len(X) - window + 1, window):
        _, J = model.forward(X[start:start + window], y[start:start + window], h)
        grads = model.backward()                    # back to the window's start only
        if clip is not None:
            clip_gradients(grads, clip)
        sgd_step(model.params, grads, lr)
        h = model.h_last if stateful else None      # carried on, as a constant
        losses.append(J)
    return losses
