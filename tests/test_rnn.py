import numpy as np
import pytest
import torch

from dlbook import data, rnn
from dlbook.gradcheck import check_gradients
from helpers import assert_twins_agree


@pytest.mark.parametrize("T, B, D, H", [(1, 1, 1, 1), (7, 3, 4, 5), (20, 2, 3, 16)])
def test_numpy_recurrence_equals_torch_rnn(T, B, D, H):
    rng = np.random.default_rng(T * 100 + H)
    params = rnn.init_rnn_params(D, H, rng=rng, scale=1.5)
    params["b_h"] = rng.standard_normal(H)
    X = rng.standard_normal((T, B, D))
    h0 = rng.standard_normal((B, H))
    H_np = rnn.rnn_forward(X, params, h0)
    H_torch, h_last = rnn.torch_recurrence(params)(torch.from_numpy(X), torch.from_numpy(h0)[None])
    assert H_np.shape == (T, B, H)
    assert np.abs(H_np - H_torch.detach().numpy()).max() < 1e-12
    assert np.allclose(H_np[-1], h_last[0].detach().numpy())


def test_zero_initial_state_by_default():
    params = {"W_xh": np.array([[2.0]]), "W_hh": np.array([[0.5]]), "b_h": np.zeros(1)}
    H = rnn.rnn_forward(np.ones((2, 1, 1)), params)
    assert H[0, 0, 0] == pytest.approx(np.tanh(2.0))
    assert H[1, 0, 0] == pytest.approx(np.tanh(2.0 + 0.5 * np.tanh(2.0)))


SHAPES = [(1, 1, 1, 1, 2), (3, 2, 4, 5, 3), (12, 4, 3, 8, 5), (25, 3, 2, 16, 4)]


def labels(rng, T, B, K, last_only):
    return rng.integers(0, K, size=(B,) if last_only else (T, B))


@pytest.mark.parametrize("last_only", [False, True], ids=["every-step", "last-step"])
@pytest.mark.parametrize("activation", rnn.RNN_ACTIVATIONS)
@pytest.mark.parametrize("T, B, D, H, K", SHAPES, ids=str)
def test_bptt_equals_torch_autograd(T, B, D, H, K, activation, last_only):
    rng = np.random.default_rng(T + 10 * H)
    model = rnn.RNN(D, H, K, activation, seed=T, scale=1.2)
    model.params["b_h"] = 0.1 * rng.standard_normal(H)
    model.params["b_y"] = rng.standard_normal(K)
    X = rng.standard_normal((T, B, D))
    y = labels(rng, T, B, K, last_only)
    h0 = 0.5 * rng.standard_normal((B, H))
    O, J = model.forward(X, y, h0)
    twin = rnn.TorchRNN.from_numpy(model)
    O_t, J_t = twin(torch.from_numpy(X), torch.from_numpy(y), torch.from_numpy(h0))
    assert_twins_agree(model, twin, O, J, O_t, J_t)


@pytest.mark.parametrize("activation", rnn.RNN_ACTIVATIONS)
def test_bptt_equals_finite_differences(activation):
    rng = np.random.default_rng(3)
    model = rnn.RNN(3, 4, 3, activation, seed=1)
    model.params["b_h"] = 0.1 * rng.standard_normal(4)
    X, y = rng.standard_normal((6, 2, 3)), rng.integers(0, 3, size=(6, 2))
    model.forward(X, y)
    errors = check_gradients(lambda: model.forward(X, y)[1], model.params, model.backward())
    assert max(errors.values()) < 1e-6, errors


def test_hidden_gradient_norms_match_a_torch_loop():
    rng = np.random.default_rng(0)
    params = rnn.init_rnn_params(2, 6, rng=rng, scale=1.3)
    X = rng.standard_normal((10, 3, 2))
    norms = rnn.hidden_gradient_norms(X, params, seed=5)
    u = np.random.default_rng(5).standard_normal(6)
    u_t = torch.from_numpy(u / np.linalg.norm(u))
    p = {k: torch.from_numpy(v) for k, v in params.items()}
    h, states = torch.zeros(3, 6, dtype=torch.float64, requires_grad=True), []
    for t in range(10):
        h = torch.tanh(torch.from_numpy(X[t]) @ p["W_xh"].T + h @ p["W_hh"].T + p["b_h"])
        h.retain_grad()
        states.append(h)
    (h @ u_t).sum().backward()
    expected = [s.grad.norm(dim=1).mean().item() for s in states][::-1]
    assert np.allclose(norms, expected, rtol=1e-10)
    assert norms[0] == pytest.approx(1.0)      # at the last step, dJ/dh_T = u


def test_gradient_norms_vanish_below_and_explode_above_one():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 8, 4))
    small = rnn.hidden_gradient_norms(X, rnn.init_rnn_params(4, 64, rng=rng, scale=0.5))
    large = rnn.hidden_gradient_norms(X, rnn.init_rnn_params(4, 64, rng=rng, scale=2.0),
                                      activation="relu")
    assert small[30] < 1e-6 * small[0]
    assert large[30] > 1e3 * large[0]


def test_clip_gradients_matches_torch():
    rng = np.random.default_rng(0)
    grads = {"a": rng.standard_normal((3, 4)), "b": rng.standard_normal(5)}
    tensors = [torch.tensor(g, requires_grad=True) for g in grads.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.from_numpy(g.copy())
    total_torch = torch.nn.utils.clip_grad_norm_(tensors, max_norm=1.0)
    total = rnn.clip_gradients(grads, max_norm=1.0)
    assert total == pytest.approx(total_torch.item())
    for t, g in zip(tensors, grads.values()):
        assert np.allclose(g, t.grad.numpy())
    assert np.sqrt(sum((g**2).sum() for g in grads.values())) == pytest.approx(1.0, abs=1e-5)
    untouched = {"a": np.full(2, 0.1)}
    rnn.clip_gradients(untouched, max_norm=1.0)
    assert np.allclose(untouched["a"], 0.1)    # below the threshold: unchanged


PARAMS = rnn.init_rnn_params(3, 4, rng=np.random.default_rng(0))
X3 = np.zeros((5, 2, 3))


@pytest.mark.parametrize("call, error, names", [
    (lambda: rnn.rnn_forward(np.zeros((5, 3)), PARAMS), ValueError, "X"),
    (lambda: rnn.rnn_forward(np.zeros((5, 1, 2)), PARAMS), ValueError, "W_xh"),
    (lambda: rnn.rnn_forward(np.zeros((5, 1, 3)), PARAMS, h0=np.zeros((2, 4))), ValueError,
     "h0"),
    (lambda: rnn.rnn_forward(X3, PARAMS, activation="sigmoid"), ValueError, "activation"),
    (lambda: rnn.init_rnn_params(3, 0, rng=np.random.default_rng(0)), ValueError,
     "hidden_size"),
    (lambda: rnn.RNN(3, 4, 2, activation="sigmoid"), ValueError, "activation"),
    (lambda: rnn.RNN(3, 4, 2).forward(np.zeros((5, 2, 2))), ValueError, "W_xh"),
    (lambda: rnn.RNN(3, 4, 2).forward(X3, np.zeros((4, 2), dtype=int)), ValueError, "y"),
    (lambda: rnn.RNN(3, 4, 2).forward(X3, np.zeros(2)), ValueError, "labels"),
    (lambda: rnn.RNN(3, 4, 2).forward(X3, np.array([0, 2])), ValueError, "labels"),
    (lambda: rnn.RNN(3, 4, 2).backward(), AssertionError, "forward"),
    (lambda: rnn.train_rnn(rnn.RNN(3, 4, 2), X3, np.zeros(2, dtype=int), lr=0, steps=1),
     ValueError, "lr"),
    (lambda: rnn.train_rnn(rnn.RNN(3, 4, 2), X3, np.zeros(3, dtype=int), lr=0.1, steps=1),
     ValueError, "sequences"),
    (lambda: rnn.clip_gradients({}, max_norm=0.0), ValueError, "max_norm"),
    (lambda: rnn.TorchRNN(3, 4, 2)(torch.zeros(5, 3)), ValueError, "shape"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_bad_input_raises_an_error_naming_the_argument(call, error, names):
    with pytest.raises(error, match=names):
        call()


def test_bptt_starts_from_softmax_minus_one_hot():
    """output_gradient is dJ/do_t, for every-step and last-step labels alike."""
    rng = np.random.default_rng(4)
    O = rng.standard_normal((3, 2, 5))
    for y in (rng.integers(0, 5, (3, 2)), rng.integers(0, 5, 2)):
        O_t = torch.tensor(O, requires_grad=True)
        scored = O_t if y.ndim == 2 else O_t[-1:]
        torch.nn.functional.cross_entropy(scored.reshape(-1, 5),
                                          torch.from_numpy(y).reshape(-1)).backward()
        assert np.abs(rnn.output_gradient(O, y) - O_t.grad.numpy()).max() < 1e-15


def test_scratch_rnn_learns_to_remember_the_first_symbol():
    X, y = data.make_first_symbol_task(1000, gap=5, seed=0)
    X_test, y_test = data.make_first_symbol_task(500, gap=5, seed=1)
    model = rnn.RNN(4, 32, 4, seed=0)
    losses = rnn.train_rnn(model, X, y, lr=0.3, steps=600)
    logits, _ = model.forward(X_test)
    assert np.mean(losses[-20:]) < 0.05 * np.mean(losses[:20])
    assert (logits[-1].argmax(axis=1) == y_test).mean() > 0.98


def test_truncated_bptt_carries_the_state_only_when_stateful():
    """A target that copies the input 4 steps back, windows of 10: a fresh state at every
    window leaves the first 4 targets of each window unlearnable (loss ~ 0.4 log 2);
    carrying the state makes every target learnable."""
    bits = np.random.default_rng(0).integers(0, 2, size=(15_004, 8))
    X, y = np.eye(2)[bits][4:], bits[:-4]                  # y_t = x_{t-4}
    final = {}
    for stateful in (False, True):
        model = rnn.RNN(2, 16, 2, seed=0)
        losses = rnn.train_truncated(model, X, y, window=10, lr=0.5, stateful=stateful)
        assert len(losses) == len(X) // 10
        final[stateful] = np.mean(losses[-50:])
    assert abs(final[False] - 0.4 * np.log(2)) < 0.03 and final[True] < 0.05
    model.forward(X[:7])
    assert model.h_last.shape == (8, 16)
