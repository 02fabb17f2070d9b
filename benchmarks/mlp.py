"""Chapter 03's figures: accuracy and training time of both MLPs, and widget latency.

Not a test: these machines are shared, so times are medians of several runs and the
scratch-versus-torch speed is a ratio measured in the same process.

    python -m benchmarks.mlp [--repeat N]

Prints a table, then all figures as JSON on the last line.
"""
from __future__ import annotations

import argparse
import json
import statistics
import timeit

import matplotlib

matplotlib.use("Agg")   # the widget redraws off screen

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dlbook import data, mlp, widgets  # noqa: E402


def timed(fn):
    """(seconds, result) of one call."""
    result = []
    seconds = timeit.timeit(lambda: result.append(fn()), number=1)
    return seconds, result[0]


def moons_scratch(seed: int):
    """The chapter's configuration: 2,000 training points, 100 + 30 epochs of SGD."""
    X, y = data.make_moons(2000, noise=0.2, seed=0)
    X_test, y_test = data.make_moons(20000, noise=0.2, seed=3)
    model = mlp.MLP([2, 32, 32, 2], "tanh", seed=seed)

    def fit():
        mlp.train(model, X, y, lr=0.1, epochs=100, seed=seed)
        mlp.train(model, X, y, lr=0.01, epochs=30, seed=seed)

    seconds, _ = timed(fit)
    return seconds, mlp.accuracy(model, X_test, y_test)


def digits_torch(seed: int):
    """The chapter's configuration: 64-128-10 ReLU, Adam, 30 epochs."""
    digits = data.load_digits(test_fraction=0.25, seed=0)
    model = mlp.TorchMLP([64, 128, 10], "relu", seed=seed)
    seconds, _ = timed(lambda: mlp.train(model, digits.X_train, digits.y_train, lr=1e-3,
                                         epochs=30, optimizer="adam", seed=seed))
    return seconds, mlp.accuracy(model, digits.X_test, digits.y_test)


def playground_latency():
    """Seconds from a control change to a redrawn figure, for the widest settings."""
    X, y = data.make_moons(400, noise=0.2, seed=0)
    X_test, y_test = data.make_moons(5000, noise=0.2, seed=3)
    box = widgets.mlp_playground(X, y, X_test, y_test)
    activation, width = box.children[0].children
    depth, lr = box.children[1].children
    changes = [(width, 32), (depth, 4), (activation, "sigmoid"), (lr, 1.0), (depth, 2),
               (activation, "relu"), (width, 16)]
    return [timed(lambda: setattr(control, "value", value))[0] for control, value in changes]


def step_time(model, X, y, repeats: int = 200) -> float:
    """Median seconds of one forward + backward pass."""
    if isinstance(model, mlp.TorchMLP):
        def step():
            model.zero_grad()
            model(X, y)[1].backward()
    else:
        def step():
            model.forward(X, y)
            model.backward()
    return statistics.median(timeit.repeat(step, number=1, repeat=repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))

    moons = [moons_scratch(seed) for seed in range(args.repeat)]
    digits = [digits_torch(seed) for seed in range(args.repeat)]
    latency = [t for _ in range(args.repeat) for t in playground_latency()]
    ratios = {}
    for sizes, m in [([2, 32, 32, 2], 32), ([64, 128, 10], 256)]:
        rng = np.random.default_rng(0)
        X, y = rng.standard_normal((m, sizes[0])), rng.integers(0, sizes[-1], m)
        scratch = mlp.MLP(sizes, "tanh")
        twin = mlp.TorchMLP.from_numpy(scratch)
        t_np = step_time(scratch, X, y)
        t_torch = step_time(twin, torch.from_numpy(X), torch.from_numpy(y))
        ratios[f"{sizes} batch {m}"] = {"numpy_us": round(1e6 * t_np, 1),
                                        "torch_us": round(1e6 * t_torch, 1),
                                        "numpy_over_torch": round(t_np / t_torch, 2)}

    figures = {
        "moons_scratch_accuracy": [round(a, 4) for _, a in moons],
        "moons_scratch_train_s_median": round(statistics.median(t for t, _ in moons), 2),
        "moons_bayes_accuracy": round(float(np.mean(
            (data.moons_posterior(data.make_moons(20000, 0.2, seed=3)[0]) > 0.5)
            == data.make_moons(20000, 0.2, seed=3)[1])), 4),
        "digits_torch_accuracy": [round(a, 4) for _, a in digits],
        "digits_torch_train_s_median": round(statistics.median(t for t, _ in digits), 2),
        "playground_change_s_median": round(statistics.median(latency), 3),
        "playground_change_s_max": round(max(latency), 3),
        "forward_backward_step": ratios,
    }
    print(f"two moons, scratch NumPy MLP: accuracy {figures['moons_scratch_accuracy']} "
          f"(Bayes {figures['moons_bayes_accuracy']}), "
          f"training {figures['moons_scratch_train_s_median']} s (median)")
    print(f"digits, PyTorch MLP: accuracy {figures['digits_torch_accuracy']}, "
          f"training {figures['digits_torch_train_s_median']} s (median)")
    print(f"playground: {figures['playground_change_s_median']} s per change (median), "
          f"{figures['playground_change_s_max']} s at most")
    for name, r in ratios.items():
        print(f"forward+backward {name}: NumPy {r['numpy_us']} us, torch {r['torch_us']} us, "
              f"ratio {r['numpy_over_torch']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
