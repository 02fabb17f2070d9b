"""The multilayer perceptron, from scratch in NumPy and in PyTorch (chapter 03).

For a batch X of m rows, with A_0 = X and layers l = 1..L (chapter 03, eqs. eq-forward
to eq-update):

    Z_l = A_{l-1} W_l^T + b_l        pre-activation        (m, n_l)
    A_l = f(Z_l)                      activation, l < L     (m, n_l)

The last layer is linear: Z_L are the logits (classification) or the predictions
(regression). Weights have ``torch.nn.Linear``'s layout, W_l: (n_l, n_{l-1}), so both
versions hold the same arrays. Losses are means over the batch:

- ``"cross_entropy"``: softmax of the logits against integer labels y;
- ``"mse"``: half the squared error summed over outputs, so dJ/dZ_L = (Z_L - Y) / m.

``MLP`` (NumPy) and ``TorchMLP`` share constructor arguments and
``forward(X, y=None) -> (outputs, loss)``, so ``train`` drives either one (the torch
one through ``training.fit``). The NumPy ``backward`` starts from the output error
``output_delta`` (softmax minus one-hot). Simplifications: plain SGD only for the NumPy
version; no regularisation.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from tqdm.auto import trange

from ._checks import check_array, check_choice, check_float, check_int
from .activations import TORCH_ACTIVATIONS, get_activation, log_softmax, softmax
from .training import fit, minibatches, sgd_step
from .utils import as_tensor_for, numpy_rng, seeded, torch_generator

LOSSES = ("cross_entropy", "mse")


def _check_sizes(sizes) -> list[int]:
    if (isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence)
            or len(sizes) < 2):
        raise ValueError("sizes must list at least two layer widths "
                         f"(inputs, ..., outputs), got {sizes!r}")
    return [check_int(f"sizes[{i}]", n, minimum=1) for i, n in enumerate(sizes)]


def init_mlp_params(sizes: Sequence[int], activation: str = "tanh", *,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """W_l ~ N(0, gain^2 / n_{l-1}), b_l = 0; gain sqrt(2) for relu (He), else 1
    (LeCun).

    Random weights break the symmetry between units: with equal weights every hidden
    unit of a layer would compute, and learn, the same thing (chapter 03, step 1).
    """
    sizes = _check_sizes(sizes)
    get_activation(activation)
    gain = np.sqrt(2.0) if activation == "relu" else 1.0
    params = {}
    for l, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1):
        params[f"W{l}"] = rng.standard_normal((n_out, n_in)) * gain / np.sqrt(n_in)
        params[f"b{l}"] = np.zeros(n_out)
    return params


def _check_targets(y, n_rows: int, n_out: int, loss: str) -> np.ndarray:
    if loss == "cross_entropy":
        y = np.asarray(y)
        if y.shape != (n_rows,) or not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"for cross_entropy, y must be {n_rows} integer labels, "
                             f"got {y.dtype} array of shape {y.shape}")
        if y.min() < 0 or y.max() >= n_out:
            raise ValueError(f"labels must lie in 0..{n_out - 1}, "
                             f"got {y.min()}..{y.max()}")
        return y
    y = check_array("y", y)
    y = y.reshape(-1, 1) if y.ndim == 1 and n_out == 1 else y
    if y.shape != (n_rows, n_out):
        raise ValueError(f"for mse, y must have shape {(n_rows, n_out)}, got {y.shape}")
    return y


def output_delta(Z: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    """dJ/dZ_L for a batch of m rows (eq-delta-out), where backpropagation starts.

    Cross-entropy: (softmax(Z_L) - one-hot(y)) / m; half squared error: (Z_L - Y) / m.
    """
    m = len(Z)
    if loss == "cross_entropy":
        return (softmax(Z) - np.eye(Z.shape[1])[y]) / m
    return (Z - y) / m


class MLP:
    """A NumPy MLP with a hand-written backward pass.

    ``sizes`` lists the widths [n_0 (inputs), n_1, ..., n_L (outputs)]; ``activation``
    is used in every hidden layer; the output layer is linear.
    """

    def __init__(self, sizes: Sequence[int], activation: str = "tanh",
                 loss: str = "cross_entropy", *, seed: int = 0):
        self.sizes = _check_sizes(sizes)
        self.activation = activation
        self.f, self.df = get_activation(activation)
        self.loss = check_choice("loss", loss, LOSSES)
        rng = numpy_rng(seed)
        self.params = init_mlp_params(self.sizes, activation, rng=rng)
        self.cache = None   # what backward needs from the last forward with targets

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    def _check_inputs(self, X) -> np.ndarray:
        X = check_array("X", X, ndim=2)
        if X.shape[1] != self.sizes[0]:
            raise ValueError(f"X has {X.shape[1]} features per row but the first layer "
                             f"expects {self.sizes[0]}")
        return X

    def forward(self, X, y=None) -> tuple[np.ndarray, float | None]:
        """Outputs Z_L (m, n_L) and, given targets y, the mean loss J."""
        X = self._check_inputs(X)
        Zs, As = [None], [X]                         # Z_0 unused; A_0 = X
        for l in range(1, self.n_layers + 1):
            W, b = self.params[f"W{l}"], self.params[f"b{l}"]
            Z = As[-1] @ W.T + b                     # eq-forward: (m, n_l)
            Zs.append(Z)
            As.append(self.f(Z) if l < self.n_layers else Z)
        if y is None:
            return Z, None
        y = _check_targets(y, len(X), self.sizes[-1], self.loss)
        if self.loss == "cross_entropy":             # eq-loss: mean -log p(label)
            J = -np.mean(log_softmax(Z)[np.arange(len(X)), y])
        else:                                        # eq-loss: half squared error
            J = 0.5 * np.sum((Z - y) ** 2) / len(X)
        self.cache = (Zs, As, y)
        return Z, float(J)

    def backward(self) -> dict[str, np.ndarray]:
        """Gradients dJ/dW_l and dJ/db_l of the last forward pass that had targets."""
        assert self.cache is not None, "call forward(X, y) with targets first"
        Zs, As, y = self.cache
        delta = output_delta(Zs[-1], y, self.loss)   # eq-delta-out: dJ/dZ_L, (m, n_L)
        grads = {}
        for l in range(self.n_layers, 0, -1):
            grads[f"W{l}"] = delta.T @ As[l - 1]     # eq-grad: (n_l, n_{l-1})
            grads[f"b{l}"] = delta.sum(axis=0)       # eq-grad: (n_l,)
            if l > 1:                                # eq-delta: back through W_l and f
                delta = (delta @ self.params[f"W{l}"]) * self.df(Zs[l - 1])
        return grads

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, (m, n_L); cross-entropy models only."""
        if self.loss != "cross_entropy":
            raise ValueError("predict_proba needs a model trained with cross_entropy")
        return softmax(self.forward(X)[0])

    def predict(self, X) -> np.ndarray:
        """Most probable class (cross_entropy) or the regression output (mse)."""
        Z = self.forward(X)[0]
        return Z.argmax(axis=1) if self.loss == "cross_entropy" else Z


class TorchMLP(torch.nn.Module):
    """The same MLP in PyTorch: ``nn.Linear`` layers, gradients from autograd; the
    initial weights are drawn from ``seed``."""

    def __init__(self, sizes: Sequence[int], activation: str = "tanh",
                 loss: str = "cross_entropy", dtype: torch.dtype = torch.float32, *,
                 seed: int = 0):
        super().__init__()
        self.sizes = _check_sizes(sizes)
        self.activation = check_choice("activation", activation, TORCH_ACTIVATIONS)
        self.f = TORCH_ACTIVATIONS[activation]
        self.loss = check_choice("loss", loss, LOSSES)
        with seeded(seed):
            self.layers = torch.nn.ModuleList(
                torch.nn.Linear(n_in, n_out, dtype=dtype)
                for n_in, n_out in zip(self.sizes, self.sizes[1:]))

    @classmethod
    def from_numpy(cls, model: MLP) -> "TorchMLP":
        """A float64 twin holding exactly the NumPy model's weights."""
        twin = cls(model.sizes, model.activation, model.loss, dtype=torch.float64)
        with torch.no_grad():
            for l, layer in enumerate(twin.layers, start=1):
                layer.weight.copy_(torch.from_numpy(model.params[f"W{l}"]))
                layer.bias.copy_(torch.from_numpy(model.params[f"b{l}"]))
        return twin

    def forward(self, X: torch.Tensor, y: torch.Tensor | None = None):
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (m, {self.sizes[0]}), "
                             f"got {tuple(X.shape)}")
        A = X
        for l, layer in enumerate(self.layers, start=1):
            Z = layer(A)                                       # (m, n_l)
            A = self.f(Z) if l < len(self.layers) else Z
        if y is None:
            return Z, None
        if self.loss == "cross_entropy":
            J = torch.nn.functional.cross_entropy(Z, y)
        else:
            J = 0.5 * ((Z - y.reshape(Z.shape)) ** 2).sum() / len(X)
        return Z, J

    def grads(self) -> dict[str, np.ndarray]:
        """Autograd's gradients under the NumPy model's names (W1, b1, ...)."""
        out = {}
        for l, layer in enumerate(self.layers, start=1):
            out[f"W{l}"] = layer.weight.grad.detach().cpu().numpy()
            out[f"b{l}"] = layer.bias.grad.detach().cpu().numpy()
        return out

    @torch.no_grad()
    def predict(self, X: torch.Tensor) -> torch.Tensor:
        Z = self(X)[0]
        return Z.argmax(dim=1) if self.loss == "cross_entropy" else Z


def accuracy(model: MLP | TorchMLP, X, y) -> float:
    """Fraction of rows whose predicted class equals the label."""
    if isinstance(model, TorchMLP):
        X = as_tensor_for(model, check_array("X", X))
        predicted = model.predict(X).cpu().numpy()
    else:
        predicted = model.predict(X)
    return float((predicted == np.asarray(y)).mean())


def train(model: MLP | TorchMLP, X, y, *, lr: float, epochs: int, batch_size: int = 32,
          seed: int = 0, optimizer: str = "sgd",
          callback: Callable[[int, MLP | TorchMLP], None] | None = None,
          progress: bool = False) -> list[float]:
    """Minibatch training of either twin; returns the mean training loss per epoch.

    The NumPy model is updated by its own ``backward`` and ``sgd_step``; the torch
    model by ``training.fit``: autograd and ``torch.optim`` (``"sgd"`` or ``"adam"``).
    Both draw their batches from ``training.minibatches`` with ``seed``, so the twins
    see the same batches. ``callback`` runs after every epoch (snapshots, animations).
    """
    if isinstance(model, torch.nn.Module):
        X = check_array("X", X, ndim=2)
        return fit(model, X, y, lr=lr, epochs=epochs, batch_size=batch_size,
                   optimizer=optimizer, seed=seed, callback=callback, progress=progress)
    lr = check_float("lr", lr, minimum=0.0, strict=True)
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if check_choice("optimizer", optimizer, ("sgd", "adam")) != "sgd":
        raise ValueError("the NumPy MLP trains with optimizer='sgd' only")
    X, y = model._check_inputs(X), np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    generator = torch_generator(seed)
    history = []
    for epoch in trange(epochs, desc="epochs", disable=not progress):
        total = 0.0
        for idx in minibatches(len(X), batch_size, generator):
            idx = idx.numpy()
            _, J = model.forward(X[idx], y[idx])          # forward pass and loss
            sgd_step(model.params, model.backward(), lr)  # backward pass and update
            total += J * len(idx)
        history.append(total / len(X))
        if callback is not None:
            callback(epoch, model)
    return history
