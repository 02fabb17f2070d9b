import numpy as np
import pytest
import torch

from dlbook import mlp, training


class Recorder(torch.nn.Module):
    """A linear model that records the rows of every batch it is trained on."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
        self.batches = []

    def forward(self, x, y=None):
        self.batches.append(x[:, 0].tolist())
        output = x[:, 0] * self.w
        return output, None if y is None else ((output - y) ** 2).mean()


def test_fit_shuffles_every_epoch_and_reports_the_mean_loss_per_epoch():
    X = np.arange(10.0)[:, None]
    model = Recorder()
    history = training.fit(model, X, np.zeros(10), epochs=3, lr=0.1, batch_size=4, seed=0,
                           optimizer="sgd")
    epochs = [model.batches[k:k + 3] for k in (0, 3, 6)]   # 3 batches (4, 4, 2) an epoch
    for batches in epochs:
        assert [len(b) for b in batches] == [4, 4, 2]
        assert sorted(sum(batches, [])) == list(range(10))  # every row once
    assert epochs[0] != epochs[1]                           # a fresh shuffle each epoch
    assert history == [0.0, 0.0, 0.0]                       # w = 0 predicts y = 0 exactly
    again = Recorder()
    training.fit(again, X, np.zeros(10), epochs=3, lr=0.1, batch_size=4, seed=0)
    assert again.batches == model.batches                   # the seed orders the batches


def test_fit_steps_by_gradient_descent_and_calls_back_after_each_epoch():
    X, y = np.ones((4, 1)), np.full(4, 2.0)
    model, seen = Recorder(), []
    history = training.fit(model, X, y, epochs=2, lr=0.25, batch_size=4, optimizer="sgd",
                           callback=lambda epoch, m: seen.append((epoch, m.w.item())))
    # J = (w - 2)^2, dJ/dw = 2 (w - 2): w = 0 -> 1 -> 1.5
    assert seen == [(0, 1.0), (1, 1.5)]
    assert history == [4.0, 1.0]


def test_fit_without_targets_calls_the_model_on_its_input_alone():
    class Autoencoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.ones(1))

        def forward(self, x):
            return x * self.scale, ((x * self.scale - x) ** 2).mean()

    assert training.fit(Autoencoder(), np.ones((6, 2)), epochs=1, lr=0.1) == [0.0]


def test_the_numpy_and_torch_mlps_see_the_same_batches():
    """mlp.train draws both twins' batches from training.minibatches with one seed, so
    float64 twins stay equal, step after step."""
    X = np.random.default_rng(0).standard_normal((37, 3))
    y = np.random.default_rng(1).integers(0, 2, 37)
    scratch = mlp.MLP([3, 5, 2], "tanh", seed=0)
    twin = mlp.TorchMLP.from_numpy(scratch)
    losses = mlp.train(scratch, X, y, lr=0.3, epochs=3, batch_size=8, seed=4)
    losses_t = mlp.train(twin, X, y, lr=0.3, epochs=3, batch_size=8, seed=4, optimizer="sgd")
    assert np.allclose(losses, losses_t, rtol=1e-12)
    other = mlp.MLP([3, 5, 2], "tanh", seed=0)
    assert not np.allclose(mlp.train(other, X, y, lr=0.3, epochs=3, batch_size=8, seed=5),
                           losses, rtol=1e-6)


def test_adagrad_divides_each_step_by_the_root_of_its_squared_gradients():
    params, memory = {"w": np.array([1.0, 1.0])}, {"w": np.zeros(2)}
    for g in ([3.0, 0.5], [4.0, 0.5]):
        training.adagrad_step(params, {"w": np.array(g)}, memory, lr=0.1)
    assert np.allclose(memory["w"], [25.0, 0.5])
    assert np.allclose(params["w"], [1 - 0.1 * (3 / 3 + 4 / 5),
                                     1 - 0.1 * (0.5 / 0.5 + 0.5 / np.sqrt(0.5))])


@pytest.mark.parametrize("kwargs, error, names", [
    ({"epochs": 0}, ValueError, "epochs"),
    ({"lr": 0.0}, ValueError, "lr"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"optimizer": "lbfgs"}, ValueError, "optimizer"),
    ({"y": np.zeros(3)}, ValueError, "rows"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_fit_bad_input_raises_an_error_naming_the_argument(kwargs, error, names):
    arguments = {"y": np.zeros(4), "epochs": 1, "lr": 0.1} | kwargs
    with pytest.raises(error, match=names):
        training.fit(Recorder(), np.zeros((4, 1)), **arguments)
