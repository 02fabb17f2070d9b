import numpy as np
import pytest

from dlbook import concepts


@pytest.mark.parametrize("depth", [1, 2, 3, 5, 7])
def test_deep_sawtooth_has_2_to_the_depth_pieces_and_equals_the_shallow_net(depth):
    x = np.linspace(0, 1, 2**9 + 1)
    deep = concepts.sawtooth(x, depth)
    assert concepts.count_linear_pieces(x, deep) == 2**depth
    assert np.allclose(deep, concepts.shallow_sawtooth(x, depth), atol=1e-9)
    assert deep.min() == pytest.approx(0) and deep.max() == pytest.approx(1)


def test_count_linear_pieces():
    x = np.linspace(-1, 1, 201)
    assert concepts.count_linear_pieces(x, 3 * x + 1) == 1
    assert concepts.count_linear_pieces(x, np.abs(x)) == 2
    with pytest.raises(ValueError, match="equal length"):
        concepts.count_linear_pieces(x, x[:-1])


def test_depth_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="depth must be >= 1"):
        concepts.sawtooth([0.5], 0)
    with pytest.raises(TypeError, match="depth must be an integer"):
        concepts.shallow_sawtooth([0.5], 2.0)
