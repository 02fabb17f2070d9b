"""The variational autoencoder, its forward pass and ELBO in NumPy and PyTorch
(chapter 05).

Model (Kingma & Welling 2014; Rezende et al. 2014): a prior z ~ N(0, I), a decoder
p(x | z) (Bernoulli pixels with logits f(z), or Gaussian), and an encoder
q(z | x) = N(mu(x), diag exp(logvar(x))). Training maximises the evidence lower bound

    ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || p(z))   <=   log p(x),

estimated with one reparameterised sample z = mu + exp(logvar / 2) * eps, eps ~ N(0, I),
and the KL in closed form (chapter 05, eqs. eq-elbo to eq-kl).

Layers (both versions, the same arrays): encoder x -> h = act(W_enc x + b_enc) ->
mu = W_mu h + b_mu, logvar = W_logvar h + b_logvar; decoder z -> act(W_dec z + b_dec)
-> logits = W_out (.) + b_out. With ``variational=False`` the torch model is a plain
autoencoder (z = mu, no KL), for comparison. The NumPy ``encode`` and ``decode`` keep
what the backward pass needs in a ``cache``, as CS231n's layer functions do, so that
``elbo_gradients`` runs the very forward pass the chapter prints. Simplifications: one
hidden layer each.
"""
from __future__ import annotations

import numpy as np
import torch

from ._checks import check_array, check_choice, check_float, check_int
from .activations import ACTIVATIONS, TORCH_ACTIVATIONS, get_activation, sigmoid
from .training import fit
from .utils import as_tensor_for, seeded, torch_generator

DECODERS = ("bernoulli", "gaussian")


# ------------------------------------------------------------------ the three terms
def gaussian_kl(mu, logvar) -> np.ndarray:
    """KL(N(mu, diag exp(logvar)) || N(0, I)) per row, in closed form (eq-kl)."""
    return 0.5 * np.sum(np.exp(logvar) + mu**2 - 1.0 - logvar, axis=1)


def reparameterize(mu, logvar, eps) -> np.ndarray:
    """z = mu + sigma * eps: a sample of q(z | x) that is a differentiable function of
    (mu, logvar), with all the randomness in eps ~ N(0, I) (eq-reparam)."""
    return mu + np.exp(0.5 * logvar) * eps


def bernoulli_log_likelihood(X, logits) -> np.ndarray:
    """log p(x | z) for binary pixels, sum over pixels, from logits (stable form)."""
    # x * l - log(1 + e^l), written so that exp never overflows
    return np.sum(X * logits - np.logaddexp(0.0, logits), axis=1)


def gaussian_log_likelihood(X, mean, var: float) -> np.ndarray:
    """log N(x; mean, var I), sum over dimensions."""
    d = X.shape[1]
    return -0.5 * (d * np.log(2 * np.pi * var) + np.sum((X - mean) ** 2, axis=1) / var)


# --------------------------------------------------------------------- NumPy model
def init_vae_params(input_size: int, hidden_size: int, latent_size: int, *,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Weights ~ N(0, 1 / fan_in), biases 0, in ``torch.nn.Linear``'s layout,
    (out, in)."""
    D = check_int("input_size", input_size, minimum=1)
    H = check_int("hidden_size", hidden_size, minimum=1)
    d_z = check_int("latent_size", latent_size, minimum=1)
    shapes = {"enc": (H, D), "mu": (d_z, H), "logvar": (d_z, H), "dec": (H, d_z),
              "out": (D, H)}
    params = {}
    for name, (n_out, n_in) in shapes.items():
        params[f"W_{name}"] = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
        params[f"b_{name}"] = np.zeros(n_out)
    return params


def encode(X, params, activation: str = "tanh", cache: dict | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """The encoder: (mu, logvar), each (n, d_z). Linear outputs: a mean can be any real
    number, and a log-variance makes any positive variance reachable."""
    f, _ = ACTIVATIONS[activation]
    a_enc = X @ params["W_enc"].T + params["b_enc"]                # (n, H)
    h_enc = f(a_enc)
    mu = h_enc @ params["W_mu"].T + params["b_mu"]
    logvar = h_enc @ params["W_logvar"].T + params["b_logvar"]
    if cache is not None:                                      # for the backward pass
        cache.update(a_enc=a_enc, h_enc=h_enc)
    return mu, logvar


def decode(Z, params, activation: str = "tanh", cache: dict | None = None
           ) -> np.ndarray:
    """The decoder sees only z: logits (or Gaussian means) of p(x | z), (n, D)."""
    f, _ = ACTIVATIONS[activation]
    a_dec = Z @ params["W_dec"].T + params["b_dec"]                # (n, H)
    h_dec = f(a_dec)
    if cache is not None:
        cache.update(a_dec=a_dec, h_dec=h_dec)
    return h_dec @ params["W_out"].T + params["b_out"]


def _check_elbo_inputs(X, params, eps, activation: str, decoder: str, var: float):
    X, eps = check_array("X", X, ndim=2), check_array("eps", eps, ndim=2)
    D, d_z = params["W_enc"].shape[1], params["W_mu"].shape[0]
    if X.shape[1] != D:
        raise ValueError(f"X has {X.shape[1]} features but the encoder expects {D}")
    if eps.shape != (len(X), d_z):
        raise ValueError(f"eps must have shape {(len(X), d_z)}, got {eps.shape}")
    get_activation(activation)
    check_choice("decoder", decoder, DECODERS)
    check_float("var", var, minimum=0.0, strict=True)
    return X, eps


def elbo(X, params, eps, activation: str = "tanh", decoder: str = "bernoulli",
         var: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-sample ELBO per row and its two terms: (elbo, reconstruction, kl).

    ``eps`` (n, d_z) is the standard-normal noise of the reparameterised sample; passing
    it in makes the estimate reproducible and comparable with the torch version.
    """
    X, eps = _check_elbo_inputs(X, params, eps, activation, decoder, var)
    mu, logvar = encode(X, params, activation)
    out = decode(reparameterize(mu, logvar, eps), params, activation)
    recon = (bernoulli_log_likelihood(X, out) if decoder == "bernoulli"
             else gaussian_log_likelihood(X, out, var))
    kl = gaussian_kl(mu, logvar)
    return recon - kl, recon, kl


def _linear_backward(grads, name: str, d_out, inputs, params):
    """Gradients of a layer out = inputs @ W_name.T + b_name; returns dJ/d(inputs)."""
    grads[f"W_{name}"] = d_out.T @ inputs
    grads[f"b_{name}"] = d_out.sum(axis=0)
    return d_out @ params[f"W_{name}"]


def elbo_gradients(X, params, eps, activation: str = "tanh", beta: float = 1.0
                   ) -> tuple[float, dict[str, np.ndarray]]:
    """Minus the mean one-sample ELBO (Bernoulli decoder) and its gradient with respect
    to every weight, by hand (chapter 05): the reconstruction term's gradient flows back
    through the decoder and z = mu + sigma * eps into the encoder; the KL term's reaches
    mu and logvar directly. ``beta`` weights the KL term (1: the ELBO)."""
    X, eps = _check_elbo_inputs(X, params, eps, activation, "bernoulli", 1.0)
    check_float("beta", beta, minimum=0.0)
    _, df = ACTIVATIONS[activation]
    p, n, cache = params, len(X), {}
    mu, logvar = encode(X, p, activation, cache)                   # the forward pass
    z = reparameterize(mu, logvar, eps)
    logits = decode(z, p, activation, cache)
    loss = np.mean(beta * gaussian_kl(mu, logvar) - bernoulli_log_likelihood(X, logits))
    grads = {}
    d_logits = (sigmoid(logits) - X) / n                          # -log p(x|z): p - x
    d_h_dec = _linear_backward(grads, "out", d_logits, cache["h_dec"], p)
    dz = _linear_backward(grads, "dec", d_h_dec * df(cache["a_dec"]), z, p)
    d_mu = dz + beta * mu / n                                     # reparam + KL
    d_logvar = (dz * eps * 0.5 * np.exp(0.5 * logvar)
                + beta * 0.5 * (np.exp(logvar) - 1) / n)
    dh = (_linear_backward(grads, "mu", d_mu, cache["h_enc"], p)
          + _linear_backward(grads, "logvar", d_logvar, cache["h_enc"], p))
    _linear_backward(grads, "enc", dh * df(cache["a_enc"]), X, p)
    return float(loss), grads


def linear_gaussian_elbo(X, W, b, sigma2: float, m, S) -> np.ndarray:
    """The exact ELBO (no sampling) of the linear-Gaussian model p(z) = N(0, I),
    p(x | z) = N(W z + b, sigma2 I), for an encoder q(z | x) = N(m, S).

    E_q[log p(x|z)] = log N(x; W m + b, sigma2 I) - tr(W S W^T) / (2 sigma2), and the KL
    between two Gaussians is closed-form; chapter 05 checks it against log p(x).
    """
    d_z = W.shape[1]
    expected = (gaussian_log_likelihood(X, m @ W.T + b, sigma2)
                - np.trace(W @ S @ W.T) / (2 * sigma2))
    kl = 0.5 * (np.trace(S) + np.sum(m**2, axis=1) - d_z - np.linalg.slogdet(S)[1])
    return expected - kl


# --------------------------------------------------------------------- torch model
class TorchVAE(torch.nn.Module):
    """The same VAE in PyTorch; ``variational=False`` makes it a plain autoencoder.

    ``seed`` draws the initial weights and seeds the model's own generator of the noise
    eps (on the CPU, so a seed gives the same noise on every device)."""

    def __init__(self, input_size: int, hidden_size: int, latent_size: int,
                 activation: str = "tanh", variational: bool = True,
                 dtype: torch.dtype = torch.float32, *, seed: int = 0):
        super().__init__()
        check_choice("activation", activation, ("tanh", "relu"))
        self.f = TORCH_ACTIVATIONS[activation]
        self.activation, self.variational = activation, variational
        D, H, d_z = input_size, hidden_size, latent_size
        shapes = {"enc": (D, H), "mu": (H, d_z), "logvar": (H, d_z), "dec": (d_z, H),
                  "out": (H, D)}
        with seeded(seed):
            self.layers = torch.nn.ModuleDict(
                {name: torch.nn.Linear(*shape, dtype=dtype)
                 for name, shape in shapes.items()})
        self.noise = torch_generator(seed)

    @classmethod
    def from_numpy(cls, params: dict[str, np.ndarray], activation: str = "tanh"
                   ) -> "TorchVAE":
        """A float64 twin holding exactly these weights."""
        H, D = params["W_enc"].shape
        twin = cls(D, H, params["W_mu"].shape[0], activation, dtype=torch.float64)
        with torch.no_grad():
            for name, layer in twin.layers.items():
                layer.weight.copy_(torch.from_numpy(params[f"W_{name}"]))
                layer.bias.copy_(torch.from_numpy(params[f"b_{name}"]))
        return twin

    def encode(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.f(self.layers["enc"](X))
        return self.layers["mu"](h), self.layers["logvar"](h)

    def decode(self, Z: torch.Tensor) -> torch.Tensor:
        return self.layers["out"](self.f(self.layers["dec"](Z)))

    def terms(self, X: torch.Tensor, eps: torch.Tensor | None = None):
        """One reparameterised pass: the logits of p(x | z) and, per row, the
        reconstruction log-likelihood and the KL. Without ``eps`` the noise comes from
        the model's generator. A plain autoencoder decodes z = mu and has KL = 0."""
        mu, logvar = self.encode(X)                                # (n, d_z) each
        if self.variational:
            if eps is None:
                eps = torch.randn(mu.shape, generator=self.noise, dtype=mu.dtype)
            z = mu + torch.exp(0.5 * logvar) * eps.to(mu.device)   # eq-reparam
            kl = 0.5 * (logvar.exp() + mu**2 - 1.0 - logvar).sum(dim=1)   # eq-kl
        else:
            z, kl = mu, torch.zeros(len(X), dtype=X.dtype, device=X.device)
        logits = self.decode(z)                                    # (n, D)
        recon = -torch.nn.functional.binary_cross_entropy_with_logits(
            logits, X, reduction="none").sum(dim=1)               # log p(x | z)
        return logits, recon, kl

    def elbo(self, X: torch.Tensor, eps: torch.Tensor | None = None):
        """Per-row (elbo, reconstruction, kl), eq-elbo."""
        _, recon, kl = self.terms(X, eps)
        return recon - kl, recon, kl

    def forward(self, X: torch.Tensor, eps: torch.Tensor | None = None):
        """The book's interface, ``(output, loss)``: the logits of the reconstruction
        and minus the mean ELBO. A VAE's target is its input, so there is no ``y``."""
        D = self.layers["enc"].in_features
        assert X.ndim == 2 and X.shape[1] == D, f"X: {tuple(X.shape)}"
        logits, recon, kl = self.terms(X, eps)
        return logits, (kl - recon).mean()


def train_vae(model: TorchVAE, X, *, epochs: int, batch_size: int = 64,
              lr: float = 1e-3, seed: int = 0, progress: bool = False
              ) -> list[dict[str, float]]:
    """Adam on minus the ELBO (``training.fit``, which calls ``forward``); after every
    epoch, the ELBO's two terms on the training set, in nats per image: the mean
    reconstruction log-likelihood and the mean KL. ``seed`` orders the batches."""
    X = as_tensor_for(model, check_array("X", X, ndim=2))
    history = []

    @torch.no_grad()
    def record(epoch: int, model: TorchVAE) -> None:
        _, recon, kl = model.elbo(X)
        history.append({"recon": recon.mean().item(), "kl": kl.mean().item()})

    fit(model, X, epochs=epochs, lr=lr, batch_size=batch_size, optimizer="adam",
        seed=seed, callback=record, progress=progress)
    return history


@torch.no_grad()
def heldout_elbo(model: TorchVAE, X, *, n_samples: int = 10, seed: int = 0) -> float:
    """Mean ELBO per image on held-out data, averaging ``n_samples`` draws of eps."""
    n_samples = check_int("n_samples", n_samples, minimum=1)
    X = as_tensor_for(model, check_array("X", X, ndim=2))
    generator = torch_generator(seed)                    # the same eps on any device
    total = 0.0
    for _ in range(n_samples):
        eps = torch.randn(len(X), model.layers["mu"].out_features, generator=generator,
                          dtype=X.dtype)
        total += model.elbo(X, eps)[0].mean().item()
    return total / n_samples
