"""The convolution's two NumPy versions against PyTorch's: how much im2col buys.

Not a test. Medians of several runs, forward and backward of one 3x3 convolution layer
(float64, one thread) on a batch of small images, for the loop version (the definition,
for reading), the im2col version and ``torch.nn.functional.conv2d``; the loop version
runs on fewer images, and its time is scaled to the batch.

    python -m benchmarks.conv [--repeat N] [--batch N]

Prints a table, then the figures as JSON on the last line.
"""
from __future__ import annotations

import argparse
import json
import statistics
import timeit

import numpy as np
import torch
import torch.nn.functional as F

from dlbook import conv


def median_seconds(fn, repeat: int) -> float:
    return statistics.median(timeit.repeat(fn, number=1, repeat=repeat))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    N, C, H, C_out, loop_N = args.batch, 3, 28, 16, 2
    x, w, b = (rng.standard_normal((N, C, H, H)), rng.standard_normal((C_out, C, 3, 3)),
               rng.standard_normal(C_out))
    G = rng.standard_normal((N, C_out, H, H))

    def im2col_pass():
        y, cache = conv.conv2d_forward(x, w, b, stride=1, padding=1)
        conv.conv2d_backward(G, cache)

    def loop_pass():
        conv.conv2d_forward_loop(x[:loop_N], w, b, stride=1, padding=1)
        conv.conv2d_backward_loop(G[:loop_N], x[:loop_N], w, stride=1, padding=1)

    x_t, w_t, b_t = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    G_t = torch.from_numpy(G)

    def torch_pass():
        for t in (x_t, w_t, b_t):
            t.grad = None
        (F.conv2d(x_t, w_t, b_t, padding=1) * G_t).sum().backward()

    seconds = {"loop": median_seconds(loop_pass, max(3, args.repeat // 2)) * N / loop_N,
               "im2col": median_seconds(im2col_pass, args.repeat),
               "torch": median_seconds(torch_pass, args.repeat)}
    print(f"forward + backward, {N} images of {C}x{H}x{H}, {C_out} kernels of 3x3, "
          "padding 1, float64, one thread:")
    for name, s in seconds.items():
        print(f"  {name:7s} {1000 * s:9.1f} ms   ({s / seconds['torch']:6.1f} x torch)")
    result = {"images": N, "seconds": {k: round(v, 4) for k, v in seconds.items()},
              "loop_over_im2col": round(seconds["loop"] / seconds["im2col"], 1),
              "im2col_over_torch": round(seconds["im2col"] / seconds["torch"], 1)}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
