"""Chapter 09's figures: the NumPy convolution against PyTorch's, and the small CNN
against chapter 03's MLP on the shipped MNIST digits.

Not a test. Two parts:

1. Speed, for the chapter's two convolution layers (a batch of 64 images; 1 -> 8 and
   8 -> 16 channels, 5x5 kernels, padding 2): medians of several runs of the forward
   plus backward pass of ``conv.conv2d_forward`` / ``conv2d_backward`` (im2col, NumPy,
   float64) and of ``torch.nn.functional.conv2d`` with autograd, in float64 and
   float32, with the same number of threads.
2. Accuracy, for seeds 0-2: ``cnn.TorchCNN`` trained for ``--epochs`` epochs, and two
   ``mlp.TorchMLP`` trained for the same wall-clock time (whole epochs until the CNN's
   time is reached): one with the CNN's parameter count (784-14-10, 11,140 parameters
   against the CNN's 11,274) and one seven times larger (784-100-10). Adam, batches of
   64, held-out accuracy on the 2,000 shipped test digits.

    python -m benchmarks.cnn [--repeat N] [--epochs N] [--seeds N] [--save PATH]

Prints tables, then the figures as JSON on the last line; ``--save`` also writes that
JSON (chapter 09 reads ``code/dlbook/assets/cnn_vs_mlp.json``).
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
import timeit

import numpy as np
import torch
import torch.nn.functional as F

from dlbook import cnn, conv, data, mlp, training

LAYERS = {"conv1": (1, 28, 8), "conv2": (8, 14, 16)}     # C_in, H, C_out; 5x5, pad 2
MLP_HIDDEN = {"mlp_equal_parameters": 14, "mlp_7x_parameters": 100}


def median_seconds(fn, repeat: int) -> float:
    return statistics.median(timeit.repeat(fn, number=1, repeat=repeat))


def conv_speed(batch: int, repeat: int) -> dict:
    """Forward plus backward of each layer: NumPy im2col and torch (float64, float32)."""
    rng = np.random.default_rng(0)
    seconds = {"numpy": 0.0, "torch_float64": 0.0, "torch_float32": 0.0}
    for C_in, H, C_out in LAYERS.values():
        x, w, b = (rng.standard_normal((batch, C_in, H, H)),
                   rng.standard_normal((C_out, C_in, 5, 5)), rng.standard_normal(C_out))
        G = rng.standard_normal((batch, C_out, H, H))

        def numpy_pass():
            conv.conv2d_backward(G, conv.conv2d_forward(x, w, b, padding=2)[1])

        seconds["numpy"] += median_seconds(numpy_pass, repeat)
        for dtype in (torch.float64, torch.float32):
            x_t, w_t, b_t = (torch.tensor(a, dtype=dtype, requires_grad=True)
                             for a in (x, w, b))
            G_t = torch.tensor(G, dtype=dtype)

            def torch_pass():
                for t in (x_t, w_t, b_t):
                    t.grad = None
                (F.conv2d(x_t, w_t, b_t, padding=2) * G_t).sum().backward()

            seconds[f"torch_{str(dtype).split('.')[-1]}"] += median_seconds(torch_pass,
                                                                            repeat)
    return seconds


def train_cnn(split, epochs: int, seed: int) -> tuple[float, float]:
    model = cnn.TorchCNN(seed=seed)
    start = time.perf_counter()
    training.fit(model, split.X_train, split.y_train, epochs=epochs, lr=2e-3,
                 batch_size=64, seed=seed)
    seconds = time.perf_counter() - start
    return cnn.accuracy(model, split.X_test, split.y_test), seconds


def train_mlp_for(split, hidden: int, budget: float, seed: int) -> tuple[float, float, int]:
    """Whole epochs of an MLP until ``budget`` seconds have passed."""
    model = mlp.TorchMLP([784, hidden, 10], activation="relu", seed=seed)
    X = split.X_train.reshape(len(split.X_train), -1)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    X_t, y_t = torch.tensor(X, dtype=torch.float32), torch.from_numpy(split.y_train)
    generator, epochs, start = torch.manual_seed(seed), 0, time.perf_counter()
    while time.perf_counter() - start < budget:
        for idx in training.minibatches(len(X), 64, generator):
            training.update(optimizer, model(X_t[idx], y_t[idx])[1])
        epochs += 1
    seconds = time.perf_counter() - start
    accuracy = mlp.accuracy(model, split.X_test.reshape(len(split.X_test), -1),
                            split.y_test)
    return accuracy, seconds, epochs


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--save", default=None)
    args = parser.parse_args(argv)
    threads = torch.get_num_threads()

    seconds = conv_speed(args.batch, args.repeat)
    print(f"forward + backward of the chapter's two convolution layers, {args.batch} "
          f"images, {threads} torch threads:")
    for name, s in seconds.items():
        print(f"  {name:14s} {1000 * s:8.1f} ms   ({s / seconds['torch_float64']:5.2f} x "
              "torch float64)")

    split = data.load_mnist()
    runs = []
    for seed in range(args.seeds):
        acc, secs = train_cnn(split, args.epochs, seed)
        run = {"seed": seed, "cnn": {"accuracy": acc, "seconds": round(secs, 2),
                                     "epochs": args.epochs}}
        for name, hidden in MLP_HIDDEN.items():
            acc, secs_mlp, epochs = train_mlp_for(split, hidden, secs, seed)
            run[name] = {"accuracy": acc, "seconds": round(secs_mlp, 2), "epochs": epochs}
        runs.append(run)
        print(f"seed {seed}: " + ", ".join(f"{k} {v['accuracy']:.2%} ({v['epochs']} epochs, "
                                           f"{v['seconds']:.1f} s)"
                                           for k, v in run.items() if k != "seed"))

    def median(model):
        return statistics.median(r[model]["accuracy"] for r in runs)

    parameters = {"cnn": cnn.count_parameters(),
                  **{k: 795 * h + 10 for k, h in MLP_HIDDEN.items()}}
    result = {"conv_vs_torch": round(seconds["numpy"] / seconds["torch_float64"], 2),
              "conv_vs_torch_float32": round(seconds["numpy"] / seconds["torch_float32"],
                                             2),
              "conv_seconds": {k: round(v, 4) for k, v in seconds.items()},
              "cnn_accuracy": median("cnn"), "mlp_accuracy": median("mlp_equal_parameters"),
              "mlp_7x_accuracy": median("mlp_7x_parameters"), "parameters": parameters,
              "threads": threads, "train_images": len(split.X_train),
              "test_images": len(split.X_test), "runs": runs}
    line = json.dumps(result)
    if args.save:
        with open(args.save, "w", encoding="utf-8") as f:
            f.write(json.dumps(result, indent=1) + "\n")
    print(line)
    return result


if __name__ == "__main__":
    main()
