"""Chapter 06's figures: modes captured and high-quality samples on the 8-Gaussian ring.

Not a test. Trains the chapter's recipe (``dlbook.gan_training.GANConfig()``) once per
seed and scores 2,500 samples with the VEEGAN/PacGAN metrics (high quality: within
3 standard deviations, 0.03, of the nearest centre). With ``--ablation`` it also trains
every row of ``gan_training.ABLATION`` (``--ablation-seeds`` seeds each).

    python benchmarks/gan_ring.py [--seeds 5] [--ablation] [--save FILE]
                                  [--save-generators FILE]

Prints one line per run, then all figures as JSON on the last line (and writes that
JSON to FILE with ``--save``; the chapter shows code/dlbook/assets/gan_ring.json,
written by ``--ablation --save code/dlbook/assets/gan_ring.json``, and loads the
generators of ``--save-generators code/dlbook/assets/ring_generators.pt``).
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from dlbook import gan_training

N_SAMPLES = 2500


def run(config: gan_training.GANConfig, seed: int, keep: dict | None = None,
        name: str = "") -> dict:
    start = time.perf_counter()
    trained = gan_training.train_gan(config, seed=seed)
    seconds = time.perf_counter() - start
    metrics = gan_training.ring_metrics(trained.sample(N_SAMPLES))
    if keep is not None and seed == 0:
        keep[name] = trained
    return {"seed": seed, "modes": metrics["modes"],
            "high_quality": round(metrics["high_quality"], 4),
            # no high-quality sample, no spread: null in the JSON
            "spread": round(metrics["spread"], 5) if metrics["modes"] else None,
            "min_count": min(metrics["counts"]),
            "seconds": round(seconds, 1)}


def summary(runs: list[dict]) -> dict:
    return {"runs": runs,
            "mean_modes": statistics.mean(r["modes"] for r in runs),
            "mean_high_quality": round(statistics.mean(r["high_quality"] for r in runs), 4),
            "median_seconds": round(statistics.median(r["seconds"] for r in runs), 1),
            "max_seconds": max(r["seconds"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="runs of the recipe")
    parser.add_argument("--ablation", action="store_true", help="also train every variant")
    parser.add_argument("--ablation-seeds", type=int, default=2)
    parser.add_argument("--save", type=Path, help="write the JSON figures to this file")
    parser.add_argument("--save-generators", type=Path,
                        help="with --ablation: store the seed-0 generators the chapter loads")
    args = parser.parse_args()
    torch.set_num_threads(2)

    keep = {}
    recipe = []
    for seed in range(args.seeds):
        recipe.append(run(gan_training.GANConfig(), seed, keep, "recipe"))
        print("recipe", recipe[-1], flush=True)
    figures = {"recipe": summary(recipe), "threads": torch.get_num_threads(),
               "n_samples": N_SAMPLES}
    if args.ablation:
        figures["ablation"] = {}
        for name, config in gan_training.ABLATION.items():
            if config == gan_training.GANConfig() and args.seeds >= args.ablation_seeds:
                runs = recipe[:args.ablation_seeds]      # the recipe row: already trained
                keep[name] = keep["recipe"]
            else:
                runs = [run(config, seed, keep, name) for seed in range(args.ablation_seeds)]
            figures["ablation"][name] = summary(runs)
            print(name, runs, flush=True)
    if args.save_generators:
        if not args.ablation:
            parser.error("--save-generators needs --ablation")
        gan_training.save_generators({short: keep[row] for short, row
                                      in gan_training.SHIPPED.items()}, args.save_generators)
    line = json.dumps(figures)
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(line + "\n")
    print(line)


if __name__ == "__main__":
    main()
