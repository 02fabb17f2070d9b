import numpy as np
import pytest
import torch

from dlbook import ppca, vae
from dlbook.gradcheck import check_gradients, relative_error


def small_params(seed=0, D=6, H=5, q=2):
    rng = np.random.default_rng(seed)
    params = vae.init_vae_params(D, H, q, rng=rng)
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


def test_gradients_reach_the_encoder_through_the_reparameterised_sample():
    """Autograd's gradient of the torch VAE's loss (minus the mean ELBO) with respect to
    the encoder equals central differences of the NumPy ELBO with the same noise."""
    params, rng = small_params()
    X = (rng.random((4, 6)) > 0.5).astype(float)
    eps = rng.standard_normal((4, 2))
    model = vae.TorchVAE.from_numpy(params)
    _, loss = model(torch.from_numpy(X), torch.from_numpy(eps))
    loss.backward()
    encoder = {f"{k}_{n}": getattr(model.layers[n], attr).grad.numpy()
               for n in ("enc", "mu", "logvar") for k, attr in (("W", "weight"), ("b", "bias"))}
    assert all(np.abs(g).max() > 1e-3 for g in encoder.values())      # the path is open
    errors = check_gradients(lambda: -vae.elbo(X, params, eps)[0].mean(),
                             {k: params[k] for k in encoder}, encoder)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_hand_written_backward_pass_equals_autograd_and_finite_differences(activation):
    params, rng = small_params(seed=3)
    X = (rng.random((5, 6)) > 0.5).astype(float)
    eps = rng.standard_normal((5, 2))
    loss, grads = vae.elbo_gradients(X, params, eps, activation)
    assert loss == pytest.approx(-vae.elbo(X, params, eps, activation)[0].mean(), abs=1e-12)
    model = vae.TorchVAE.from_numpy(params, activation)
    _, loss_t = model(torch.from_numpy(X), torch.from_numpy(eps))
    loss_t.backward()
    assert set(grads) == set(params)
    for name, layer in model.layers.items():
        for k, attr in (("W", "weight"), ("b", "bias")):
            torch_grad = getattr(layer, attr).grad.numpy()
            assert relative_error(grads[f"{k}_{name}"], torch_grad) < 1e-7, f"{k}_{name}"
    errors = check_gradients(lambda: vae.elbo_gradients(X, params, eps, activation)[0],
                             params, grads)
    assert max(errors.values()) < 1e-6, errors


def test_forward_is_the_book_interface():
    params, rng = small_params()
    X = torch.from_numpy((rng.random((3, 6)) > 0.5).astype(float))
    eps = torch.from_numpy(rng.standard_normal((3, 2)))
    model = vae.TorchVAE.from_numpy(params)
    logits, loss = model(X, eps)
    assert logits.shape == (3, 6)
    assert loss.item() == pytest.approx(-model.elbo(X, eps)[0].mean().item(), abs=1e-12)


def test_numpy_elbo_equals_the_torch_elbo_with_the_same_weights_and_noise():
    params, rng = small_params()
    X = (rng.random((7, 6)) > 0.5).astype(float)
    eps = rng.standard_normal((7, 2))
    value, recon, kl = vae.elbo(X, params, eps)
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
    model = vae.TorchVAE(16, 32, 2, seed=0)
    history = vae.train_vae(model, X, epochs=30, lr=3e-3)
    assert len(history) == 30 and all(h["kl"] > 0 for h in history)
    start, end = history[0]["recon"] - history[0]["kl"], history[-1]["recon"] - history[-1]["kl"]
    assert end > start + 1.0                   # the ELBO rises
    assert vae.heldout_elbo(model, X) < 0
    plain = vae.TorchVAE(16, 32, 2, variational=False)
    assert torch.all(plain.elbo(torch.tensor(X, dtype=torch.float32))[2] == 0)


def test_the_seeds_decide_the_weights_the_noise_and_the_batches():
    """Training is a function of the model's seed (weights, eps) and the run's seed
    (batch order) alone: torch's global generator neither matters nor moves."""
    X = (np.random.default_rng(1).random((64, 8)) > 0.5).astype(float)

    def run(model_seed, run_seed):
        model = vae.TorchVAE(8, 8, 2, seed=model_seed)
        return vae.train_vae(model, X, epochs=2, batch_size=16, seed=run_seed)

    torch.manual_seed(1)
    expected_next = torch.rand(3)
    torch.manual_seed(1)
    first = run(0, 0)
    assert torch.equal(torch.rand(3), expected_next)        # the global generator untouched
    torch.manual_seed(2)
    assert run(0, 0) == first
    assert run(0, 1) != first and run(1, 0) != first
    eps = torch.randn(5, 2, generator=torch.Generator().manual_seed(3))
    model = vae.TorchVAE(8, 8, 2, seed=3)
    noisy = model.elbo(torch.ones(5, 8))[0]                  # eps from the model's noise
    assert torch.equal(noisy, model.elbo(torch.ones(5, 8), eps)[0])


@pytest.mark.parametrize("call, error, names", [
    (lambda: vae.elbo(np.zeros((2, 5)), small_params()[0], np.zeros((2, 2))), ValueError,
     "features"),
    (lambda: vae.elbo(np.zeros((2, 6)), small_params()[0], np.zeros((2, 3))), ValueError,
     "eps"),
    (lambda: vae.elbo(np.zeros((2, 6)), small_params()[0], np.zeros((2, 2)),
                      decoder="poisson"), ValueError, "decoder"),
    (lambda: vae.elbo(np.zeros((2, 6)), small_params()[0], np.zeros((2, 2)),
                      activation="swish"), ValueError, "activation"),
    (lambda: vae.elbo(np.zeros((2, 6)), small_params()[0], np.zeros((2, 2)),
                      decoder="gaussian", var=0.0), ValueError, "var"),
    (lambda: vae.elbo_gradients(np.zeros((2, 6)), small_params()[0], np.zeros((3, 2))),
     ValueError, "eps"),
    (lambda: vae.init_vae_params(4, 0, 2, rng=np.random.default_rng(0)), ValueError,
     "hidden_size"),
    (lambda: vae.TorchVAE(4, 3, 2, activation="sigmoid"), ValueError, "activation"),
    (lambda: vae.TorchVAE(4, 3, 2)(torch.zeros(2, 5)), AssertionError, "X"),
    (lambda: vae.train_vae(vae.TorchVAE(4, 3, 2), np.zeros((2, 4)), epochs=0), ValueError,
     "epochs"),
    (lambda: vae.heldout_elbo(vae.TorchVAE(4, 3, 2), np.zeros((2, 4)), n_samples=0),
     ValueError, "n_samples"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_bad_input_raises_an_error_naming_the_argument(call, error, names):
    with pytest.raises(error, match=names):
        call()
