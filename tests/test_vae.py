import numpy as np
import pytest
import torch

from dlbook import ppca, vae


def small_params(seed=0, D=6, H=5, q=2):
    rng = np.random.default_rng(seed)
    params = vae.init_vae_params(D, H, q, rng)
    for name in params:                      # non-zero biases exercise every term
        if name.startswith("b_"):
            params[name] = 0.3 * rng.standard_normal(params[name].shape)
    return params, rng


def test_closed_form_kl_equals_a_monte_carlo_estimate():
    rng = np.random.default_rng(0)
    mu, logvar = np.array([[0.5, -1.0, 2.0]]), np.array([[0.3, -0.7, 0.1]])
    n = 400_000
    z = vae.reparameterize(mu, logvar, rng.standard_normal((n, 3)))
    var = np.exp(logvar)
    log_q = -0.5 * np.sum(np.log(2 * np.pi * var) + (z - mu) ** 2 / var, axis=1)
    log_p = -0.5 * np.sum(np.log(2 * np.pi) + z**2, axis=1)
    samples = log_q - log_p
    standard_error = samples.std() / np.sqrt(n)
    assert abs(samples.mean() - vae.gaussian_kl(mu, logvar)[0]) < 4 * standard_error
    assert vae.gaussian_kl(np.zeros((1, 3)), np.zeros((1, 3)))[0] == 0.0


def test_gradients_flow_through_the_reparameterised_sample():
    # E[z^2] for z ~ N(mu, sigma^2) is mu^2 + sigma^2: d/dmu = 2 mu, d/dlogvar = sigma^2
    torch.manual_seed(0)
    mu = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    logvar = torch.tensor(-0.4, dtype=torch.float64, requires_grad=True)
    eps = torch.randn(400_000, dtype=torch.float64)
    z = mu + torch.exp(0.5 * logvar) * eps
    (z**2).mean().backward()
    sigma2 = np.exp(-0.4)
    assert mu.grad.item() == pytest.approx(2 * 0.7, abs=0.01)
    assert logvar.grad.item() == pytest.approx(sigma2, abs=0.01)


def test_numpy_elbo_equals_the_torch_elbo_with_the_same_weights_and_noise():
    params, rng = small_params()
    X = (rng.random((7, 6)) > 0.5).astype(float)
    eps = rng.standard_normal((7, 2))
    value, recon, kl = vae.elbo(params, X, eps)
    twin = vae.TorchVAE.from_numpy(params)
    value_t, recon_t, kl_t = twin.elbo(torch.from_numpy(X), torch.from_numpy(eps))
    for a, b in [(value, value_t), (recon, recon_t), (kl, kl_t)]:
        assert np.allclose(a, b.detach().numpy(), rtol=0, atol=1e-12)
    assert np.all(kl >= 0) and np.all(recon <= 0)


def test_elbo_of_the_linear_gaussian_model_bounds_the_exact_log_likelihood():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 5)) @ rng.standard_normal((5, 5))
    model = ppca.fit_ppca(X, latent_dim=2)
    exact = ppca.log_likelihood(model, X)
    m, S = ppca.encode(model, X)               # the exact posterior
    at_posterior = vae.linear_gaussian_elbo(X, model.W, model.mu, model.sigma2, m, S)
    assert np.allclose(at_posterior, exact, atol=1e-9)
    for scale in (0.3, 1.0, 3.0):              # any other Gaussian encoder is worse
        shifted = m + scale * rng.standard_normal(m.shape)
        S_other = S * (1 + scale)
        elbo = vae.linear_gaussian_elbo(X, model.W, model.mu, model.sigma2, shifted, S_other)
        assert np.all(elbo <= exact + 1e-12) and np.mean(exact - elbo) > 1e-3


def test_monte_carlo_elbo_with_a_linear_decoder_matches_the_exact_one():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((3, 4))
    W, b, sigma2 = rng.standard_normal((4, 2)), rng.standard_normal(4), 0.5
    m, logvar = rng.standard_normal((3, 2)), rng.standard_normal((3, 2)) - 1
    n = 200_000
    estimates = []
    for i in range(3):
        z = vae.reparameterize(m[i], logvar[i], rng.standard_normal((n, 2)))
        recon = vae.gaussian_log_likelihood(np.repeat(X[i:i + 1], n, 0), z @ W.T + b, sigma2)
        estimates.append(recon.mean() - vae.gaussian_kl(m[i:i + 1], logvar[i:i + 1])[0])
    exact = [vae.linear_gaussian_elbo(X[i:i + 1], W, b, sigma2, m[i:i + 1],
                                      np.diag(np.exp(logvar[i])))[0] for i in range(3)]
    assert np.allclose(estimates, exact, atol=0.05)


def test_a_vae_trains_and_the_autoencoder_has_no_kl():
    rng = np.random.default_rng(0)
    X = (rng.random((256, 16)) > 0.5).astype(float)
    X[:128, :8] = 1.0                          # two kinds of pattern to learn
    torch.manual_seed(0)
    model = vae.TorchVAE(16, 32, 2)
    history = vae.train_vae(model, X, epochs=30, lr=3e-3)
    start, end = history[0]["recon"] - history[0]["kl"], history[-1]["recon"] - history[-1]["kl"]
    assert end > start + 1.0                   # the ELBO rises
    assert vae.test_elbo(model, X) < 0
    plain = vae.TorchVAE(16, 32, 2, variational=False)
    assert torch.all(plain.elbo(torch.tensor(X, dtype=torch.float32))[2] == 0)


def test_bad_input_raises_clearly():
    params, _ = small_params()
    with pytest.raises(ValueError, match="X has 5 features but the encoder expects 6"):
        vae.encode(params, np.zeros((2, 5)))
    with pytest.raises(ValueError, match="Z has 3 dimensions but the decoder expects 2"):
        vae.decode(params, np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"eps must have shape \(2, 2\)"):
        vae.elbo(params, np.zeros((2, 6)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="unknown decoder"):
        vae.elbo(params, np.zeros((2, 6)), np.zeros((2, 2)), decoder="poisson")
    with pytest.raises(ValueError, match="same shape"):
        vae.gaussian_kl(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="var must be > 0"):
        vae.gaussian_log_likelihood(np.zeros((1, 2)), np.zeros((1, 2)), var=0.0)
    with pytest.raises(ValueError, match="unknown activation"):
        vae.TorchVAE(4, 3, 2, activation="sigmoid")
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        vae.TorchVAE(4, 3, 2).elbo(torch.zeros(2, 5))
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        vae.train_vae(vae.TorchVAE(4, 3, 2), np.zeros((2, 4)), epochs=0)
