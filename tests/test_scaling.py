import numpy as np
import pytest

from dlbook import charlm, scaling


def test_a_power_law_is_recovered_with_its_uncertainty():
    x = np.array([1e2, 1e3, 1e4, 1e5])
    exact = 3.0 * x ** -0.25
    k, error, a = scaling.power_law(x, exact)
    assert k == pytest.approx(-0.25) and a == pytest.approx(3.0) and error < 1e-9
    noisy = exact * np.exp(np.array([0.05, -0.05, 0.05, -0.05]))
    k, error, _ = scaling.power_law(x, noisy)
    assert abs(k + 0.25) < 0.05 and 0.005 < error < 0.05         # noise shows as error
    with pytest.raises(ValueError, match="three pairs of positive"):
        scaling.power_law([1, 2], [3, 4])


def test_the_compute_optimal_size_is_the_minimum_of_the_isoflop_curve():
    sizes = np.array([1e3, 1e4, 1e5, 1e6])
    losses = 1.5 + 0.1 * (np.log(sizes) - np.log(3e4)) ** 2       # minimum at 3e4
    n_opt, l_opt = scaling.compute_optimal(sizes, losses)
    assert n_opt == pytest.approx(3e4, rel=1e-6) and l_opt == pytest.approx(1.5)
    with pytest.raises(ValueError, match="no minimum"):
        scaling.compute_optimal(sizes, -losses)


def test_a_run_gets_the_characters_its_budget_buys():
    model = charlm.CharLSTM(5, hidden_size=4, embedding_size=scaling.EMBEDDING)
    n = scaling.flops_parameters(model)
    assert n == sum(p.numel() for p in model.parameters()) - 5 * scaling.EMBEDDING
    ids = np.random.default_rng(0).integers(0, 5, 3000)
    budget = 6 * n * scaling.SEQ_LEN * scaling.BATCH_SIZE * 3.5      # 3.5 updates' worth
    run = scaling.isoflop_run(4, budget, ids, ids[:500])
    assert run["parameters"] == n and run["steps"] == 3
    assert run["characters"] == 3 * scaling.SEQ_LEN * scaling.BATCH_SIZE
    assert 0 < run["val_loss"] < 2 * np.log(5)
    with pytest.raises(ValueError, match="less than one update"):
        scaling.isoflop_run(4, budget / 10, ids, ids[:500])


def test_the_shipped_runs_cover_every_size_budget_and_seed():
    shipped = scaling.shipped_scaling_runs()
    keys = {(r["hidden_size"], r["budget"], r["seed"]) for r in shipped["runs"]}
    assert len(keys) == len(shipped["runs"]) == (len(shipped["hidden_sizes"])
                                                 * len(shipped["budgets"]) * shipped["seeds"])
    for r in shipped["runs"]:
        assert r["characters"] == r["steps"] * scaling.SEQ_LEN * scaling.BATCH_SIZE
        assert abs(6 * r["parameters"] * r["characters"] - r["budget"]) <= (
            6 * r["parameters"] * scaling.SEQ_LEN * scaling.BATCH_SIZE)
    assert [o["budget"] for o in shipped["compute_optimal"]] == shipped["budgets"]
