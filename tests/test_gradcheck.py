import numpy as np
import pytest

from dlbook import gradcheck
from dlbook.gradcheck import check_gradients, numerical_gradient, relative_error


def test_relative_error_is_scaled_by_the_largest_entry():
    assert relative_error([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error([2.0, 0.0], [2.0, 1e-3]) == pytest.approx(5e-4)
    with pytest.raises(ValueError, match="shapes"):
        relative_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_of_a_cubic_and_restores_x():
    x = np.array([[0.5, -1.0], [2.0, 0.1]])
    original = x.copy()
    g = numerical_gradient(lambda: float(np.sum(x**3)), x)
    assert np.allclose(g, 3 * original**2, rtol=1e-8)
    assert np.array_equal(x, original)


def test_check_gradients_accepts_right_and_flags_wrong_gradients():
    params = {"a": np.array([1.0, -2.0]), "B": np.array([[0.3]])}

    def f():
        return float(np.sum(params["a"] ** 2) * params["B"][0, 0])

    right = {"a": 2 * params["a"] * 0.3, "B": np.array([[np.sum(params["a"] ** 2)]])}
    errors = check_gradients(f, params, right)
    assert max(errors.values()) < 1e-8
    wrong = {"a": right["a"] * 1.01, "B": right["B"]}
    assert check_gradients(f, params, wrong)["a"] > 1e-3


def test_bad_input_is_rejected():
    with pytest.raises(TypeError, match="float64 ndarray"):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=np.float32))
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(lambda: 0.0, np.zeros(2), eps=0.0)
    with pytest.raises(ValueError, match="same names"):
        check_gradients(lambda: 0.0, {"a": np.zeros(1)}, {"b": np.zeros(1)})


def test_below_prints_the_bound_and_names_a_value_that_misses_it():
    assert gradcheck.below(4e-16, 1e-12) == "< 1e-12"
    assert gradcheck.below(6e-16, 1e-12) == gradcheck.below(4e-16, 1e-12)   # machine-free
    with pytest.raises(AssertionError, match=r"2\.0e-11 is not below the bound 1e-12"):
        gradcheck.below(2e-11, 1e-12)
    with pytest.raises(AssertionError):
        gradcheck.below(float("nan"), 1e-12)
