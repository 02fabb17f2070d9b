import numpy as np
import pytest
import torch

from dlbook import rnn


@pytest.mark.parametrize("T, B, D, H", [(1, 1, 1, 1), (7, 3, 4, 5), (20, 2, 3, 16)])
def test_numpy_recurrence_equals_torch_rnn(T, B, D, H):
    rng = np.random.default_rng(T * 100 + H)
    params = rnn.init_rnn_params(D, H, rng, scale=1.5)
    params["b_h"] = rng.standard_normal(H)
    X = rng.standard_normal((T, B, D))
    h0 = rng.standard_normal((B, H))
    H_np = rnn.rnn_forward(X, params, h0)
    H_torch, h_last = rnn.torch_rnn_from(params)(torch.from_numpy(X), torch.from_numpy(h0)[None])
    assert H_np.shape == (T, B, H)
    assert np.abs(H_np - H_torch.detach().numpy()).max() < 1e-12
    assert np.allclose(H_np[-1], h_last[0].detach().numpy())


def test_zero_initial_state_by_default():
    params = {"W_xh": np.array([[2.0]]), "W_hh": np.array([[0.5]]), "b_h": np.zeros(1)}
    H = rnn.rnn_forward(np.ones((2, 1, 1)), params)
    assert H[0, 0, 0] == pytest.approx(np.tanh(2.0))
    assert H[1, 0, 0] == pytest.approx(np.tanh(2.0 + 0.5 * np.tanh(2.0)))


def test_bad_input():
    params = rnn.init_rnn_params(3, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="3 dimension"):
        rnn.rnn_forward(np.zeros((5, 3)), params)
    with pytest.raises(ValueError, match="inputs have 2 features but W_xh expects 3"):
        rnn.rnn_forward(np.zeros((5, 1, 2)), params)
    with pytest.raises(ValueError, match=r"h0 must have shape \(1, 4\)"):
        rnn.rnn_forward(np.zeros((5, 1, 3)), params, h0=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="hidden_size"):
        rnn.init_rnn_params(3, 0, np.random.default_rng(0))
