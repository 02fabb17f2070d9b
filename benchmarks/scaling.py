"""Chapter 13's scaling runs: character LSTMs of five sizes at three compute budgets.

Not a test. Trains ``scaling.isoflop_run`` for every hidden size and budget, with
``--seeds`` seeds, on the first 90% of tiny Shakespeare, scores each model on the first
50,000 characters of the validation split, and fits the compute-optimal size against
the budget (``scaling.compute_optimal``, ``scaling.power_law``). With ``--save`` the runs
are written where the chapter reads them, code/dlbook/assets/scaling.json (about 20
minutes on 2 cores for two seeds).

    python -m benchmarks.scaling [--seeds 2] [--save FILE]

Prints one line per run, then the figures as JSON on the last line.
"""
from __future__ import annotations

import argparse
import json
import statistics
import timeit
from pathlib import Path

import torch

from dlbook import charlm, data, scaling

HIDDEN_SIZES = (16, 32, 64, 128, 256)
BUDGETS = (1e11, 3e11, 1e12)        # FLOP
VAL_CHARS = 50_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--save", type=Path, help="write the runs to this JSON file")
    args = parser.parse_args()
    vocab = charlm.Vocab(data.load_shakespeare())
    train_ids = vocab.encode(data.load_shakespeare("train"))
    val_ids = vocab.encode(data.load_shakespeare("val"))[:VAL_CHARS]
    runs = []
    for budget in BUDGETS:
        for hidden in HIDDEN_SIZES:
            for seed in range(args.seeds):
                result = {}
                seconds = timeit.timeit(lambda: result.update(scaling.isoflop_run(
                    hidden, budget, train_ids, val_ids, seed=seed)), number=1)
                result |= {"seed": seed, "seconds": round(seconds, 1),
                           "val_loss": round(result["val_loss"], 4)}
                runs.append(result)
                print(f"C = {budget:.0e}, H = {hidden:3d} ({result['parameters']:6d} "
                      f"parameters), seed {seed}: {result['steps']:5d} updates, "
                      f"validation {result['val_loss']:.3f} nats/char, {seconds:.0f} s",
                      flush=True)
    optimal = []
    for budget in BUDGETS:
        rows = [r for r in runs if r["budget"] == budget]
        sizes = sorted({r["parameters"] for r in rows})
        losses = [statistics.mean(r["val_loss"] for r in rows if r["parameters"] == n)
                  for n in sizes]
        n_opt, l_opt = scaling.compute_optimal(sizes, losses)
        optimal.append({"budget": budget, "parameters": round(n_opt),
                        "val_loss": round(l_opt, 4)})
    exponent, error, _ = scaling.power_law([o["budget"] for o in optimal],
                                           [o["parameters"] for o in optimal])
    figures = {"hidden_sizes": list(HIDDEN_SIZES), "budgets": list(BUDGETS),
               "seeds": args.seeds, "val_characters": VAL_CHARS,
               "threads": torch.get_num_threads(), "runs": runs,
               "compute_optimal": optimal,
               "optimal_size_exponent": round(exponent, 3),
               "optimal_size_exponent_error": round(error, 3)}
    line = json.dumps(figures)
    if args.save:
        args.save.write_text(line + "\n")
    print(f"compute-optimal size ~ C^{exponent:.2f} (standard error {error:.2f})")
    print(line)


if __name__ == "__main__":
    main()
