"""Chapter 04's figures: scratch BPTT against torch.nn.RNN, and the long-memory table.

Not a test. The speed is a ratio of medians measured in one process on the same sizes;
the memory experiment repeats chapter 04's adding-problem runs over more lengths, seeds
and budgets (under 20 minutes on a 2-core CPU with the defaults).

    python -m benchmarks.rnn [--repeat N] [--seeds K] [--lengths 8,16,...]
                             [--steps 300,1000] [--lr 1e-2] [--forget-bias 1]
                             [--no-speed] [--save FILE]

Prints tables, then all figures as JSON on the last line. Chapter 04's table is
``code/dlbook/assets/adding_problem.json``, written by ``--no-speed --save`` that path;
``memory.shipped_memory_runs()`` loads it.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
import timeit
from pathlib import Path

import numpy as np
import torch

from dlbook import memory, rnn


def median_seconds(fn, repeat: int) -> float:
    return statistics.median(timeit.repeat(fn, number=1, repeat=repeat))


def speed(T: int, B: int, D: int, H: int, K: int, repeat: int) -> dict:
    """Median forward + backward time of the NumPy RNN and its torch twin (float64)."""
    rng = np.random.default_rng(0)
    model = rnn.RNN(D, H, K, seed=0)
    X, y = rng.standard_normal((T, B, D)), rng.integers(0, K, size=(T, B))
    twin = rnn.TorchRNN.from_numpy(model)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)

    def scratch():
        model.forward(X, y)
        model.backward()

    def autograd():
        twin.zero_grad()
        twin(X_t, y_t)[1].backward()

    t_np, t_torch = median_seconds(scratch, repeat), median_seconds(autograd, repeat)
    return {"sizes": f"T={T} B={B} D={D} H={H} K={K}", "numpy_ms": round(1e3 * t_np, 3),
            "torch_ms": round(1e3 * t_torch, 3), "numpy_over_torch": round(t_np / t_torch, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per size")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per memory run")
    parser.add_argument("--lengths", default="8,16,32,64,128",
                        help="adding-problem sequence lengths")
    parser.add_argument("--steps", default="300,1000",
                        help="Adam steps per memory run, one table per budget "
                             "(chapter 04 trains live with 300)")
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam's learning rate")
    parser.add_argument("--forget-bias", type=float, default=1.0,
                        help="the LSTM's initial forget-gate bias")
    parser.add_argument("--no-speed", action="store_true", help="skip the timings")
    parser.add_argument("--save", type=Path, help="write the memory runs as JSON here")
    args = parser.parse_args()

    sizes = [(25, 1, 65, 100, 65),      # min-char-rnn's sizes
             (25, 32, 65, 100, 65), (50, 64, 8, 64, 8)]
    speeds = [] if args.no_speed else [speed(*s, args.repeat) for s in sizes]
    for s in speeds:
        print(f"forward+backward {s['sizes']}: NumPy {s['numpy_ms']} ms, "
              f"torch.nn.RNN {s['torch_ms']} ms, ratio {s['numpy_over_torch']}")

    lengths = [int(v) for v in args.lengths.split(",")]
    budgets = [int(v) for v in args.steps.split(",")]
    start = time.perf_counter()
    rows = [dict(row, steps=steps) for steps in budgets
            for row in memory.memory_experiment(lengths, seeds=range(args.seeds),
                                               steps=steps, lr=args.lr,
                                               forget_bias=args.forget_bias, progress=True)]
    minutes = (time.perf_counter() - start) / 60
    tables = {}
    for steps in budgets:
        runs = [r for r in rows if r["steps"] == steps]
        print(f"\nadding problem, {args.seeds} seeds, {steps} steps: median test MSE "
              f"(chance {memory.CHANCE_MSE:.3f})")
        print("length | " + " | ".join(f"{c:>6s}" for c in memory.CELLS))
        table = tables[steps] = {}
        for T in lengths:
            medians = {c: float(np.median([r["test_mse"] for r in runs
                                           if r["cell"] == c and r["length"] == T]))
                       for c in memory.CELLS}
            table[T] = {c: round(v, 4) for c, v in medians.items()}
            print(f"{T:6d} | " + " | ".join(f"{medians[c]:6.3f}" for c in memory.CELLS))
        print("first length at chance (median within 10% of chance):",
              {c: memory.first_length_at_chance(runs, c) for c in memory.CELLS})
    print(f"{minutes:.1f} min")
    if args.save:
        header = {"seeds": args.seeds, "budgets": budgets, "lengths": lengths,
                  "lr": args.lr, "forget_bias": args.forget_bias, "minutes": round(minutes, 1)}
        lines = [json.dumps({k: np.round(v, 6).tolist() if isinstance(v, (float, list))
                             else v for k, v in row.items()}) for row in rows]
        args.save.write_text(json.dumps(header)[:-1] + ', "runs": [\n'
                             + ",\n".join(lines) + "\n]}\n")   # a run per line
    print(json.dumps({"speed": speeds, "adding_median_mse": tables, "seeds": args.seeds,
                      "minutes": round(minutes, 1)}))


if __name__ == "__main__":
    main()
