"""Forecasting a time series: honest splits, baselines, networks, rolling origins
(chapter 07).

The protocol the article's project skips. Split the series *in time order* into a
training, a validation and a test period; learn everything, the seasonal cycle and the
scale included, from the training period only; and forecast from every origin of the
test period in turn (a rolling origin: each step in turn is "now", and the forecasts of
the next 1, ..., H steps are scored against what happened). Compare the networks with
baselines that need no training (the last value, the same season one period before, the
seasonal mean) or almost none (a linear autoregression fitted by least squares). The
validation period chooses the epoch; the test period is touched once, at the end.

The networks read a window of the series as a sequence of one value per step, (B,
window, 1): ``gated.SequenceRegressor`` with a GRU (``gru_forecaster``), and
``WindowMLP``, which sees the whole window at once. ``training.fit`` trains both.
Simplifications: the models' parameters stay fixed while the origin rolls (no refit),
and every horizon is forecast directly, by its own output.
"""
from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np
import torch

from ._checks import check_array, check_float, check_int
from .gated import SequenceRegressor
from .training import fit
from .utils import as_tensor_for, seeded


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


class Windows(NamedTuple):
    """Forecast origins t, their inputs series[t - window + 1 .. t], (n, window), and
    their targets series[t + 1 .. t + horizon], (n, horizon)."""

    origins: np.ndarray
    X: np.ndarray
    Y: np.ndarray


def origin_windows(series, first: int, last: int, window: int, horizon: int
                   ) -> Windows:
    """Every forecast origin whose window lies in the series and whose targets all lie
    in the period [first, last): the rolling origins of that period. The window may
    reach back before ``first``: at forecast time the past is known."""
    series = check_array("series", series, ndim=1)
    window = check_int("window", window, minimum=1)
    horizon = check_int("horizon", horizon, minimum=1)
    if not 0 <= first < last <= len(series):
        raise ValueError(f"need 0 <= first < last <= {len(series)}, "
                         f"got first={first}, last={last}")
    origins = np.arange(max(first - 1, window - 1), last - horizon)
    if len(origins) == 0:
        raise ValueError(f"the period [{first}, {last}) holds no origin with a window "
                         f"of {window} and a horizon of {horizon}")
    steps_back, steps_ahead = np.arange(-window + 1, 1), np.arange(1, horizon + 1)
    return Windows(origins, series[origins[:, None] + steps_back],
                   series[origins[:, None] + steps_ahead])


def seasonal_cycle(series, period: int, n: int) -> np.ndarray:
    """The mean of each phase of the period over the first ``n`` values (the training
    period): the seasonal cycle, or climatology, (period,). Phase k holds the values at
    positions k, k + period, k + 2 period, ..."""
    series = check_array("series", series, ndim=1)
    period = check_int("period", period, minimum=1)
    n = check_int("n", n, minimum=period)
    return np.array([series[k:n:period].mean() for k in range(period)])


def mse(prediction, target) -> float:
    return float(np.mean((np.asarray(prediction) - np.asarray(target)) ** 2))


def rmse_by_horizon(prediction, target) -> np.ndarray:
    """Root-mean-square error of each horizon over the origins: (horizon,) from
    forecasts and targets of shape (origins, horizon)."""
    error = check_array("prediction", prediction, ndim=2) - check_array(
        "target", target, ndim=2)
    return np.sqrt(np.mean(error ** 2, axis=0))


# --------------------------------------------------------------------- baselines
def last_value_forecast(X) -> np.ndarray:
    """Predict that the series stays where it was at the end of the window."""
    return check_array("X", X, ndim=2)[:, -1]


def persistence(X, horizon: int) -> np.ndarray:
    """The last value of each window as the forecast of every horizon:
    (n, horizon)."""
    return np.repeat(last_value_forecast(X)[:, None], check_int(
        "horizon", horizon, minimum=1), axis=1)


def seasonal_naive(series, origins, horizon: int, period: int) -> np.ndarray:
    """The value one period before each target, series[t + h - period]:
    (n, horizon). It needs ``horizon`` <= ``period``, so that the value is known at
    the origin."""
    series = check_array("series", series, ndim=1)
    if not 1 <= horizon <= period:
        raise ValueError(f"horizon must lie in 1..period={period}, got {horizon}")
    steps = np.arange(1, horizon + 1) - period
    return series[np.asarray(origins)[:, None] + steps]


class LinearAR:
    """Y = W . window + c, fitted by least squares: the best linear forecaster, of one
    target per window (y: (n,)) or of several horizons at once (Y: (n, horizon))."""

    def fit(self, X, y) -> "LinearAR":
        X, y = check_array("X", X, ndim=2), check_array("y", y)
        if y.ndim not in (1, 2) or len(y) != len(X):
            raise ValueError(f"y must hold one row per window, (n,) or (n, horizon); "
                             f"got {y.shape} for {len(X)} windows")
        A = np.column_stack([X, np.ones(len(X))])
        coef = np.linalg.lstsq(A, y, rcond=None)[0]
        self.w, self.c = coef[:-1], coef[-1]
        return self

    def predict(self, X) -> np.ndarray:
        X = check_array("X", X, ndim=2)
        if X.shape[1] != len(self.w):
            raise ValueError(f"X has windows of {X.shape[1]} steps; the model was "
                             f"fitted on {len(self.w)}")
        return X @ self.w + self.c


# ---------------------------------------------------------------------- networks
class WindowMLP(torch.nn.Module):
    """The whole window at once: ``layers`` tanh layers of ``hidden`` units and a
    linear readout of ``outputs`` forecasts; no recurrence, no notion of order. The
    initial weights are drawn from ``seed``."""

    def __init__(self, window: int, outputs: int = 1, hidden: int = 64, layers: int = 2,
                 *, seed: int = 0):
        super().__init__()
        sizes = [check_int("window", window, minimum=1)]
        sizes += [check_int("hidden", hidden, minimum=1)] * check_int("layers", layers,
                                                                     minimum=1)
        self.outputs = check_int("outputs", outputs, minimum=1)
        blocks = []
        with seeded(seed):
            for n_in, n_out in zip(sizes, sizes[1:]):
                blocks += [torch.nn.Linear(n_in, n_out), torch.nn.Tanh()]
            self.net = torch.nn.Sequential(*blocks, torch.nn.Linear(hidden, outputs))

    def forward(self, X: torch.Tensor, y: torch.Tensor | None = None):
        """X: (B, window, 1) -> forecasts (B, outputs), or (B,), and their MSE."""
        prediction = self.net(X.flatten(1))                         # (B, outputs)
        if self.outputs == 1:
            prediction = prediction.squeeze(-1)
        loss = None if y is None else ((prediction - y) ** 2).mean()
        return prediction, loss


def gru_forecaster(hidden_size: int = 32, outputs: int = 1, *, seed: int = 0
                   ) -> SequenceRegressor:
    """A GRU that reads a window one value at a time and forecasts ``outputs``
    horizons from its last state (batch first)."""
    return SequenceRegressor("gru", input_size=1, hidden_size=hidden_size,
                             outputs=outputs, batch_first=True, seed=seed)


def as_sequences(X) -> np.ndarray:
    """Windows (N, window) as sequences of one value per step, (N, window, 1): what a
    forecaster reads."""
    return check_array("X", X, ndim=2)[:, :, None]


@torch.no_grad()
def predict(model: torch.nn.Module, X) -> np.ndarray:
    """A forecaster's predictions for windows X (N, window), as a NumPy array."""
    return model(as_tensor_for(model, as_sequences(X)))[0].cpu().numpy()


def train_forecaster(model: torch.nn.Module, X, y, X_val, y_val, *, epochs: int = 30,
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
        history["val"].append(mse(predict(model, X_val), y_val))
        if history["val"][-1] < best["val"]:                  # early stopping
            best.update(val=history["val"][-1], state=copy.deepcopy(model.state_dict()))

    history["train"] = fit(model, as_sequences(X), y, epochs=epochs, lr=lr,
                           batch_size=batch_size, seed=seed, callback=validate,
                           progress=progress)
    model.load_state_dict(best["state"])
    return history
