"""Chapter 06's figures: modes captured and high-quality samples on the ring and the grid.

Not a test. Trains the chapter's recipe (``dlbook.gan_torch.GANConfig()``) and the
WGAN-GP baseline (``gan_torch.WGAN_GP``) once per seed on each benchmark mixture
(``gan_torch.BENCHMARKS``: 8 Gaussians on a ring, 25 on a 5 x 5 grid) and scores
2,500 samples with the VEEGAN/PacGAN metrics (high quality: within 3 standard deviations
of the nearest centre). Seed 0 of every row also records its losses beside its sample
quality at 24 points (``gan_torch.quality_history``). With ``--ablation`` it also
trains every row of ``gan_torch.ABLATION[benchmark]`` (``--ablation-seeds`` seeds).
With ``--own-data SEEDS`` it trains the recipe through the path for a reader's own data
(``train_gan(data=array)``) on the grid drawn once and on a ring whose modes are
weighted 1 to 8 (``--data`` with no name skips the benchmarks themselves).

    python -m benchmarks.gan_modes [--data ring grid] [--seeds 5] [--ablation]
                                   [--own-data 3] [--save FILE] [--save-generators FILE]

Prints one line per run, then all figures as JSON on the last line (and writes that
JSON to FILE with ``--save``, keeping what FILE holds for benchmarks not in ``--data``;
``--save-generators`` likewise). The chapter shows code/dlbook/assets/gan_modes.json,
written by ``--ablation --save code/dlbook/assets/gan_modes.json``, and loads the
generators of ``--save-generators code/dlbook/assets/gan_generators.pt``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from dlbook import data, gan_torch

N_SAMPLES = 2500
HISTORY_POINTS = 24


def run(config: gan_torch.GANConfig, benchmark: str, seed: int) -> tuple[dict, object]:
    """Train and score one run; seed 0 keeps its loss and quality history."""
    every = max(1, config.steps // HISTORY_POINTS) if seed == 0 else 0
    start = time.perf_counter()
    trained = gan_torch.train_gan(config, data=benchmark, seed=seed,
                                  snapshot_every=every, n_snapshot=N_SAMPLES)
    seconds = time.perf_counter() - start
    metrics = gan_torch.mode_metrics(trained.sample(N_SAMPLES), benchmark)
    row = {"seed": seed, "modes": metrics["modes"],
           "high_quality": round(metrics["high_quality"], 4),
           # no high-quality sample, no spread: null in the JSON
           "spread": round(metrics["spread"], 5) if metrics["modes"] else None,
           "min_count": min(metrics["counts"]),
           "seconds": round(seconds, 1)}
    if every:
        row["history"] = gan_torch.quality_history(trained, benchmark)
    return row, trained


def summary(runs: list[dict]) -> dict:
    return {"runs": runs,
            "mean_modes": statistics.mean(r["modes"] for r in runs),
            "mean_high_quality": round(statistics.mean(r["high_quality"] for r in runs), 4),
            "min_high_quality": min(r["high_quality"] for r in runs),
            "median_seconds": round(statistics.median(r["seconds"] for r in runs), 1),
            "max_seconds": max(r["seconds"] for r in runs)}


def train_rows(rows: dict, benchmark: str, seeds: int, done: dict, keep: dict) -> dict:
    """Every row for ``seeds`` seeds; a row whose config was already trained (in
    ``done``, name -> (config, runs)) reuses those runs. Seed-0 models go to ``keep``."""
    figures = {}
    for name, config in rows.items():
        trained_before = [(earlier, runs) for earlier, (c, runs) in done.items()
                          if c == config and len(runs) >= seeds]
        if trained_before:
            earlier, runs = trained_before[0]
            runs = runs[:seeds]
            keep[(benchmark, name)] = keep[(benchmark, earlier)]
        else:
            runs = []
            for seed in range(seeds):
                row, model = run(config, benchmark, seed)
                runs.append(row)
                if seed == 0:
                    keep[(benchmark, name)] = model
                print(benchmark, name, {k: v for k, v in row.items() if k != "history"},
                      flush=True)
            done[name] = (config, runs)
        figures[name] = summary(runs)
    return figures


def own_data_sets(n: int = 10_000) -> dict:
    """Data a reader might bring, as arrays for ``train_gan(data=...)``: the grid drawn
    once (the benchmark, through the reader's path), and a ring whose eight modes hold
    1/36, 2/36, ..., 8/36 of the samples. name -> (X, centres, std, weights)."""
    centres, std = gan_torch.BENCHMARKS["grid"]
    k = np.random.default_rng(0).integers(0, len(centres), n)
    grid = centres[k] + std * np.random.default_rng(1).standard_normal((n, 2))
    weights = np.arange(1, 9) / 36
    ring, _ = data.make_ring(n, std=gan_torch.RING_STD, weights=weights, seed=0)
    return {"grid, as an array": (grid, centres, std, np.full(25, 1 / 25)),
            "ring, modes weighted 1 to 8": (ring, data.ring_centres(), gan_torch.RING_STD,
                                            weights)}


def own_data_rows(seeds: int) -> dict:
    """The recipe through ``train_gan(data=array)``: modes, high quality, and how far
    the share of samples on each mode is from the data's."""
    figures = {}
    for name, (X, centres, std, weights) in own_data_sets().items():
        runs = []
        for seed in range(seeds):
            start = time.perf_counter()
            run = gan_torch.train_gan(gan_torch.GANConfig(), data=X, seed=seed)
            m = gan_torch.ring_metrics(run.sample(N_SAMPLES), centres, std)
            shares = np.array(m["counts"]) / max(1, sum(m["counts"]))
            runs.append({"seed": seed, "modes": m["modes"],
                         "high_quality": round(m["high_quality"], 4),
                         "worst_share_error": round(float(np.abs(shares - weights).max()), 4),
                         "shares": [round(float(v), 4) for v in shares],
                         "seconds": round(time.perf_counter() - start, 1)})
            print(f"{name}, seed {seed}: {m['modes']} modes, "
                  f"{m['high_quality']:.1%} high quality", flush=True)
        figures[name] = {"weights": [round(float(w), 4) for w in weights], "runs": runs}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="*", default=list(gan_torch.BENCHMARKS),
                        choices=list(gan_torch.BENCHMARKS))
    parser.add_argument("--seeds", type=int, default=5, help="runs of the recipe and WGAN-GP")
    parser.add_argument("--ablation", action="store_true", help="also train every variant")
    parser.add_argument("--ablation-seeds", type=int, default=2)
    parser.add_argument("--own-data", type=int, default=0, metavar="SEEDS",
                        help="also run the recipe through the array path on data a "
                        "reader might bring, with this many seeds")
    parser.add_argument("--save", type=Path, help="write the JSON figures to this file")
    parser.add_argument("--save-generators", type=Path,
                        help="with --ablation: store the seed-0 generators the chapter loads")
    args = parser.parse_args()
    if args.save_generators and not args.ablation:
        parser.error("--save-generators needs --ablation")
    torch.set_num_threads(2)

    figures = {"threads": torch.get_num_threads(), "n_samples": N_SAMPLES}
    keep = {}
    for benchmark in args.data:
        done = {}
        figures[benchmark] = train_rows(gan_torch.COMPARISON, benchmark, args.seeds,
                                        done, keep)
        if args.ablation:
            figures[benchmark]["ablation"] = train_rows(
                gan_torch.ABLATION[benchmark], benchmark, args.ablation_seeds, done, keep)
    if args.own_data:
        figures["own_data"] = own_data_rows(args.own_data)
    if args.save_generators:
        gan_torch.save_generators({short: (benchmark, keep[(benchmark, name)])
                                      for short, (benchmark, name)
                                      in gan_torch.SHIPPED.items()
                                      if benchmark in args.data},
                                     args.save_generators, update=True)
    line = json.dumps(figures)
    if args.save:
        if args.save.exists():     # keep the benchmarks this run did not train
            figures = json.loads(args.save.read_text()) | figures
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(figures) + "\n")
    print(line)


if __name__ == "__main__":
    main()
