import numpy as np
import pytest
import torch

from dlbook.activations import ACTIVATIONS, get_activation, neuron, sigmoid

TORCH = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
         "identity": lambda z: z}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_and_derivative_match_torch_autograd(name):
    z = np.linspace(-5, 5, 101) + 0.013  # avoid relu's kink at exactly 0
    f, df = get_activation(name)
    zt = torch.tensor(z, requires_grad=True)
    TORCH[name](zt).sum().backward()
    assert np.allclose(f(z), TORCH[name](torch.tensor(z)).numpy(), rtol=1e-12, atol=0)
    assert np.allclose(df(z), zt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise"):
        assert np.allclose(sigmoid(np.array([-1000.0, 0.0, 1000.0])), [0.0, 0.5, 1.0])


def test_neuron_computes_f_of_weighted_sum():
    X = np.array([[1.0, 2.0], [0.0, -1.0]])
    assert np.allclose(neuron(X, [0.5, -1.0], 0.5, "identity"), [-1.0, 1.5])
    assert np.allclose(neuron(X, [0.5, -1.0], 0.5, "relu"), [0.0, 1.5])


def test_neuron_bad_input():
    with pytest.raises(ValueError, match="3 features per input but w has 2"):
        neuron(np.ones((4, 3)), [1.0, 2.0])
    with pytest.raises(ValueError, match="unknown activation 'softplus'"):
        neuron(np.ones(2), [1.0, 2.0], activation="softplus")


def test_log_softmax_matches_torch_and_survives_large_logits():
    from dlbook.activations import log_softmax

    Z = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    assert np.allclose(log_softmax(Z), torch.log_softmax(torch.tensor(Z), dim=-1).numpy())
    assert np.all(np.isfinite(log_softmax(Z)))
