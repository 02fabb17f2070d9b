import numpy as np
import pytest
import torch

from dlbook import gated as gc
from dlbook.gradcheck import check_gradients, relative_error

SHAPES = [(1, 1, 1, 1), (1, 3, 2, 4), (4, 1, 3, 2), (7, 3, 2, 5), (12, 2, 4, 6)]  # T B D H
BACKWARD = {"lstm": gc.lstm_backward, "gru": gc.gru_backward}


def hidden_states(cell, X, params, states):
    """Hidden states H and the cache (the LSTM also returns its cell states)."""
    if cell == "lstm":
        (Hs, _), cache = gc.lstm_forward(X, params, *states)
        return Hs, cache
    return gc.gru_forward(X, params, *states)


def setup(cell, T, B, D, H, seed=0):
    rng = np.random.default_rng(seed + 100 * T + H)
    params = gc.init_cell_params(cell, D, H, rng=rng)
    params = {k: 3 * v for k, v in params.items()}       # larger weights: gates off 1/2
    X = rng.standard_normal((T, B, D))
    states = [rng.standard_normal((B, H)) for _ in range(2 if cell == "lstm" else 1)]
    U = rng.standard_normal((T, B, H))                   # J = sum(U * H): dJ/dH = U
    return params, X, states, U


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("T, B, D, H", SHAPES, ids=str)
def test_scratch_cell_and_its_gradients_equal_torch(cell, T, B, D, H):
    params, X, states, U = setup(cell, T, B, D, H)
    Hs, cache = hidden_states(cell, X, params, states)
    grads, dX, *d_states = BACKWARD[cell](U, params, cache)

    twin = gc.torch_cell(cell, params)
    X_t = torch.tensor(X, requires_grad=True)
    states_t = [torch.tensor(s[None], requires_grad=True) for s in states]
    Hs_t, last_t = twin(X_t, tuple(states_t) if cell == "lstm" else states_t[0])
    (Hs_t * torch.from_numpy(U)).sum().backward()

    assert np.abs(Hs - Hs_t.detach().numpy()).max() < 1e-12
    if cell == "lstm":                                   # the cell state too: c_T
        Cs = gc.lstm_forward(X, params, *states)[0][1]
        assert np.abs(Cs[-1] - last_t[1][0].detach().numpy()).max() < 1e-12
    torch_grads = gc.torch_cell_grads(cell, twin)
    assert set(grads) == set(torch_grads) == set(params)
    for name, g in grads.items():
        assert relative_error(g, torch_grads[name]) < 1e-7, name
    assert relative_error(dX, X_t.grad.numpy()) < 1e-7
    for d, s in zip(d_states, states_t):
        assert relative_error(d, s.grad[0].numpy()) < 1e-7


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_scratch_gradients_equal_finite_differences(cell):
    params, X, states, U = setup(cell, 5, 2, 3, 4, seed=1)

    def J():
        return float((hidden_states(cell, X, params, states)[0] * U).sum())

    grads, dX, *d_states = BACKWARD[cell](U, params, hidden_states(cell, X, params, states)[1])
    errors = check_gradients(J, params, grads)
    assert max(errors.values()) < 1e-6, errors
    inputs = {"X": X, **{f"state{k}": s for k, s in enumerate(states)}}
    errors = check_gradients(J, inputs, {"X": dX, **{f"state{k}": d
                                                    for k, d in enumerate(d_states)}})
    assert max(errors.values()) < 1e-6, errors


def test_lstm_cell_state_is_a_gated_sum():
    """With the forget gate shut (f = 0) and the input gate open (i = 1) the cell state
    is the candidate; with f = 1 and i = 0 it is carried unchanged."""
    H = 2
    params = {"W_x": np.zeros((4 * H, 1)), "W_h": np.zeros((4 * H, H)), "b": np.zeros(4 * H)}
    c0 = np.array([[0.3, -0.7]])
    for f_bias, i_bias, expected in [(-50.0, 50.0, np.tanh(0.5)), (50.0, -50.0, c0)]:
        params["b"][:] = [i_bias] * H + [f_bias] * H + [0.5] * H + [50.0] * H
        (_, C), _ = gc.lstm_forward(np.zeros((3, 1, 1)), params, np.zeros((1, H)), c0)
        assert np.allclose(C[-1], expected)


@pytest.mark.parametrize("call, error, names", [
    (lambda: gc.init_cell_params("rnn", 2, 3, rng=np.random.default_rng(0)), ValueError,
     "cell"),
    (lambda: gc.init_cell_params("gru", 2, 0, rng=np.random.default_rng(0)), ValueError,
     "hidden_size"),
    (lambda: gc.gru_forward(np.zeros((3, 2)), setup("gru", 1, 1, 2, 3)[0]), ValueError, "X"),
    (lambda: gc.gru_forward(np.zeros((3, 2, 5)), setup("gru", 1, 1, 2, 3)[0]), ValueError,
     "features"),
    (lambda: gc.gru_forward(np.zeros((3, 2, 2)), setup("gru", 1, 1, 2, 3)[0],
                            np.zeros((3, 3))), ValueError, "h0"),
    (lambda: gc.lstm_forward(np.zeros((3, 2, 2)), setup("lstm", 1, 1, 2, 3)[0],
                             np.zeros((2, 3)), np.zeros((1, 3))), ValueError, "c0"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_bad_input_raises_an_error_naming_the_argument(call, error, names):
    with pytest.raises(error, match=names):
        call()


# ------------------------------------------------------------ SequenceRegressor
@pytest.mark.parametrize("cell", sorted(gc.CELLS))
def test_regressor_predicts_from_the_last_state_and_its_loss_is_the_mse(cell):
    model = gc.SequenceRegressor(cell, hidden_size=8, seed=0)
    with torch.no_grad():                       # a readout that ignores the state
        model.out.weight.zero_()
        model.out.bias.fill_(0.25)
    X = torch.randn(5, 3, 2, generator=torch.Generator().manual_seed(0))
    prediction, loss = model(X, torch.tensor([1.25, 0.25, -0.75]))
    assert torch.equal(prediction, torch.full((3,), 0.25))
    assert loss.item() == pytest.approx((1.0 + 0.0 + 1.0) / 3)
    assert model(X)[1] is None
    if cell == "lstm":
        forget = model.rnn.bias_ih_l0[8:16] + model.rnn.bias_hh_l0[8:16]
        assert torch.all(forget == 1.0)


def test_regressor_reads_the_last_step_whether_time_or_batch_comes_first():
    time_first = gc.SequenceRegressor("gru", input_size=1, hidden_size=4, seed=3)
    batch_first = gc.SequenceRegressor("gru", input_size=1, hidden_size=4, seed=3,
                                       batch_first=True)
    X = torch.randn(6, 2, 1, generator=torch.Generator().manual_seed(0))    # (T, B, 1)
    expected = time_first(X)[0]
    assert torch.allclose(batch_first(X.transpose(0, 1))[0], expected, atol=1e-6)
    # the last step matters: changing it changes the prediction, changing none does not
    X_changed = X.clone()
    X_changed[-1] += 1.0
    assert not torch.allclose(time_first(X_changed)[0], expected)


def test_regressor_weights_are_a_function_of_the_seed_alone():
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    a = gc.SequenceRegressor("lstm", hidden_size=4, seed=1)
    assert torch.equal(torch.rand(3), expected_next)         # the caller's generator untouched
    torch.manual_seed(999)
    b = gc.SequenceRegressor("lstm", hidden_size=4, seed=1)
    c = gc.SequenceRegressor("lstm", hidden_size=4, seed=2)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.rnn.weight_hh_l0, c.rnn.weight_hh_l0)


@pytest.mark.parametrize("call, error, names", [
    (lambda: gc.SequenceRegressor("transformer"), ValueError, "cell"),
    (lambda: gc.SequenceRegressor("gru", hidden_size=0), ValueError, "hidden_size"),
    (lambda: gc.SequenceRegressor("gru")(torch.zeros(5, 3)), AssertionError, "X"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_regressor_bad_input_raises_an_error_naming_the_argument(call, error, names):
    with pytest.raises(error, match=names):
        call()


def test_forget_bias_sets_the_lstm_forget_gate_and_is_checked():
    model = gc.SequenceRegressor("lstm", hidden_size=3, forget_bias=2.5)
    assert torch.equal(model.rnn.bias_ih_l0[3:6], torch.full((3,), 2.5))
    with pytest.raises(TypeError, match="forget_bias"):
        gc.SequenceRegressor("lstm", forget_bias="open")
