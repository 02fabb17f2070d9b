"""Chapter 08's target: validation loss of a character LSTM after a wall-clock budget.

Not a test. Trains ``charlm.CharLSTM`` on the first 90% of tiny Shakespeare for
``--seconds`` of training time (evaluation excluded), then evaluates on the whole
validation split (the last 10%). ``--ablation`` also runs one-change variants of the
recipe, to show which choices matter.

    python benchmarks/charlm.py [--seconds 60] [--ablation]

Prints a table, then all figures as JSON on the last line.
"""
from __future__ import annotations

import argparse
import json

import torch

from dlbook import charlm, data

RECIPE = {"hidden_size": 256, "seq_len": 32, "batch_size": 32, "lr": 1e-2}
VARIANTS = {  # one change each, against the recipe
    "recipe": {},
    "lr 3e-3": {"lr": 3e-3},
    "seq_len 64": {"seq_len": 64},
    "batch 128": {"batch_size": 128},
    "hidden 512": {"hidden_size": 512},
}


def run(config: dict, seconds: float, train_ids, val_ids, seed: int = 0) -> dict:
    torch.manual_seed(seed)
    model = charlm.CharLSTM(65, hidden_size=config["hidden_size"])
    result = charlm.train_char_model(model, train_ids, seconds=seconds,
                                     seq_len=config["seq_len"],
                                     batch_size=config["batch_size"], lr=config["lr"],
                                     seed=seed, val_ids=val_ids, eval_every=seconds / 6)
    return {"val_loss": round(charlm.evaluate(model, val_ids), 4), "steps": result["steps"],
            "train_seconds": round(result["seconds"], 1), "curve": result["curve"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="training budget")
    parser.add_argument("--ablation", action="store_true", help="also run the variants")
    args = parser.parse_args()
    train, val = data.load_shakespeare("train"), data.load_shakespeare("val")
    vocab = charlm.Vocab(train + val)
    train_ids, val_ids = vocab.encode(train), vocab.encode(val)
    names = list(VARIANTS) if args.ablation else ["recipe"]
    results = {}
    for name in names:
        config = {**RECIPE, **VARIANTS[name]}
        results[name] = {**run(config, args.seconds, train_ids, val_ids), "config": config}
        r = results[name]
        print(f"{name:12s}: val {r['val_loss']:.4f} nats/char after {r['train_seconds']} s "
              f"({r['steps']} steps); curve {r['curve']}")
    print(json.dumps({"seconds_budget": args.seconds, "torch_threads": torch.get_num_threads(),
                      "results": results}))


if __name__ == "__main__":
    main()
