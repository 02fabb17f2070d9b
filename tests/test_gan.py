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


def test_bad_input():
    with pytest.raises(ValueError, match="share a grid"):
        gan.optimal_discriminator(p_data, p_data[:-1])
    with pytest.raises(ValueError, match="non-negative"):
        gan.jensen_shannon(-p_data, p_data, dx)
    with pytest.raises(ValueError, match="std must be > 0"):
        gan.gaussian_pdf(x, 0.0, 0.0)
