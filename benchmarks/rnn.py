"""Chapter 04's figures: scratch BPTT against torch.nn.RNN, and the long-memory table.

Not a test. The speed is a ratio of medians measured in one process on the same sizes;
the memory experiment repeats chapter 04's adding-problem runs over more lengths and
seeds (a few minutes on a 2-core CPU).

    python benchmarks/rnn.py [--repeat N] [--seeds K] [--lengths 8,16,...] [--steps S]

Prints tables, then all figures as JSON on the last line.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import torch

from dlbook import gated, rnn


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
    parser.add_argument("--steps", type=int, default=300,
                        help="Adam steps per memory run (chapter 04 uses 300)")
    args = parser.parse_args()

    speeds = [speed(25, 1, 65, 100, 65, args.repeat),     # min-char-rnn's sizes
              speed(25, 32, 65, 100, 65, args.repeat),
              speed(50, 64, 8, 64, 8, args.repeat)]
    for s in speeds:
        print(f"forward+backward {s['sizes']}: NumPy {s['numpy_ms']} ms, "
              f"torch.nn.RNN {s['torch_ms']} ms, ratio {s['numpy_over_torch']}")

    lengths = [int(v) for v in args.lengths.split(",")]
    start = time.perf_counter()
    rows = gated.memory_experiment(lengths, seeds=range(args.seeds), steps=args.steps)
    minutes = (time.perf_counter() - start) / 60
    print(f"\nadding problem, {args.seeds} seeds, {args.steps} steps, median test MSE (chance "
          f"{gated.CHANCE_MSE:.3f}); {minutes:.1f} min")
    print("length | " + " | ".join(f"{c:>6s}" for c in gated.CELLS))
    table = {}
    for T in lengths:
        medians = {c: float(np.median([r["test_mse"] for r in rows
                                       if r["cell"] == c and r["length"] == T]))
                   for c in gated.CELLS}
        table[T] = {c: round(v, 4) for c, v in medians.items()}
        print(f"{T:6d} | " + " | ".join(f"{medians[c]:6.3f}" for c in gated.CELLS))
    at_chance = {c: gated.first_length_at_chance(rows, c) for c in gated.CELLS}
    print("first length at chance (median within 10% of chance):", at_chance)
    print(json.dumps({"speed": speeds, "adding_median_mse": table,
                      "first_length_at_chance": at_chance, "seeds": args.seeds,
                      "steps": args.steps,
                      "minutes": round(minutes, 1)}))


if __name__ == "__main__":
    main()
