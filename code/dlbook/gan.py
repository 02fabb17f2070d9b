"""The GAN game in closed form, and a 1-D GAN with hand-written gradients
(chapters 02 and 06).

Goodfellow et al. (2014): the discriminator D maximises and the generator G minimises

    V(D, G) = E_{x ~ p_data}[log D(x)] + E_{x ~ p_g}[log(1 - D(x))].

For a fixed G the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x)), and at
D* the value is V = -log 4 + 2 JS(p_data || p_g). Here densities are arrays on a grid
with spacing ``dx``, so the integrals are Riemann sums.

The 1-D GAN is the smallest one whose every gradient fits on a page: an affine generator
G(z) = b + a z with z ~ N(0, 1), so p_g = N(b, a^2), and a discriminator that is
logistic regression on (1, x, x^2), D(x) = sigmoid(c + u x + v x^2). For two Gaussians
log(p_data / p_g) is quadratic in x, so D* lies inside this family: trained against a
frozen G, D must reach D* (chapter 06, eq-dstar), which the tests check.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ._checks import check_array, check_choice, check_float, check_int
from .activations import sigmoid
from .utils import numpy_rng

GENERATOR_LOSSES = ("non-saturating", "saturating")
D_PARAMS, G_PARAMS = ("c", "u", "v"), ("a", "b")


def gaussian_pdf(x, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
    std = check_float("std", std, minimum=0.0, strict=True)
    x = check_array("x", x)
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def _densities(p_data, p_g):
    p_data, p_g = check_array("p_data", p_data), check_array("p_g", p_g)
    if p_data.shape != p_g.shape:
        raise ValueError(f"p_data and p_g must share a grid, got {p_data.shape} and "
                         f"{p_g.shape}")
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
    """JS(p || q) = KL(p || m)/2 + KL(q || m)/2 with the mixture m = (p + q)/2 (chapter
    06 writes it p-bar), in nats."""
    p, q = _densities(p, q)
    dx = check_float("dx", dx, minimum=0.0, strict=True)
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(p > 0, p * np.log(p / m), 0.0).sum() * dx
        kl_q = np.where(q > 0, q * np.log(q / m), 0.0).sum() * dx
    return float(0.5 * (kl_p + kl_q))


# ----------------------------------------------------------- the 1-D GAN in NumPy
def init_gan_1d(a: float = 0.3, b: float = -3.0) -> dict[str, float]:
    """Generator N(b, a^2); discriminator D = 1/2 everywhere (c = u = v = 0)."""
    return {"a": check_float("a", a), "b": check_float("b", b),
            "c": 0.0, "u": 0.0, "v": 0.0}


def generate_1d(z, params) -> np.ndarray:
    """x = G(z) = b + a z."""
    return params["b"] + params["a"] * z


def discriminator_logit_1d(x, params) -> np.ndarray:
    """s(x) = c + u x + v x^2, so D(x) = sigmoid(s(x))."""
    return params["c"] + params["u"] * x + params["v"] * x ** 2


def gan_1d_losses(x_real, z, params, generator_loss: str = "non-saturating"):
    """The two players' losses on one batch, in nats.

    L_D = -mean log D(x_real) - mean log(1 - D(G(z)))          (eq-loss-d)
    L_G = -mean log D(G(z))        (non-saturating, eq-loss-g-ns), or
    L_G =  mean log(1 - D(G(z)))   (saturating: minimax, eq-loss-g-sat).
    """
    s_real = discriminator_logit_1d(x_real, params)
    s_fake = discriminator_logit_1d(generate_1d(z, params), params)
    # log D = -softplus(-s) and log(1 - D) = -softplus(s), computed stably
    log_d_real = -np.logaddexp(0.0, -s_real)
    log_d_fake, log_1m_d_fake = -np.logaddexp(0.0, -s_fake), -np.logaddexp(0.0, s_fake)
    loss_d = -log_d_real.mean() - log_1m_d_fake.mean()
    if generator_loss == "non-saturating":
        loss_g = -log_d_fake.mean()
    else:
        loss_g = log_1m_d_fake.mean()
    return float(loss_d), float(loss_g)


def gan_1d_gradients(x_real, z, params, generator_loss: str = "non-saturating"):
    """dL_D/d(c, u, v) and dL_G/d(a, b) by hand (chapter 06, eq-grad-d and eq-grad-g).

    For the discriminator, dL_D/ds = D - 1 on a real sample and D on a fake one (the
    logistic-regression rule), and ds/d(c, u, v) = (1, x, x^2). For the generator, the
    gradient reaches x = G(z) through D: ds/dx = u + 2 v x, and dx/d(a, b) = (z, 1).
    """
    x_fake = generate_1d(z, params)
    d_real = sigmoid(discriminator_logit_1d(x_real, params))
    d_fake = sigmoid(discriminator_logit_1d(x_fake, params))
    ds_real, ds_fake = d_real - 1.0, d_fake                      # dL_D/ds
    grads = {name: (ds_real * x_real ** k).mean() + (ds_fake * x_fake ** k).mean()
             for k, name in enumerate(D_PARAMS)}                 # ds/d(c, u, v) = x^k
    if generator_loss == "non-saturating":
        dl_ds = -(1.0 - d_fake)          # d/ds of -log sigmoid(s)
    else:
        dl_ds = -d_fake                  # d/ds of log(1 - sigmoid(s))
    dl_dx = dl_ds * (params["u"] + 2.0 * params["v"] * x_fake)
    grads["a"] = (dl_dx * z).mean()
    grads["b"] = dl_dx.mean()
    return {k: float(v) for k, v in grads.items()}


def torch_gan_1d_gradients(x_real, z, params, generator_loss: str = "non-saturating"):
    """The same gradients by autograd in float64: the twin the hand-written ones are
    tested against."""
    p = {k: torch.tensor(float(params[k]), dtype=torch.float64, requires_grad=True)
         for k in G_PARAMS + D_PARAMS}
    x_real = torch.as_tensor(np.asarray(x_real, dtype=float))
    z = torch.as_tensor(np.asarray(z, dtype=float))

    def logit(x):
        return p["c"] + p["u"] * x + p["v"] * x ** 2

    x_fake = p["b"] + p["a"] * z
    # the discriminator's loss treats the fakes as data: no gradient into G from L_D
    loss_d = (torch.nn.functional.softplus(-logit(x_real)).mean()
              + torch.nn.functional.softplus(logit(x_fake.detach())).mean())
    s_fake = logit(x_fake)
    if generator_loss == "non-saturating":
        loss_g = torch.nn.functional.softplus(-s_fake).mean()
    else:
        loss_g = -torch.nn.functional.softplus(s_fake).mean()
    d_grads = torch.autograd.grad(loss_d, [p[k] for k in D_PARAMS])
    g_grads = torch.autograd.grad(loss_g, [p[k] for k in G_PARAMS])
    return {k: float(g) for k, g in zip(D_PARAMS + G_PARAMS, d_grads + g_grads)}


@dataclass
class Gan1DRun:
    """What ``train_gan_1d`` returns: final parameters and snapshots every ``every``
    steps."""
    params: dict
    snapshots: list      # (step, params) pairs, step 0 first
    losses: np.ndarray   # (steps, 2): L_D and L_G per step


def train_gan_1d(steps: int = 600, *, data_mean: float = 0.0, data_std: float = 1.0,
                 init=(0.3, -3.0), lr_d: float = 0.1, lr_g: float = 0.05,
                 batch_size: int = 256, generator_loss: str = "non-saturating",
                 train_generator: bool = True, every: int = 20, seed: int = 0
                 ) -> Gan1DRun:
    """Alternating SGD: one discriminator step, then one generator step, per iteration.

    ``train_generator=False`` freezes G, so D alone learns and should reach D*.
    """
    steps = check_int("steps", steps, minimum=1)
    every = check_int("every", every, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    data_std = check_float("data_std", data_std, minimum=0.0, strict=True)
    lr_d = check_float("lr_d", lr_d, minimum=0.0)
    lr_g = check_float("lr_g", lr_g, minimum=0.0)
    check_choice("generator_loss", generator_loss, GENERATOR_LOSSES)
    rng = numpy_rng(seed)
    params = init_gan_1d(*init)
    snapshots, losses = [(0, dict(params))], []
    for step in range(1, steps + 1):
        if not np.isfinite(list(params.values())).all():
            raise FloatingPointError(f"training diverged at step {step - 1}; "
                                     "lower the rates")
        x_real = data_mean + data_std * rng.standard_normal(batch_size)
        z = rng.standard_normal(batch_size)
        losses.append(gan_1d_losses(x_real, z, params, generator_loss))
        grads = gan_1d_gradients(x_real, z, params, generator_loss)
        for k in D_PARAMS:
            params[k] -= lr_d * grads[k]
        if train_generator:
            # a fresh batch of z for the generator, scored by the updated discriminator
            z = rng.standard_normal(batch_size)
            grads = gan_1d_gradients(x_real, z, params, generator_loss)
            for k in G_PARAMS:
                params[k] -= lr_g * grads[k]
        if step % every == 0:
            snapshots.append((step, dict(params)))
    return Gan1DRun(params, snapshots, np.array(losses))
