"""How far back can each cell remember? Vanilla, LSTM and GRU cells on the adding
problem, in PyTorch (chapter 04).

``memory_experiment`` trains ``gated.SequenceRegressor`` with each cell on the adding
problem (``data.make_adding_problem``) at several sequence lengths with the same budget
and reports test error. Deliberate choices: the same hidden size and optimiser for
every cell (Adam, gradient clipping at norm 1), and the LSTM's forget-gate bias set to
1, the usual remedy for an LSTM that forgets by default (Gers et al. 2000; Jozefowicz
et al. 2015).
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Sequence

import numpy as np
import torch
from tqdm.auto import tqdm

from ._checks import check_float, check_int
from .data import make_adding_problem
from .gated import CELLS, SequenceRegressor
from .training import update
from .utils import as_tensor_for

# a prediction counts as correct within this absolute error (Hochreiter 1997)
TOLERANCE = 0.04
CHANCE_MSE = 1 / 6   # predicting the mean: the variance of a sum of two U(0, 1)
# P(|U1 + U2 - 1| < 0.04): the sum of two U(0, 1) has a triangular law
CHANCE_ACCURACY = 2 * TOLERANCE - TOLERANCE**2


@torch.no_grad()
def heldout_error(model: SequenceRegressor, X, y) -> dict[str, float]:
    """Mean squared error and the fraction of predictions within ``TOLERANCE``."""
    error = model(as_tensor_for(model, X))[0] - as_tensor_for(model, y)
    return {"mse": float((error**2).mean()),
            "accuracy": float((error.abs() < TOLERANCE).float().mean())}


def train_on_adding(model: SequenceRegressor, length: int, *, steps: int = 300,
                    batch_size: int = 128, lr: float = 1e-2, clip: float = 1.0,
                    seed: int = 0) -> list[float]:
    """Adam on fresh batches of the adding problem; returns the loss of every step.

    The budget is in steps because the data are endless: every step draws a new batch.
    """
    steps = check_int("steps", steps, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict=True)
    clip = check_float("clip", clip, minimum=0.0, strict=True)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for step in range(steps):
        X, y = make_adding_problem(batch_size, length, seed=seed * 100_000 + step)
        _, loss = model(as_tensor_for(model, X), as_tensor_for(model, y))
        losses.append(update(opt, loss, clip))
    return losses


def memory_experiment(lengths: Sequence[int], cells: Sequence[str] = tuple(CELLS), *,
                      seeds: Sequence[int] = (0,), hidden_size: int = 32,
                      steps: int = 300, lr: float = 1e-2, forget_bias: float = 1.0,
                      n_test: int = 1000, device: str | torch.device = "cpu",
                      progress: bool = False) -> list[dict]:
    """Train every cell at every length (and seed) with one budget; one row per run,
    with the training loss averaged over blocks of 20 steps.

    A run's seed sets its model's initial weights and its training batches; torch's
    global generator is left as it was.
    """
    runs = [(length, cell, seed)
            for length in lengths for cell in cells for seed in seeds]
    rows = []
    for length, cell, seed in tqdm(runs, desc="runs", disable=not progress):
        X_test, y_test = make_adding_problem(n_test, length, seed=999_999)
        model = SequenceRegressor(cell, hidden_size=hidden_size,
                                  forget_bias=forget_bias, seed=seed).to(device)
        losses = train_on_adding(model, length, steps=steps, lr=lr, seed=seed)
        error = heldout_error(model, X_test, y_test)
        curve = [float(np.mean(losses[k:k + 20])) for k in range(0, len(losses), 20)]
        rows.append({"length": length, "cell": cell, "seed": seed,
                     "test_mse": error["mse"], "accuracy": error["accuracy"],
                     "final_train_loss": curve[-1], "loss_per_20_steps": curve})
    return rows


def shipped_memory_runs() -> dict:
    """The adding-problem runs shipped with the package, written by ``benchmarks/rnn.py
    --no-speed --save``: every cell at lengths 8 to 128, three seeds, budgets of 300 and
    1,000 steps (under 20 minutes on a 2-core CPU, too long for the chapter). Keys:
    ``seeds``, ``budgets``, ``lengths``, ``lr``, ``forget_bias``, ``minutes`` and
    ``runs``, rows of ``memory_experiment`` with their ``steps``."""
    path = resources.files("dlbook") / "assets" / "adding_problem.json"
    return json.loads(path.read_text())


def first_length_at_chance(rows: list[dict], cell: str, margin: float = 0.9
                           ) -> int | None:
    """The shortest length at which the cell's median test MSE is within 10% of
    chance."""
    lengths = sorted({r["length"] for r in rows if r["cell"] == cell})
    for length in lengths:
        mse = np.median([r["test_mse"] for r in rows
                         if r["cell"] == cell and r["length"] == length])
        if mse >= margin * CHANCE_MSE:
            return length
    return None
