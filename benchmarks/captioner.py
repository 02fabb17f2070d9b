"""Chapter 11's figures: the miniature NeuralTalk over three seeds.

Not a test. For seeds 0-2: ``captioner.TorchCaptioner`` trained for ``--steps`` Adam
steps on fresh training scenes (batches of 64, none showing a held-out pair of digits),
then scored on two test sets made of MNIST's test digits, which no training scene
uses: 1,000 scenes of the pairs seen in training ("seen pairs") and 1,000 of the 20
held-out pairs ("new pairs"). Four captioners each: nearest-neighbour retrieval from
10,000 training scenes, by pixels and by the trained CNN's features, and the model
with greedy decoding and with beam search (beam 3). Exact match and corpus BLEU-4.

    python -m benchmarks.captioner [--steps N] [--seeds N] [--save PATH]

Prints a table, then the figures as JSON on the last line; ``--save`` also writes that
JSON (chapter 11 reads ``code/dlbook/assets/captioner.json``).
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from dlbook import captioner, data

TEST_SETS = {"seen pairs": False, "new pairs": True}


def scenes(split):
    """The training digits and the two test sets, shrunk to 14 x 14."""
    train_digits, test_digits = captioner.shrink(split.X_train), captioner.shrink(split.X_test)
    tests = {name: captioner.make_scenes(test_digits, split.y_test, 1000, held_out=held,
                                         seed=10 + i)
             for i, (name, held) in enumerate(TEST_SETS.items())}
    return train_digits, tests


def run(split, steps: int, seed: int) -> dict:
    train_digits, tests = scenes(split)
    model = captioner.TorchCaptioner(seed=seed)
    start = time.perf_counter()
    losses = captioner.train_captioner(model, train_digits, split.y_train, steps=steps,
                                       seed=seed)
    seconds = time.perf_counter() - start
    database = captioner.make_scenes(train_digits, split.y_train, 10_000, held_out=False,
                                     seed=100 + seed)
    model.eval()
    return {"seed": seed, "seconds": round(seconds, 2),
            "final_loss": round(statistics.mean(losses[-100:]), 4),
            "scores": {name: captioner.evaluate(model, test, database)
                       for name, test in tests.items()}}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--save", default=None)
    args = parser.parse_args(argv)
    split = data.load_mnist()
    runs = []
    for seed in range(args.seeds):
        runs.append(run(split, args.steps, seed))
        print(f"seed {seed}: {runs[-1]['seconds']:.1f} s, final loss "
              f"{runs[-1]['final_loss']:.3f}")
    print(f"{'captioner':24s}" + "".join(f"{name + ', exact':>20s}{'BLEU':>7s}"
                                          for name in TEST_SETS))
    medians = {}
    for method in runs[0]["scores"]["seen pairs"]:
        cells = ""
        for name in TEST_SETS:
            exact = statistics.median(r["scores"][name][method]["exact"] for r in runs)
            score = statistics.median(r["scores"][name][method]["bleu"] for r in runs)
            medians.setdefault(name, {})[method] = {"exact": exact, "bleu": score}
            cells += f"{exact:20.1%}{score:7.3f}"
        print(f"{method:24s}{cells}")
    result = {"steps": args.steps, "batch_size": 64, "threads": torch.get_num_threads(),
              "median_seconds": statistics.median(r["seconds"] for r in runs),
              "medians": medians, "runs": runs}
    if args.save:
        with open(args.save, "w", encoding="utf-8") as f:
            f.write(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
