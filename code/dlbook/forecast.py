"""Forecasting a time series: honest splits, baselines and a GRU (chapter 07).

The protocol the article's project skips: cut the series into windows
(``data.sliding_windows``), split them *in time order* into train, validation and test,
standardise with statistics of the training part only, and compare the network with
baselines that need no training (the last observed value) or almost none (a linear
autoregression fitted by least squares). The validation split chooses the epoch; the
test split is touched once, at the end. The GRU is ``gated.SequenceRegressor`` reading
a window one value at a time, trained by ``training.fit``.
"""
from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np
import torch

from ._checks import check_array, check_float
from .gated import SequenceRegressor
from .training import fit
from .utils import as_tensor_for


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
            raise ValueError(f"X has windows of {X.shape[1]} steps; the model was "
                             f"fitted on {len(self.w)}")
        return X @ self.w + self.c


def gru_forecaster(hidden_size: int = 32, *, seed: int = 0) -> SequenceRegressor:
    """A GRU that reads a window one value at a time and predicts the target from its
    last state (batch first)."""
    return SequenceRegressor("gru", input_size=1, hidden_size=hidden_size,
                             batch_first=True, seed=seed)


def as_sequences(X) -> np.ndarray:
    """Windows (N, window) as sequences of one value per step, (N, window, 1): what a
    forecaster reads."""
    return check_array("X", X, ndim=2)[:, :, None]


@torch.no_grad()
def predict(model: torch.nn.Module, X) -> np.ndarray:
    """A forecaster's predictions (N,) for windows X (N, window), as a NumPy array."""
    return model(as_tensor_for(model, as_sequences(X)))[0].cpu().numpy()


def train_forecaster(model: torch.nn.Module, split: TimeSplit, *, epochs: int = 30,
                     batch_size: int = 64, lr: float = 3e-3, seed: int = 0,
                     progress: bool = False) -> dict[str, list[float]]:
    """Adam on the mean squared error (``training.fit``); keeps the weights of the best
    validation epoch. ``model(X, y)`` reads windows as sequences (B, window, 1).

    The budget is in epochs over a fixed training set, because the validation error is
    measured once per epoch. Returns the per-epoch training and validation MSE.
    """
    history = {"train": [], "val": []}
    best = {"val": np.inf, "state": None}

    def validate(epoch: int, model: torch.nn.Module) -> None:
        history["val"].append(mse(predict(model, split.X_val), split.y_val))
        if history["val"][-1] < best["val"]:                  # early stopping
            best.update(val=history["val"][-1], state=copy.deepcopy(model.state_dict()))

    history["train"] = fit(model, as_sequences(split.X_train), split.y_train,
                           epochs=epochs, lr=lr, batch_size=batch_size, seed=seed,
                           callback=validate, progress=progress)
    model.load_state_dict(best["state"])
    return history
