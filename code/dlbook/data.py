"""Offline data for every chapter: nothing here touches the network.

- tiny Shakespeare, shipped in ``assets/`` (source and license in ``assets/SOURCE.md``);
- NOAA's monthly sea-surface temperature of the Niño 1+2 region, 1950-2010, shipped in
  ``assets/``;
- scikit-learn's bundled 8x8 digits (Alpaydin & Kaynak's UCI set, shipped inside
  sklearn);
- 12,000 of MNIST's 28x28 digits (LeCun and Cortes), shipped in ``assets/``;
- generated sets: the ring of Gaussians used by GAN papers, two moons, and time series.

Every loader validates its arguments (see ``_checks``) and is deterministic given
``seed``.
"""
from __future__ import annotations

import hashlib
import io
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._checks import check_choice, check_float, check_fraction, check_int
from .utils import numpy_rng

SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
SST_SHA256 = "b647be00e0fd264be9764e317e6b963f35030014ecca2b21b204521716e463ad"
MNIST_SHA256 = "1d07d604af4c96b3a3ac7369e90e560a0fa9f7252cb8a6d4ac66c2669044ffbf"


class DataSplit(NamedTuple):
    """Train and test arrays of a supervised data set."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def checked_asset(name: str, sha256: str) -> bytes:
    """The bytes of a data file shipped in ``assets/``, checked against its digest: a
    truncated install would shift every figure computed from it."""
    raw = (resources.files("dlbook") / "assets" / name).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != sha256:
        raise RuntimeError(f"{name} is corrupt: sha256 {digest}")
    return raw


# ----------------------------------------------------------------- tiny Shakespeare
def shakespeare_path() -> Path:
    """Path of the shipped ``tinyshakespeare.txt``."""
    return Path(str(resources.files("dlbook") / "assets" / "tinyshakespeare.txt"))


def load_shakespeare(split: str = "all", train_fraction: float = 0.9) -> str:
    """Tiny Shakespeare as one string, whole or split by position.

    ``split="train"`` is the first ``train_fraction`` of the characters and
    ``split="val"`` the rest: at the default 0.9, nanoGPT's split of this file
    (1,003,854 / 111,540 characters); char-rnn's default keeps 95% for training.
    """
    check_choice("split", split, ("all", "train", "val"))
    train_fraction = check_fraction("train_fraction", train_fraction)
    text = checked_asset("tinyshakespeare.txt", SHAKESPEARE_SHA256).decode("ascii")
    n_train = int(train_fraction * len(text))
    return {"all": text, "train": text[:n_train], "val": text[n_train:]}[split]


# --------------------------------------------------------------------------- digits
def load_digits(test_fraction: float = 0.25, seed: int = 0) -> DataSplit:
    """scikit-learn's 8x8 digits (1,797 images), pixels scaled to [0, 1].

    Returns a stratified ``DataSplit``; ``X`` has shape (n, 64), ``y`` holds 0-9.
    """
    from sklearn.datasets import load_digits as _sk_digits
    from sklearn.model_selection import train_test_split

    test_fraction = check_fraction("test_fraction", test_fraction)
    seed = check_int("seed", seed, minimum=0)
    X, y = _sk_digits(return_X_y=True)
    X = X / 16.0  # pixel intensities are integers 0..16
    parts = train_test_split(X, y, test_size=test_fraction, random_state=seed,
                             stratify=y)
    X_train, X_test, y_train, y_test = parts
    return DataSplit(X_train, y_train, X_test, y_test)


def load_mnist(n_train: int = 10_000, flatten: bool = False) -> DataSplit:
    """MNIST digits shipped with the book: the first ``n_train`` (at most 10,000) of
    MNIST's training images, and 2,000 of its test images (numbers 0-999 and
    5,000-5,999, equal shares of its cleaner and its harder half; ``assets/SOURCE.md``).

    Pixels are scaled to [0, 1]. ``X`` has shape (n, 1, 28, 28), one grey channel as
    convolutions expect, or (n, 784) with ``flatten``; ``y`` holds the digits 0-9.
    """
    n_train = check_int("n_train", n_train, minimum=1)
    if n_train > 10_000:
        raise ValueError(f"the book ships 10,000 training images, asked for {n_train}")
    with np.load(io.BytesIO(checked_asset("mnist_subset.npz", MNIST_SHA256))) as arrays:
        parts = [arrays[key] for key in ("train_images", "train_labels", "test_images",
                                         "test_labels")]
    parts[0], parts[1] = parts[0][:n_train], parts[1][:n_train]
    shape = (-1, 784) if flatten else (-1, 1, 28, 28)
    X_train, X_test = (images.reshape(shape) / 255.0 for images in parts[::2])
    return DataSplit(X_train, parts[1].astype(np.int64), X_test,
                     parts[3].astype(np.int64))


# -------------------------------------------------------- sea-surface temperature
def load_sea_surface_temperature() -> np.ndarray:
    """Monthly mean sea-surface temperature of the Niño 1+2 region, in degrees Celsius,
    January 1950 to December 2010: 732 values, one per month, in time order (index
    12 * (year - 1950) + month - 1). NOAA's public-domain ERSST.V3B index; source in
    ``assets/SOURCE.md``."""
    text = checked_asset("nino12_sst.csv", SST_SHA256).decode("ascii")
    rows = [line.split(",") for line in text.splitlines()[1:]]
    return np.array([[float(v) for v in row[1:]] for row in rows]).ravel()


# -------------------------------------------------------------------- 2-D mixtures
def ring_centres(n_modes: int = 8, radius: float = 1.0) -> np.ndarray:
    """The ``n_modes`` distinct centres of the ring, shape (n_modes, 2).

    Angles are 2*pi*k/n_modes for k = 0..n_modes-1. (``np.linspace(0, 2*pi, n)``
    would include both 0 and 2*pi, i.e. the same centre twice.)
    """
    n_modes = check_int("n_modes", n_modes, minimum=1)
    radius = check_float("radius", radius, minimum=0.0, strict=True)
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def grid_centres(n_side: int = 5, spacing: float = 2.0) -> np.ndarray:
    """The centres of an ``n_side`` x ``n_side`` grid, spaced ``spacing`` apart and
    centred on the origin, shape (n_side**2, 2). The defaults are the 25-Gaussian grid
    of VEEGAN and PacGAN: centres at (i, j) for i, j in {-4, -2, 0, 2, 4}."""
    n_side = check_int("n_side", n_side, minimum=1)
    spacing = check_float("spacing", spacing, minimum=0.0, strict=True)
    axis = spacing * (np.arange(n_side) - (n_side - 1) / 2)
    return np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2)


def make_ring(n_samples: int, n_modes: int = 8, radius: float = 1.0, std: float = 0.01,
              seed: int = 0, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Samples from a mixture of Gaussians on a ring, equal unless ``weights`` (one per
    mode, summing to 1) say otherwise.

    Returns ``X`` (n_samples, 2) and the index of each sample's mode (n_samples,).
    The defaults are the 8-Gaussian ring of the GAN literature.
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    std = check_float("std", std, minimum=0.0, strict=True)
    seed = check_int("seed", seed, minimum=0)
    centres = ring_centres(n_modes, radius)
    rng = np.random.default_rng(seed)
    if weights is None:
        modes = rng.integers(0, n_modes, size=n_samples)
    else:
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (n_modes,) or (weights < 0).any() or not np.isclose(
                weights.sum(), 1.0):
            raise ValueError(f"weights must be {n_modes} non-negative numbers summing "
                             f"to 1, got {weights}")
        modes = rng.choice(n_modes, size=n_samples, p=weights)
    X = centres[modes] + std * rng.standard_normal((n_samples, 2))
    return X, modes


def make_moons(n_samples: int, noise: float = 0.2, seed: int = 0
               ) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``), labels 0/1."""
    from sklearn.datasets import make_moons as _sk_moons

    n_samples = check_int("n_samples", n_samples, minimum=2)
    noise = check_float("noise", noise, minimum=0.0)
    seed = check_int("seed", seed, minimum=0)
    return _sk_moons(n_samples=n_samples, noise=noise, random_state=seed)


def moons_posterior(X, noise: float = 0.2, n_grid: int = 2000) -> np.ndarray:
    """P(label 1 | x) under the process that generates the two moons.

    Each class is a point uniform along its half circle plus Gaussian noise, so its
    density is a Gaussian blurred along the curve (averaged here over ``n_grid``
    points of the curve). Thresholding at 1/2 gives the Bayes classifier, whose
    accuracy is the ceiling for any model on this data (chapter 03).
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    noise = check_float("noise", noise, minimum=0.0, strict=True)
    n_grid = check_int("n_grid", n_grid, minimum=2)
    t = np.linspace(0.0, np.pi, n_grid)
    curves = [np.stack([np.cos(t), np.sin(t)], axis=1),               # label 0
              np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)]     # label 1
    log_density = []
    for curve in curves:
        a = -((X[:, None, :] - curve[None]) ** 2).sum(-1) / (2 * noise**2)   # (n, grid)
        top = a.max(axis=1)
        log_density.append(top + np.log(np.exp(a - top[:, None]).mean(axis=1)))
    return 1.0 / (1.0 + np.exp(log_density[0] - log_density[1]))   # equal class priors


# ------------------------------------------------------------------ memory tasks
def make_first_symbol_task(n_samples: int, gap: int, n_symbols: int = 4, seed: int = 0
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of ``gap + 1`` random symbols (one-hot); the label is the first symbol.

    Returns X: (gap + 1, n, n_symbols), time first, and y: (n,) integer labels. The
    later symbols come from the same alphabet, so the network must hold the first one
    while ignoring the rest (chapter 04).
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    gap = check_int("gap", gap, minimum=0)
    n_symbols = check_int("n_symbols", n_symbols, minimum=2)
    rng = numpy_rng(seed)
    symbols = rng.integers(0, n_symbols, size=(gap + 1, n_samples))
    return np.eye(n_symbols)[symbols], symbols[0]


def make_adding_problem(n_samples: int, length: int, seed: int = 0
                        ) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem of Hochreiter and Schmidhuber (1997), in its common modern
    form.

    Each step carries a value drawn from U(0, 1) and a marker bit; exactly two steps are
    marked, one in the first half and one in the second. The target is the sum of the
    two marked values, so the first must be carried at least ``length / 2`` steps.
    Predicting the mean, 1, gives a mean squared error of 1/6: that is chance.
    Returns X: (length, n, 2), time first, and y: (n,).
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    length = check_int("length", length, minimum=2)
    rng = numpy_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(length, n_samples))
    markers = np.zeros((length, n_samples))
    columns = np.arange(n_samples)
    markers[rng.integers(0, length // 2, size=n_samples), columns] = 1.0
    markers[rng.integers(length // 2, length, size=n_samples), columns] = 1.0
    return np.stack([values, markers], axis=-1), (values * markers).sum(axis=0)


# --------------------------------------------------------------------- time series
def _mackey_glass(n_steps: int, rng: np.random.Generator, tau: int = 17,
                  beta: float = 0.2, gamma: float = 0.1, power: int = 10,
                  substeps: int = 10, burn_in: int = 500) -> np.ndarray:
    """The Mackey-Glass delay equation,
    dx/dt = beta x(t-tau) / (1 + x(t-tau)^power) - gamma x(t).

    Integrated by Euler steps of 1/substeps and read once per time unit; with tau=17
    the series is chaotic, so a linear autoregression cannot capture it.
    """
    dt = 1.0 / substeps
    lag = tau * substeps
    total = (n_steps + burn_in) * substeps
    x = np.empty(total + lag)
    x[:lag] = 1.2 + 0.1 * rng.standard_normal(lag)  # history before t = 0
    for t in range(lag, total + lag):
        delayed = x[t - lag]
        slope = beta * delayed / (1 + delayed**power) - gamma * x[t - 1]
        x[t] = x[t - 1] + dt * slope
    return x[lag + burn_in * substeps::substeps][:n_steps]


def _seasonal(n_steps: int, rng: np.random.Generator, period: int = 50) -> np.ndarray:
    """Two seasonal components plus AR(1) noise: linear structure, for contrast."""
    t = np.arange(n_steps)
    ar = np.zeros(n_steps)
    eps = 0.1 * rng.standard_normal(n_steps)
    for i in range(1, n_steps):
        ar[i] = 0.8 * ar[i - 1] + eps[i]
    slow, fast = np.sin(2 * np.pi * t / period), np.sin(2 * np.pi * t / (period / 5))
    return slow + 0.5 * fast + ar


_SERIES = {"mackey_glass": _mackey_glass, "seasonal": _seasonal}


def make_time_series(n_steps: int, kind: str = "mackey_glass", noise: float = 0.0,
                     seed: int = 0) -> np.ndarray:
    """A synthetic series of length ``n_steps`` with real temporal structure.

    ``kind``: ``"mackey_glass"`` (nonlinear, chaotic) or ``"seasonal"`` (sines plus
    AR(1) noise). ``noise`` adds Gaussian observation noise of that standard deviation.
    """
    n_steps = check_int("n_steps", n_steps, minimum=1)
    check_choice("kind", kind, _SERIES)
    noise = check_float("noise", noise, minimum=0.0)
    seed = check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    series = _SERIES[kind](n_steps, rng)
    return series + noise * rng.standard_normal(n_steps)


def sliding_windows(series, window: int, horizon: int = 1
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Cut a 1-D series into inputs of ``window`` steps and the value ``horizon`` later.

    Returns ``X`` (n, window) and ``y`` (n,) with
    ``y[i] = series[i + window + horizon - 1]``.
    """
    series = np.asarray(series, dtype=float)
    if series.ndim != 1:
        raise ValueError(f"series must be 1-D, got shape {series.shape}")
    window = check_int("window", window, minimum=1)
    horizon = check_int("horizon", horizon, minimum=1)
    n = len(series) - window - horizon + 1
    if n < 1:
        raise ValueError(f"series of length {len(series)} is too short for "
                         f"window={window} and horizon={horizon}")
    X = np.lib.stride_tricks.sliding_window_view(series, window)[:n]  # (n, window)
    y = series[window + horizon - 1:][:n]                                 # (n,)
    return X.copy(), y.copy()
