"""A scaling law in miniature: character LSTMs of several sizes trained at fixed compute
on tiny Shakespeare (chapter 13).

The measurement of Kaplan et al. (2020) and Hoffmann et al. (2022), shrunk to a CPU.
A model with N parameters costs about 6 N floating-point operations per character it
trains on (2 N forward, 4 N backward), so a compute budget C buys D = C / (6 N)
characters. For each budget, models of several sizes are trained on exactly their share
(``isoflop_run``: chapter 08's recipe, the learning rate decayed over the run) and
scored on the validation text. Small models waste the budget by learning slowly per
character; large ones by seeing too few characters; the size with the lowest loss is
compute-optimal for that budget, and how it grows with the budget is the law.

N counts the parameters a character passes through after its embedding lookup (Kaplan
et al.'s "non-embedding" parameters): the lookup itself costs no multiplications.
Simplifications: one layer; one learning rate for every size; the fits are least squares
in log-log coordinates, with standard errors from the fit's covariance.
"""
from __future__ import annotations

import json
from importlib import resources

import numpy as np

from ._checks import check_array, check_float, check_int
from .charlm import CharLSTM, evaluate, train_char_model

SEQ_LEN, BATCH_SIZE = 32, 64          # characters per update: 2,048
EMBEDDING = 16


def flops_parameters(model: CharLSTM) -> int:
    """N: the parameters of the LSTM and the readout, not of the embedding table."""
    return sum(p.numel() for name, p in model.named_parameters()
               if not name.startswith("embed."))


def isoflop_run(hidden_size: int, budget: float, train_ids, val_ids, *, seed: int = 0,
                lr: float = 1e-2) -> dict:
    """Train a ``CharLSTM`` of ``hidden_size`` units on the characters a compute
    ``budget`` (FLOP) buys it, ``budget / (6 N)``, and score it on ``val_ids``.
    Returns the size, the characters and updates it got, and its validation loss."""
    hidden_size = check_int("hidden_size", hidden_size, minimum=1)
    budget = check_float("budget", budget, minimum=0.0, strict=True)
    model = CharLSTM(int(max(train_ids.max(), val_ids.max())) + 1, hidden_size,
                     EMBEDDING, seed=seed)
    n = flops_parameters(model)
    steps = int(budget / (6 * n * SEQ_LEN * BATCH_SIZE))
    if steps < 1:
        raise ValueError(f"a budget of {budget:.3g} FLOP buys a model of {n} "
                         "parameters less than one update")
    train_char_model(model, train_ids, steps=steps, seq_len=SEQ_LEN,
                     batch_size=BATCH_SIZE, lr=lr, seed=seed)
    return {"hidden_size": hidden_size, "parameters": n, "budget": budget,
            "steps": steps, "characters": steps * SEQ_LEN * BATCH_SIZE,
            "val_loss": evaluate(model, val_ids, streams=50)}


def power_law(x, y) -> tuple[float, float, float]:
    """Fit y = a x^k by least squares on log y against log x; returns (k, the standard
    error of k, a)."""
    x, y = check_array("x", x, ndim=1), check_array("y", y, ndim=1)
    if len(x) != len(y) or len(x) < 3 or (x <= 0).any() or (y <= 0).any():
        raise ValueError("need at least three pairs of positive numbers")
    (k, log_a), cov = np.polyfit(np.log(x), np.log(y), 1, cov=True)
    return float(k), float(np.sqrt(cov[0, 0])), float(np.exp(log_a))


def compute_optimal(parameters, losses) -> tuple[float, float]:
    """The size with the lowest loss at one budget, and that loss, from a parabola in
    log N through the measured points (the minimum of an isoFLOP curve)."""
    parameters = check_array("parameters", parameters, ndim=1)
    losses = check_array("losses", losses, ndim=1)
    c2, c1, c0 = np.polyfit(np.log(parameters), losses, 2)
    if c2 <= 0:
        raise ValueError("the losses have no minimum inside the measured sizes")
    log_n = -c1 / (2 * c2)
    return float(np.exp(log_n)), float(c0 + c1 * log_n + c2 * log_n ** 2)


def shipped_scaling_runs() -> dict:
    """The runs shipped with the package, written by ``python -m benchmarks.scaling
    --save``: every size at every budget, two seeds (about 20 minutes on a 2-core CPU).
    Keys: ``hidden_sizes``, ``budgets``, ``seeds`` and ``runs``, the rows of
    ``isoflop_run``."""
    path = resources.files("dlbook") / "assets" / "scaling.json"
    return json.loads(path.read_text())
