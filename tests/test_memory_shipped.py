"""The adding-problem runs shipped for chapter 04 are complete and well-formed."""
import numpy as np

from dlbook import gated, memory


def test_shipped_runs_cover_every_cell_length_seed_and_budget():
    shipped = memory.shipped_memory_runs()
    keys = {(r["steps"], r["cell"], r["length"], r["seed"]) for r in shipped["runs"]}
    assert len(keys) == len(shipped["runs"]) == (len(shipped["budgets"]) * len(gated.CELLS)
                                                 * len(shipped["lengths"]) * shipped["seeds"])
    assert shipped["seeds"] >= 3 and {300, 1000} <= set(shipped["budgets"])
    for r in shipped["runs"]:
        assert len(r["loss_per_20_steps"]) == -(-r["steps"] // 20)
        assert r["final_train_loss"] == r["loss_per_20_steps"][-1]
        assert 0 <= r["accuracy"] <= 1 and r["test_mse"] > 0


def test_a_shipped_run_is_reproduced_by_memory_experiment():
    """The shortest shipped run, retrained here: the same code gives the same run, up to
    the rounding of floating-point kernels on another CPU."""
    shipped = memory.shipped_memory_runs()
    stored = next(r for r in shipped["runs"] if (r["steps"], r["cell"], r["length"],
                                                   r["seed"]) == (300, "gru", 8, 0))
    fresh = memory.memory_experiment([8], ["gru"], seeds=[0], steps=300)[0]
    assert np.allclose(fresh["loss_per_20_steps"][:3], stored["loss_per_20_steps"][:3],
                       rtol=1e-3)
    assert abs(fresh["test_mse"] - stored["test_mse"]) < 5e-4
