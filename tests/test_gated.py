import numpy as np
import pytest
import torch

from dlbook import data, gated


def test_chance_constants_match_a_constant_predictor():
    _, y = data.make_adding_problem(200_000, 10, seed=0)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(gated.CHANCE_MSE, rel=0.02)
    assert np.mean(np.abs(y - 1.0) < gated.TOLERANCE) == pytest.approx(
        gated.CHANCE_ACCURACY, abs=0.003)


@pytest.mark.parametrize("cell", sorted(gated.CELLS))
def test_regressor_shapes_and_lstm_forget_bias(cell):
    model = gated.SequenceRegressor(cell, hidden_size=8)
    assert model(torch.zeros(5, 3, 2)).shape == (3,)
    if cell == "lstm":
        forget = model.rnn.bias_ih_l0[8:16] + model.rnn.bias_hh_l0[8:16]
        assert torch.all(forget == 1.0)


def test_a_gru_learns_a_short_adding_problem_and_beats_chance():
    torch.manual_seed(0)
    model = gated.SequenceRegressor("gru", hidden_size=16)
    losses = gated.train_on_adding(model, length=8, steps=150)
    X, y = data.make_adding_problem(500, 8, seed=123)
    mse, accuracy = gated.evaluate(model, X, y)
    assert np.mean(losses[-10:]) < 0.2 * np.mean(losses[:10])
    assert mse < 0.1 * gated.CHANCE_MSE and accuracy > 3 * gated.CHANCE_ACCURACY


def test_first_length_at_chance_reads_the_median():
    rows = [{"cell": "rnn", "length": L, "test_mse": mse}
            for L, mse in [(8, 0.01), (16, 0.02), (16, 0.16), (16, 0.17), (32, 0.17)]]
    assert gated.first_length_at_chance(rows, "rnn") == 16
    assert gated.first_length_at_chance(rows[:2], "rnn") is None


def test_bad_input_raises():
    with pytest.raises(ValueError, match="unknown cell"):
        gated.SequenceRegressor("transformer")
    with pytest.raises(ValueError, match=r"shape \(T, B, 2\)"):
        gated.SequenceRegressor("gru")(torch.zeros(5, 3))
    with pytest.raises(ValueError, match="lr must be > 0"):
        gated.train_on_adding(gated.SequenceRegressor("rnn"), 4, lr=0)
