"""Checking hand-written gradients (chapter 03, reused by chapters 04-06).

Two checks for every backward pass in the book:

- against torch autograd on the same weights, in float64 (``relative_error``);
- against central finite differences, which need nothing but the loss itself
  (``numerical_gradient``, ``check_gradients``).

Residuals at machine precision are not printed as they are: their last digits depend
on the CPU's BLAS kernels and thread count, so a notebook that printed "4e-16" would
print "6e-16" elsewhere. ``below`` checks a residual against a bound that holds with a
wide margin on any machine and returns the bound as the text to print.

The relative error of an array is its largest absolute difference divided by the
largest magnitude in either array. Unlike an element-wise ratio it does not blow up on
entries that are zero in both (dead ReLU units, unused inputs), and unlike an absolute
difference it does not depend on the scale of the loss.
"""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from ._checks import check_float


def relative_error(a, b) -> float:
    """max |a - b| / max(|a|, |b|) over all entries; 0.0 when both are all zero."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare arrays of shapes {a.shape} and {b.shape}")
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    if scale == 0.0:
        return 0.0
    return float(np.max(np.abs(a - b)) / scale)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6
                       ) -> np.ndarray:
    """Central differences (f(x + eps) - f(x - eps)) / 2 eps, one entry of x at a time.

    ``f`` takes no arguments and reads ``x`` (a float array it closes over), which is
    perturbed in place and restored exactly, entry by entry.
    """
    eps = check_float("eps", eps, minimum=0.0, strict=True)
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError("x must be a float64 ndarray that f reads (it is perturbed in "
                        "place)")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        f_plus = f()
        x[i] = saved - eps
        f_minus = f()
        x[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def check_gradients(f: Callable[[], float], params: Mapping[str, np.ndarray],
                    grads: Mapping[str, np.ndarray], eps: float = 1e-6
                    ) -> dict[str, float]:
    """Relative error of each analytic gradient against finite differences of ``f``.

    ``params`` are the arrays ``f`` reads; ``grads`` the analytic gradients with the
    same names. Returns ``{name: relative_error}``.
    """
    missing = set(params) ^ set(grads)
    if missing:
        raise ValueError("params and grads must have the same names; unmatched: "
                         f"{sorted(missing)}")
    return {name: relative_error(grads[name], numerical_gradient(f, params[name], eps))
            for name in params}


def below(value: float, bound: float) -> str:
    """``"< bound"`` if ``value < bound``; else an AssertionError that names both.

    For printing agreement checks: the bound, unlike the residual itself, is the same on
    every machine."""
    if not value < bound:
        raise AssertionError(f"{value:.1e} is not below the bound {bound:.0e}")
    return f"< {bound:.0e}"
