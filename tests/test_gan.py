import numpy as np
import pytest

from dlbook import gan

x = np.linspace(-10, 10, 8001)
dx = x[1] - x[0]
p_data = gan.gaussian_pdf(x, 1.0, 0.7)


def test_gaussian_pdf_integrates_to_one():
    assert p_data.sum() * dx == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("mean, std", [(-2.0, 1.0), (0.5, 0.3), (1.0, 0.7)])
def test_value_at_optimal_discriminator_is_minus_log4_plus_2js(mean, std):
    p_g = gan.gaussian_pdf(x, mean, std)
    D = gan.optimal_discriminator(p_data, p_g)
    V = gan.value_function(D, p_data, p_g, dx)
    assert V == pytest.approx(-np.log(4) + 2 * gan.jensen_shannon(p_data, p_g, dx), abs=1e-8)
    # D* is optimal: any other discriminator scores lower
    for other in (np.clip(D + 0.05, 0, 0.999), np.full_like(D, 0.5)):
        assert gan.value_function(other, p_data, p_g, dx) <= V + 1e-12


def test_matching_generator_gives_one_half_and_zero_js():
    D = gan.optimal_discriminator(p_data, p_data)
    assert np.allclose(D, 0.5)
    assert gan.jensen_shannon(p_data, p_data, dx) == pytest.approx(0.0, abs=1e-12)
    assert gan.jensen_shannon(p_data, gan.gaussian_pdf(x, 8.0, 0.1), dx) == \
        pytest.approx(np.log(2), abs=1e-6)  # disjoint supports: JS = log 2


# ------------------------------------------------------------------ the 1-D GAN
def _batch(n=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(0.5, 1.2, n), rng.standard_normal(n)


@pytest.mark.parametrize("generator_loss", gan.GENERATOR_LOSSES)
@pytest.mark.parametrize("params", [
    {"a": 0.7, "b": 1.0, "c": 0.1, "u": -0.3, "v": 0.2},
    {"a": 0.3, "b": -3.0, "c": 2.0, "u": 1.5, "v": -0.8},
    {"a": -1.1, "b": 0.2, "c": 0.0, "u": 0.0, "v": 0.0},
])
def test_hand_written_gradients_equal_autograd(params, generator_loss):
    x_real, z = _batch()
    mine = gan.gan_1d_gradients(x_real, z, params, generator_loss)
    torch_grads = gan.torch_gan_1d_gradients(x_real, z, params, generator_loss)
    assert mine.keys() == torch_grads.keys() == set(gan.D_PARAMS + gan.G_PARAMS)
    for k in mine:
        assert mine[k] == pytest.approx(torch_grads[k], rel=1e-10, abs=1e-13), k


def test_gradients_are_derivatives_of_the_losses():
    """Central differences of gan_1d_losses give the hand-written gradients."""
    x_real, z = _batch(seed=1)
    params = {"a": 0.8, "b": -0.5, "c": 0.3, "u": 0.4, "v": -0.1}
    grads = gan.gan_1d_gradients(x_real, z, params)
    h = 1e-6
    for k in gan.D_PARAMS + gan.G_PARAMS:
        up, down = dict(params), dict(params)
        up[k] += h
        down[k] -= h
        which = 0 if k in gan.D_PARAMS else 1     # L_D for D's parameters, L_G for G's
        numeric = (gan.gan_1d_losses(x_real, z, up)[which]
                   - gan.gan_1d_losses(x_real, z, down)[which]) / (2 * h)
        assert grads[k] == pytest.approx(numeric, rel=1e-6, abs=1e-8), k


def test_saturating_gradient_vanishes_where_d_rejects_the_fakes():
    x_real, z = _batch()
    params = {"a": 0.3, "b": -3.0, "c": -4.0, "u": 3.0, "v": 0.0}   # D(G(z)) ~ 1e-6
    sat = gan.gan_1d_gradients(x_real, z, params, "saturating")["b"]
    non = gan.gan_1d_gradients(x_real, z, params, "non-saturating")["b"]
    assert abs(non) > 1e4 * abs(sat) and non < 0    # non-saturating: move b up, hard


def test_discriminator_trained_against_a_frozen_generator_reaches_d_star():
    run = gan.train_gan_1d(3000, init=(0.7, 1.0), train_generator=False)
    assert run.params["a"] == 0.7 and run.params["b"] == 1.0
    x = np.linspace(-2.5, 3.0, 23)
    D = gan.sigmoid(gan.discriminator_logit_1d(x, run.params))
    D_star = gan.optimal_discriminator(gan.gaussian_pdf(x, 0.0, 1.0), gan.gaussian_pdf(x, 1.0, 0.7))
    assert np.abs(D - D_star).max() < 0.03
    # and D* is what the formula says at one point, by hand
    assert D_star[0] == pytest.approx(1 / (1 + gan.gaussian_pdf(-2.5, 1.0, 0.7)
                                          / gan.gaussian_pdf(-2.5, 0.0, 1.0)))


@pytest.mark.parametrize("generator_loss", gan.GENERATOR_LOSSES)
def test_1d_gan_learns_the_data(generator_loss):
    run = gan.train_gan_1d(1000, generator_loss=generator_loss)
    assert abs(run.params["a"]) == pytest.approx(1.0, abs=0.08)
    assert run.params["b"] == pytest.approx(0.0, abs=0.08)
    assert run.losses.shape == (1000, 2)
    assert run.snapshots[0][0] == 0 and run.snapshots[-1][0] == 1000
    # at the end D is close to 1/2 everywhere and L_D is close to log 4
    assert run.losses[-100:, 0].mean() == pytest.approx(np.log(4), abs=0.02)


def test_sigmoid_is_stable_far_out():
    assert gan.sigmoid(np.array([-800.0, 0.0, 800.0])).tolist() == [0.0, 0.5, 1.0]


@pytest.mark.parametrize("call, error, names", [
    (lambda: gan.train_gan_1d(10, generator_loss="minimax"), ValueError, "generator_loss"),
    (lambda: gan.train_gan_1d(0), ValueError, "steps"),
    (lambda: gan.train_gan_1d(10, data_std=0.0), ValueError, "data_std"),
    (lambda: gan.train_gan_1d(10, lr_d=-1.0), ValueError, "lr_d"),
    (lambda: gan.train_gan_1d(10, init=(float("nan"), 0.0)), ValueError, "a must be finite"),
    (lambda: gan.gaussian_pdf(x, 0.0, 0.0), ValueError, "std"),
    (lambda: gan.optimal_discriminator(p_data, p_data[:-1]), ValueError, "grid"),
    (lambda: gan.jensen_shannon(-p_data, p_data, dx), ValueError, "non-negative"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_bad_input_raises_an_error_naming_the_argument(call, error, names):
    with pytest.raises(error, match=names):
        call()


def test_training_that_diverges_says_so():
    with pytest.raises(FloatingPointError, match="diverged"), np.errstate(all="ignore"):
        gan.train_gan_1d(200, lr_d=500.0, lr_g=500.0)     # overflows on the way
