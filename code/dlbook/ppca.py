"""Probabilistic PCA: the linear-Gaussian latent-variable model, solved in closed form.

Model (Tipping & Bishop 1999):  z ~ N(0, I_q),  x | z ~ N(W z + mu, sigma2 I_d).
It is the one latent-variable model whose maximum-likelihood fit, exact posterior
p(z | x) and exact log-likelihood log p(x) are all available in closed form, so the book
uses it twice: in chapter 02 as a first 2-D latent space whose "encoder" returns a
distribution, and in chapter 05 as ground truth for the VAE's evidence lower bound.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import check_array, check_int


@dataclass(frozen=True)
class PPCA:
    mu: np.ndarray      # (d,) data mean
    W: np.ndarray       # (d, q) loading matrix
    sigma2: float       # isotropic noise variance

    @property
    def latent_dim(self) -> int:
        return self.W.shape[1]


def fit_ppca(X, latent_dim: int = 2) -> PPCA:
    """Maximum-likelihood PPCA: W = U_q (Lambda_q - sigma2 I)^(1/2), sigma2 = mean of
    the rest."""
    X = check_array("X", X, ndim=2)
    n, d = X.shape
    q = check_int("latent_dim", latent_dim, minimum=1)
    if q >= d:
        raise ValueError(f"latent_dim must be smaller than the data dimension {d}, "
                         f"got {q}")
    mu = X.mean(axis=0)
    S = (X - mu).T @ (X - mu) / n                     # (d, d) sample covariance
    lam, U = np.linalg.eigh(S)
    lam, U = lam[::-1], U[:, ::-1]                    # descending
    sigma2 = float(lam[q:].mean())
    W = U[:, :q] * np.sqrt(np.maximum(lam[:q] - sigma2, 0.0))
    return PPCA(mu=mu, W=W, sigma2=sigma2)


def encode(model: PPCA, X) -> tuple[np.ndarray, np.ndarray]:
    """Exact posterior p(z | x) = N(M^-1 W^T (x - mu), sigma2 M^-1), M = W^T W + sigma2
    I.

    Returns the posterior means (n, q) and the shared covariance (q, q): the encoder
    outputs a distribution, not a point.
    """
    X = check_array("X", X, ndim=2)
    if X.shape[1] != model.mu.shape[0]:
        raise ValueError(f"X must have {model.mu.shape[0]} columns, got {X.shape[1]}")
    M = model.W.T @ model.W + model.sigma2 * np.eye(model.latent_dim)  # (q, q)
    means = np.linalg.solve(M, model.W.T @ (X - model.mu).T).T          # (n, q)
    return means, model.sigma2 * np.linalg.inv(M)


def decode(model: PPCA, Z) -> np.ndarray:
    """Mean of p(x | z): W z + mu, shape (n, d)."""
    Z = check_array("Z", Z, ndim=2)
    if Z.shape[1] != model.latent_dim:
        raise ValueError(f"Z must have {model.latent_dim} columns, got {Z.shape[1]}")
    return Z @ model.W.T + model.mu


def log_likelihood(model: PPCA, X) -> np.ndarray:
    """Exact log p(x) under the marginal N(mu, W W^T + sigma2 I), one value per row."""
    X = check_array("X", X, ndim=2)
    d = model.mu.shape[0]
    C = model.W @ model.W.T + model.sigma2 * np.eye(d)
    L = np.linalg.cholesky(C)
    r = np.linalg.solve(L, (X - model.mu).T)          # (d, n) whitened residuals
    logdet = 2.0 * np.log(np.diag(L)).sum()
    return -0.5 * (d * np.log(2 * np.pi) + logdet + (r**2).sum(axis=0))
