import numpy as np
import pytest
import torch

from dlbook import data, mlp
from dlbook.activations import ACTIVATIONS
from dlbook.gradcheck import check_gradients
from helpers import assert_twins_agree

SHAPES = [[3, 1], [2, 5, 2], [4, 7, 6, 3], [5, 3, 3, 3, 2]]   # "small for testing"


def batch(model, m, rng):
    X = rng.standard_normal((m, model.sizes[0]))
    if model.loss == "cross_entropy":
        return X, rng.integers(0, model.sizes[-1], size=m)
    return X, rng.standard_normal((m, model.sizes[-1]))


def randomise_biases(model, rng):
    # init sets biases to zero; non-zero ones make the check cover their gradients too
    for name in model.params:
        if name.startswith("b"):
            model.params[name] = rng.standard_normal(model.params[name].shape)


@pytest.mark.parametrize("loss", mlp.LOSSES)
@pytest.mark.parametrize("sizes", SHAPES, ids=str)
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_scratch_gradients_equal_torch_autograd(activation, sizes, loss):
    rng = np.random.default_rng(len(sizes))
    model = mlp.MLP(sizes, activation, loss, seed=1)
    randomise_biases(model, rng)
    X, y = batch(model, 8, rng)
    Z, J = model.forward(X, y)
    twin = mlp.TorchMLP.from_numpy(model)
    Z_t, J_t = twin(torch.from_numpy(X), torch.from_numpy(y))
    assert_twins_agree(model, twin, Z, J, Z_t, J_t)


@pytest.mark.parametrize("loss", mlp.LOSSES)
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_scratch_gradients_equal_finite_differences(activation, loss):
    rng = np.random.default_rng(7)
    model = mlp.MLP([3, 4, 4, 2], activation, loss, seed=2)
    randomise_biases(model, rng)
    X, y = batch(model, 5, rng)
    model.forward(X, y)
    grads = model.backward()
    errors = check_gradients(lambda: model.forward(X, y)[1], model.params, grads)
    assert max(errors.values()) < 1e-6, errors


def test_a_wrong_backward_is_caught_by_the_check():
    rng = np.random.default_rng(0)
    model = mlp.MLP([3, 4, 2], "tanh", seed=0)
    X, y = batch(model, 6, rng)
    model.forward(X, y)
    grads = model.backward()
    grads["W1"] = grads["W1"] * 1.001            # a 0.1% bug
    errors = check_gradients(lambda: model.forward(X, y)[1], model.params, grads)
    assert errors["W1"] > 1e-4


def test_init_scales_weights_by_fan_in():
    rng = np.random.default_rng(0)
    for activation, gain in [("tanh", 1.0), ("relu", np.sqrt(2.0))]:
        params = mlp.init_mlp_params([400, 300, 2], activation, rng=rng)
        assert params["W1"].shape == (300, 400) and params["b1"].shape == (300,)
        assert params["W1"].std() == pytest.approx(gain / 20, rel=0.02)
        assert not params["b2"].any()


def test_training_lowers_the_loss_and_calls_back_each_epoch():
    X, y = data.make_moons(200, noise=0.1, seed=0)
    for model in (mlp.MLP([2, 8, 2], "tanh"), mlp.TorchMLP([2, 8, 2], "tanh")):
        seen = []
        history = mlp.train(model, X, y, lr=0.2, epochs=20,
                            callback=lambda epoch, m: seen.append(epoch))
        assert seen == list(range(20))
        assert history[-1] < 0.6 * history[0]


def test_scratch_mlp_reaches_97_percent_on_two_moons():
    # the chapter's configuration; this test set's Bayes rate is 97.14%
    X, y = data.make_moons(2000, noise=0.2, seed=0)
    X_test, y_test = data.make_moons(20000, noise=0.2, seed=3)
    model = mlp.MLP([2, 32, 32, 2], "tanh", seed=0)
    mlp.train(model, X, y, lr=0.1, epochs=100, seed=0)
    mlp.train(model, X, y, lr=0.01, epochs=30, seed=0)
    assert mlp.accuracy(model, X_test, y_test) >= 0.97


def test_torch_mlp_reaches_95_percent_on_digits():
    digits = data.load_digits(test_fraction=0.25, seed=0)
    model = mlp.TorchMLP([64, 128, 10], "relu", seed=0)
    mlp.train(model, digits.X_train, digits.y_train, lr=1e-3, epochs=30, optimizer="adam")
    assert mlp.accuracy(model, digits.X_test, digits.y_test) >= 0.95


def test_predict_and_proba():
    model = mlp.MLP([2, 3, 4], "relu", seed=0)
    X = np.random.default_rng(0).standard_normal((5, 2))
    P = model.predict_proba(X)
    assert P.shape == (5, 4) and np.allclose(P.sum(axis=1), 1.0)
    assert np.array_equal(model.predict(X), P.argmax(axis=1))
    regression = mlp.MLP([2, 3, 1], "relu", loss="mse")
    assert regression.predict(X).shape == (5, 1)
    with pytest.raises(ValueError, match="cross_entropy"):
        regression.predict_proba(X)


X4 = np.zeros((4, 2))
LABELS4 = np.zeros(4, dtype=int)


@pytest.mark.parametrize("call, error, names", [
    (lambda: mlp.MLP([2, 3, 2], "swish"), ValueError, "activation"),
    (lambda: mlp.MLP([2, 3, 2], loss="hinge"), ValueError, "loss"),
    (lambda: mlp.MLP([2]), ValueError, "sizes"),
    (lambda: mlp.MLP([2, 0, 2]), ValueError, r"sizes\[1\]"),
    (lambda: mlp.MLP([2, 3, 2], seed=-1), ValueError, "seed"),
    (lambda: mlp.MLP([2, 3, 2]).forward(np.zeros((4, 3))), ValueError, "features"),
    (lambda: mlp.MLP([2, 3, 2]).forward(np.zeros(2)), ValueError, "X"),
    (lambda: mlp.MLP([2, 3, 2]).forward(X4, np.zeros(3, dtype=int)), ValueError, "labels"),
    (lambda: mlp.MLP([2, 3, 2]).forward(X4, np.zeros(4)), ValueError, "labels"),
    (lambda: mlp.MLP([2, 3, 2]).forward(X4, np.array([0, 1, 2, 0])), ValueError, "labels"),
    (lambda: mlp.MLP([2, 3, 1], loss="mse").forward(X4, np.zeros((4, 2))), ValueError,
     "shape"),
    (lambda: mlp.MLP([2, 3, 2]).backward(), AssertionError, "forward"),
    (lambda: mlp.train(mlp.MLP([2, 3, 2]), X4, LABELS4, lr=-0.1, epochs=1), ValueError, "lr"),
    (lambda: mlp.train(mlp.MLP([2, 3, 2]), X4, LABELS4[:3], lr=0.1, epochs=1), ValueError,
     "rows"),
    (lambda: mlp.train(mlp.MLP([2, 3, 2]), X4, LABELS4, lr=0.1, epochs=1, optimizer="adam"),
     ValueError, "sgd"),
    (lambda: mlp.TorchMLP([2, 3, 2])(torch.zeros(4, 3)), ValueError, "shape"),
    (lambda: mlp.TorchMLP([2, 3, 2], "swish"), ValueError, "activation"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_bad_input_raises_an_error_naming_the_argument(call, error, names):
    with pytest.raises(error, match=names):
        call()


@pytest.mark.parametrize("loss", mlp.LOSSES)
def test_backward_starts_from_the_output_error(loss):
    """output_delta is dJ/dZ_L: softmax minus one-hot over m for cross-entropy."""
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((6, 4))
    y = rng.integers(0, 4, 6) if loss == "cross_entropy" else rng.standard_normal((6, 4))
    Z_t = torch.tensor(Z, requires_grad=True)
    if loss == "cross_entropy":
        J = torch.nn.functional.cross_entropy(Z_t, torch.from_numpy(y))
    else:
        J = 0.5 * ((Z_t - torch.from_numpy(y)) ** 2).sum() / len(Z)
    J.backward()
    assert np.abs(mlp.output_delta(Z, y, loss) - Z_t.grad.numpy()).max() < 1e-15
