"""Argument checks shared by the package's public functions.

Every public function validates its inputs and raises a ``TypeError`` or
``ValueError`` whose message names the argument, what was expected and what was
given, so a student's mistake fails at the call that made it.
"""
from __future__ import annotations

import numbers
from typing import Iterable

import numpy as np


def check_int(name: str, value, minimum: int | None = None) -> int:
    """Return ``value`` as an int, or raise if it is not an integer >= minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, "
                        f"got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_float(name: str, value, minimum: float | None = None,
                strict: bool = False) -> float:
    """Return ``value`` as a float; raise unless it is a real number above ``minimum``.

    ``strict`` makes the bound exclusive (``value > minimum``).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, "
                        f"got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None:
        if strict and value <= minimum:
            raise ValueError(f"{name} must be > {minimum}, got {value}")
        if not strict and value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_fraction(name: str, value) -> float:
    """Return ``value`` if it lies strictly between 0 and 1, else raise."""
    value = check_float(name, value)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value}")
    return value


def check_choice(name: str, value, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise listing them."""
    choices = list(choices)
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; expected one of {choices}")
    return value


def check_array(name: str, x, ndim: int | None = None) -> np.ndarray:
    """Return ``x`` as a float ndarray, checking its number of dimensions."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be array-like of numbers, "
                        f"got {type(x).__name__}") from err
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    return arr


def check_labels(y, n: int, n_classes: int) -> np.ndarray:
    """Return ``y`` as an integer array if it holds ``n`` class labels in
    0..n_classes - 1, else raise saying which part was wrong."""
    y = np.asarray(y)
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be {n} integer labels, got {y.dtype} array of "
                         f"shape {y.shape}")
    if n and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, "
                         f"got {y.min()}..{y.max()}")
    return y
