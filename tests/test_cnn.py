import numpy as np
import pytest
import torch

from dlbook import cnn, data, training
from dlbook.gradcheck import check_gradients
from helpers import assert_twins_agree

# (channels, kernel, image_size): the chapter's network and two "small for testing"
CONFIGS = [((8, 16), 5, 28), ((2, 3), 3, 8), ((1, 1), 1, 4)]


def batch(model, m, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 1, model.image_size, model.image_size))
    return X, rng.integers(0, model.n_classes, size=m), rng


@pytest.mark.parametrize("config", CONFIGS, ids=str)
@pytest.mark.parametrize("m", [1, 5])
def test_scratch_cnn_agrees_with_torch_in_values_and_every_gradient(config, m):
    model = cnn.CNN(*config, seed=m)
    X, y, rng = batch(model, m, seed=len(config[0]) + m)
    for name in ("b1", "b2", "b3"):          # non-zero biases, so their path is tested
        model.params[name] = rng.standard_normal(model.params[name].shape)
    logits, J = model.forward(X, y)
    twin = cnn.TorchCNN.from_numpy(model)
    logits_t, J_t = twin(torch.from_numpy(X), torch.from_numpy(y))
    assert_twins_agree(model, twin, logits, J, logits_t, J_t)


def test_scratch_cnn_gradients_equal_finite_differences():
    model = cnn.CNN((2, 3), 3, 8, seed=3)
    X, y, _ = batch(model, 4, seed=4)
    model.forward(X, y)
    errors = check_gradients(lambda: model.forward(X, y)[1], model.params,
                             model.backward())
    assert max(errors.values()) < 1e-6, errors


def test_parameter_count_matches_both_models():
    for config in CONFIGS:
        n = cnn.count_parameters(*config)
        assert n == sum(a.size for a in cnn.CNN(*config).params.values())
        assert n == sum(p.numel() for p in cnn.TorchCNN(*config).parameters())
    assert cnn.count_parameters() == 8 * 26 + 16 * 201 + 10 * 785


def test_seed_fixes_the_initial_weights_of_both_models():
    a, b = cnn.CNN(seed=1), cnn.CNN(seed=1)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert not np.array_equal(a.params["W1"], cnn.CNN(seed=2).params["W1"])
    t1, t2 = cnn.TorchCNN(seed=1), cnn.TorchCNN(seed=1)
    assert torch.equal(t1.conv1.weight, t2.conv1.weight)
    assert not torch.equal(t1.conv1.weight, cnn.TorchCNN(seed=2).conv1.weight)


@pytest.mark.parametrize("kwargs, error", [
    ({"channels": (8,)}, ValueError), ({"kernel": 4}, ValueError),
    ({"image_size": 30}, ValueError), ({"channels": (8, 0)}, ValueError),
    ({"kernel": 2.5}, TypeError), ({"n_classes": 1}, ValueError)])
def test_bad_configurations_are_refused_by_both(kwargs, error):
    for model in (cnn.CNN, cnn.TorchCNN):
        with pytest.raises(error):
            model(**kwargs)


def test_inputs_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match=r"\(m, 1, 28, 28\)"):
        cnn.CNN().forward(np.zeros((2, 784)))
    with pytest.raises(ValueError, match=r"\(m, 1, 28, 28\)"):
        cnn.TorchCNN()(torch.zeros(2, 3, 28, 28))


def test_features_are_the_activations_the_forward_pass_uses():
    model = cnn.TorchCNN((2, 3), 3, 8, dtype=torch.float64, seed=0)
    X = torch.from_numpy(batch(model, 2, seed=0)[0])
    A1, A2 = model.features(X)
    assert A1.shape == (2, 2, 8, 8) and A2.shape == (2, 3, 4, 4)
    assert (A1 >= 0).all() and (A2 >= 0).all()
    logits = model.fc(torch.nn.functional.max_pool2d(A2, 2).flatten(1))
    assert torch.equal(logits, model(X)[0])


def test_saliency_is_the_absolute_gradient_of_the_class_score():
    model = cnn.TorchCNN((2, 3), 3, 8, dtype=torch.float64, seed=0)
    image = batch(model, 1, seed=5)[0][0]
    s = cnn.saliency(model, image, label=3)
    x = torch.tensor(image[None], requires_grad=True)
    (grad,) = torch.autograd.grad(model(x)[0][0, 3], x)
    assert s.shape == (8, 8)
    np.testing.assert_allclose(s, grad[0, 0].abs().numpy(), rtol=1e-12)
    assert not np.allclose(s, cnn.saliency(model, image, label=4))


def test_occlusion_grid_and_its_value_where_the_patch_covers_nothing():
    model = cnn.TorchCNN((2, 3), 3, 8, dtype=torch.float64, seed=0)
    image = np.zeros((1, 8, 8))
    image[0, :4, :4] = 1.0                  # content in the top-left corner only
    grid = cnn.occlusion(model, image, label=2, patch=2, stride=2)
    assert grid.shape == (4, 4)
    x = image.copy()
    x[0, 6:8, 6:8] = image.mean()           # the bottom-right patch, by hand
    expected = torch.softmax(model(torch.from_numpy(x[None]))[0], dim=1)[0, 2].item()
    assert grid[3, 3] == pytest.approx(expected, rel=1e-12)
    assert not np.allclose(grid, grid[3, 3])   # covering the content changes the answer


def test_mnist_subset_shapes_labels_and_range():
    split = data.load_mnist()
    assert split.X_train.shape == (10_000, 1, 28, 28)
    assert split.X_test.shape == (2_000, 1, 28, 28)
    assert 0.0 == split.X_train.min() and split.X_train.max() == 1.0
    assert list(split.y_train[:5]) == [5, 0, 4, 1, 9]     # MNIST's first five labels
    assert np.bincount(split.y_test).min() > 150           # every digit well represented
    flat = data.load_mnist(n_train=100, flatten=True)
    assert flat.X_train.shape == (100, 784)
    assert np.array_equal(flat.X_train, split.X_train[:100].reshape(100, 784))
    with pytest.raises(ValueError, match="10,000"):
        data.load_mnist(n_train=10_001)


def test_torch_cnn_learns_digits_in_one_short_epoch():
    split = data.load_mnist(n_train=2_000)
    model = cnn.TorchCNN(seed=0)
    before = cnn.accuracy(model, split.X_test, split.y_test)
    training.fit(model, split.X_train, split.y_train, epochs=1, lr=3e-3,
                 batch_size=32, seed=0)
    after = cnn.accuracy(model, split.X_test, split.y_test)
    assert before < 0.3 and after > 0.85


def test_shipped_comparison_is_a_run_of_the_benchmark():
    shipped = cnn.shipped_comparison()
    assert [run["seed"] for run in shipped["runs"]] == [0, 1, 2]
    for model in ("cnn", "mlp_equal_parameters", "mlp_7x_parameters"):
        accuracies = sorted(run[model]["accuracy"] for run in shipped["runs"])
        assert 0.5 < accuracies[1] < 1
    assert shipped["cnn_accuracy"] == sorted(r["cnn"]["accuracy"] for r in shipped["runs"])[1]
    assert shipped["parameters"]["cnn"] == cnn.count_parameters()
    # equal time: every MLP trained at least as long as the CNN of its seed
    assert all(run[m]["seconds"] >= run["cnn"]["seconds"] for run in shipped["runs"]
               for m in ("mlp_equal_parameters", "mlp_7x_parameters"))


def test_backward_from_an_upstream_gradient_matches_autograd():
    model = cnn.CNN((2, 3), 3, 8, n_classes=4, seed=5)
    X, _, rng = batch(model, 3, seed=6)
    G = rng.standard_normal((3, 4))             # dJ/dlogits from a network above
    model.forward(X)                             # no labels: a feature extractor
    grads = model.backward(G)
    twin = cnn.TorchCNN.from_numpy(model)
    (twin(torch.from_numpy(X))[0] * torch.from_numpy(G)).sum().backward()
    for name, g in twin.grads().items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-10, atol=1e-12)
    with pytest.raises(AssertionError, match="labels"):
        model.backward()


@pytest.mark.parametrize("y, message", [
    (np.array([0, 1]), "3 integer labels"), (np.array([0.0, 1.0, 2.0]), "integer"),
    (np.array([0, 1, 10]), r"0\.\.9")])
def test_labels_of_the_wrong_count_type_or_range_are_refused(y, message):
    with pytest.raises(ValueError, match=message):
        cnn.CNN().forward(np.zeros((3, 1, 28, 28)), y)
