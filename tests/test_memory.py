import numpy as np
import pytest
import torch

from dlbook import data, gated, memory


def test_chance_constants_match_a_constant_predictor():
    _, y = data.make_adding_problem(200_000, 10, seed=0)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(memory.CHANCE_MSE, rel=0.02)
    assert np.mean(np.abs(y - 1.0) < memory.TOLERANCE) == pytest.approx(
        memory.CHANCE_ACCURACY, abs=0.003)


def test_a_gru_learns_a_short_adding_problem_and_beats_chance():
    model = gated.SequenceRegressor("gru", hidden_size=16, seed=0)
    losses = memory.train_on_adding(model, length=8, steps=150)
    X, y = data.make_adding_problem(500, 8, seed=123)
    error = memory.heldout_error(model, X, y)
    assert np.mean(losses[-10:]) < 0.2 * np.mean(losses[:10])
    assert error["mse"] < 0.1 * memory.CHANCE_MSE
    assert error["accuracy"] > 3 * memory.CHANCE_ACCURACY


def test_memory_experiment_rows_and_no_global_side_effect():
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    rows = memory.memory_experiment([4, 6], cells=("rnn", "gru"), seeds=(0, 1), steps=3,
                                   n_test=50, hidden_size=4)
    assert torch.equal(torch.rand(3), expected_next)        # the caller's generator untouched
    assert [(r["length"], r["cell"], r["seed"]) for r in rows] == [
        (L, c, s) for L in (4, 6) for c in ("rnn", "gru") for s in (0, 1)]
    again = memory.memory_experiment([4], cells=("rnn",), seeds=(1,), steps=3, n_test=50,
                                    hidden_size=4)
    assert again[0] == rows[1]                                # a run depends on its seed only
    assert rows[0]["test_mse"] != rows[1]["test_mse"]        # and the seed matters
    long = memory.memory_experiment([4], cells=("gru",), steps=45, n_test=50, hidden_size=4)[0]
    curve = long["loss_per_20_steps"]                         # blocks of 20, 20 and 5 steps
    assert len(curve) == 3 and long["final_train_loss"] == curve[-1]


def test_first_length_at_chance_reads_the_median():
    rows = [{"cell": "rnn", "length": L, "test_mse": mse}
            for L, mse in [(8, 0.01), (16, 0.02), (16, 0.16), (16, 0.17), (32, 0.17)]]
    assert memory.first_length_at_chance(rows, "rnn") == 16
    assert memory.first_length_at_chance(rows[:2], "rnn") is None


@pytest.mark.parametrize("call, error, names", [
    (lambda: memory.train_on_adding(gated.SequenceRegressor("rnn"), 4, lr=0), ValueError, "lr"),
    (lambda: memory.train_on_adding(gated.SequenceRegressor("rnn"), 4, steps=0), ValueError,
     "steps"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_bad_input_raises_an_error_naming_the_argument(call, error, names):
    with pytest.raises(error, match=names):
        call()
