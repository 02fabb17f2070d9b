"""Forecasting a time series: honest splits, baselines and a GRU (chapter 07).

The protocol the article's project skips: cut the series into windows
(``data.sliding_windows``), split them *in time order* into train, validation and test,
standardise with statistics of the training part only, and compare the network with
baselines that need no training (the last observed value) or almost none (a linear
autoregression fitted by least squares). The validation split chooses the epoch; the
test split is touched once, at the end.
"""
from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np
import torch
from tqdm.auto import trange

from ._checks import check_array, check_float, check_int
from .training import minibatches, update
from .utils import torch_generator


class TimeSplit(NamedTuple):
    """Windows and targets, split in time order."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def time_split(X, y, train: float = 0.6, val: float = 0.2) -> TimeSplit:
    """First ``train`` of the windows train, the next ``val`` validate, the rest test.

    No shuffling: every test target lies later in time than every training target, as
    it would when the model is used.
    """
    X, y = check_array("X", X, ndim=2), check_array("y", y, ndim=1)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} windows but y has {len(y)} targets")
    train, val = check_float("train", train, minimum=0.0, strict=True), check_float(
        "val", val, minimum=0.0, strict=True)
    if train + val >= 1.0:
        raise ValueError(f"train + val must leave a test split, got {train} + {val}")
    i, j = int(train * len(X)), int((train + val) * len(X))
    return TimeSplit(X[:i], y[:i], X[i:j], y[i:j], X[j:], y[j:])


def mse(prediction, target) -> float:
    return float(np.mean((np.asarray(prediction) - np.asarray(target)) ** 2))


def last_value_forecast(X) -> np.ndarray:
    """Predict that the series stays where it was at the end of the window."""
    return check_array("X", X, ndim=2)[:, -1]


class LinearAR:
    """y = w . window + c, fitted by least squares: the best linear forecaster."""

    def fit(self, X, y) -> "LinearAR":
        X, y = check_array("X", X, ndim=2), check_array("y", y, ndim=1)
        A = np.column_stack([X, np.ones(len(X))])
        coef = np.linalg.lstsq(A, y, rcond=None)[0]
        self.w, self.c = coef[:-1], float(coef[-1])
        return self

    def predict(self, X) -> np.ndarray:
        X = check_array("X", X, ndim=2)
        if X.shape[1] != len(self.w):
            raise ValueError(f"X has windows of {X.shape[1]} steps; the model was fitted "
                             f"on {len(self.w)}")
        return X @ self.w + self.c


class GRUForecaster(torch.nn.Module):
    """Read a window one step at a time with a GRU; predict the target from the last state."""

    def __init__(self, hidden_size: int = 32):
        super().__init__()
        check_int("hidden_size", hidden_size, minimum=1)
        self.rnn = torch.nn.GRU(1, hidden_size)
        self.out = torch.nn.Linear(hidden_size, 1)

    def forward(self, X: torch.Tensor, y: torch.Tensor | None = None):
        """X: (batch, window) -> predictions (batch,) and, given targets y, their MSE."""
        assert X.ndim == 2, f"X must have shape (batch, window), got {tuple(X.shape)}"
        H, _ = self.rnn(X.T.unsqueeze(-1))          # time first: (window, batch, hidden)
        prediction = self.out(H[-1]).squeeze(-1)    # (batch,)
        loss = None if y is None else ((prediction - y) ** 2).mean()
        return prediction, loss

    @torch.no_grad()
    def predict(self, X) -> np.ndarray:
        param = next(self.parameters())
        X = torch.as_tensor(np.asarray(X), dtype=param.dtype, device=param.device)
        return self(X)[0].cpu().numpy()


def train_forecaster(model: GRUForecaster, split: TimeSplit, *, epochs: int = 30,
                     batch_size: int = 64, lr: float = 3e-3, seed: int = 0,
                     progress: bool = False) -> dict[str, list[float]]:
    """Adam on the mean squared error; keeps the weights of the best validation epoch.

    The budget is in epochs over a fixed training set, because the validation error is
    measured once per epoch. Returns the per-epoch training and validation MSE.
    """
    epochs = check_int("epochs", epochs, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict=True)
    param = next(model.parameters())
    X = torch.as_tensor(split.X_train, dtype=param.dtype, device=param.device)
    y = torch.as_tensor(split.y_train, dtype=param.dtype, device=param.device)
    generator = torch_generator(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"train": [], "val": []}
    best, best_state = np.inf, None
    for _ in trange(epochs, desc="epochs", disable=not progress):
        total = 0.0
        for idx in minibatches(len(X), batch_size, generator, X.device):   # windows, not time
            total += update(opt, model(X[idx], y[idx])[1]) * len(idx)
        history["train"].append(total / len(X))
        history["val"].append(mse(model.predict(split.X_val), split.y_val))
        if history["val"][-1] < best:                         # early stopping by validation
            best, best_state = history["val"][-1], copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    return history
