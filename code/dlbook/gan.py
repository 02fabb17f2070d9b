"""The GAN game in closed form on densities (chapters 02 and 06).

Goodfellow et al. (2014): the discriminator D maximises and the generator G minimises

    V(D, G) = E_{x ~ p_data}[log D(x)] + E_{x ~ p_g}[log(1 - D(x))].

For a fixed G the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x)), and at
D* the value is V = -log 4 + 2 JS(p_data || p_g). Here densities are arrays on a grid
with spacing ``dx``, so the integrals are Riemann sums.
"""
from __future__ import annotations

import numpy as np

from ._checks import check_array, check_float


def gaussian_pdf(x, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
    std = check_float("std", std, minimum=0.0, strict=True)
    x = check_array("x", x)
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def _densities(p_data, p_g):
    p_data, p_g = check_array("p_data", p_data), check_array("p_g", p_g)
    if p_data.shape != p_g.shape:
        raise ValueError(f"p_data and p_g must share a grid, got {p_data.shape} and {p_g.shape}")
    if (p_data < 0).any() or (p_g < 0).any():
        raise ValueError("densities must be non-negative")
    return p_data, p_g


def optimal_discriminator(p_data, p_g, eps: float = 1e-300) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_g); 1/2 where both densities vanish."""
    p_data, p_g = _densities(p_data, p_g)
    total = p_data + p_g
    return np.where(total > eps, p_data / np.maximum(total, eps), 0.5)


def value_function(D, p_data, p_g, dx: float) -> float:
    """V(D, G) as a Riemann sum on the grid (terms with zero density contribute 0)."""
    p_data, p_g = _densities(p_data, p_g)
    D = check_array("D", D)
    dx = check_float("dx", dx, minimum=0.0, strict=True)
    # Far in a tail D* can underflow to exactly 0 (or 1) where the density is ~1e-300;
    # flooring the log's argument at the smallest float keeps p log D ~ 0 there.
    tiny = np.finfo(float).tiny
    real = np.where(p_data > 0, p_data * np.log(np.maximum(D, tiny)), 0.0)
    fake = np.where(p_g > 0, p_g * np.log(np.maximum(1.0 - D, tiny)), 0.0)
    return float((real + fake).sum() * dx)


def jensen_shannon(p, q, dx: float) -> float:
    """JS(p || q) = KL(p || m)/2 + KL(q || m)/2 with m = (p + q)/2, in nats."""
    p, q = _densities(p, q)
    dx = check_float("dx", dx, minimum=0.0, strict=True)
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(p > 0, p * np.log(p / m), 0.0).sum() * dx
        kl_q = np.where(q > 0, q * np.log(q / m), 0.0).sum() * dx
    return float(0.5 * (kl_p + kl_q))
