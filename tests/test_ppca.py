import numpy as np
import pytest

from dlbook import ppca


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    W_true = rng.standard_normal((5, 2))
    Z = rng.standard_normal((4000, 2))
    X = Z @ W_true.T + 0.3 * rng.standard_normal((4000, 5)) + np.arange(5)
    return X


def test_fit_recovers_noise_and_covariance(data):
    model = ppca.fit_ppca(data, latent_dim=2)
    assert model.sigma2 == pytest.approx(0.09, rel=0.1)
    C = model.W @ model.W.T + model.sigma2 * np.eye(5)
    assert np.allclose(C, np.cov(data.T, bias=True), atol=0.05)


def test_posterior_equals_gaussian_conditioning(data):
    # p(z | x) from the joint Gaussian of (z, x): mean = W^T C^-1 (x - mu),
    # cov = I - W^T C^-1 W; the package uses the cheaper M^-1 form
    model = ppca.fit_ppca(data, latent_dim=2)
    C = model.W @ model.W.T + model.sigma2 * np.eye(5)
    means, cov = ppca.encode(model, data[:10])
    assert np.allclose(means, (data[:10] - model.mu) @ np.linalg.solve(C, model.W), atol=1e-10)
    assert np.allclose(cov, np.eye(2) - model.W.T @ np.linalg.solve(C, model.W), atol=1e-10)


def test_log_likelihood_matches_scipy_and_ml_beats_other_models(data):
    from scipy.stats import multivariate_normal

    model = ppca.fit_ppca(data, latent_dim=2)
    C = model.W @ model.W.T + model.sigma2 * np.eye(5)
    expected = multivariate_normal(model.mu, C).logpdf(data[:20])
    assert np.allclose(ppca.log_likelihood(model, data[:20]), expected)
    worse = ppca.PPCA(model.mu, 0.8 * model.W, model.sigma2 * 1.2)
    assert ppca.log_likelihood(model, data).mean() > ppca.log_likelihood(worse, data).mean()


def test_bad_input(data):
    with pytest.raises(ValueError, match="latent_dim must be smaller"):
        ppca.fit_ppca(data, latent_dim=5)
    model = ppca.fit_ppca(data, latent_dim=2)
    with pytest.raises(ValueError, match="X must have 5 columns"):
        ppca.encode(model, data[:, :3])
    with pytest.raises(ValueError, match="Z must have 2 columns"):
        ppca.decode(model, np.zeros((3, 3)))
