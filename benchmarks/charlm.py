"""Chapter 08's target: validation loss of a character model after a wall-clock budget.

Not a test. Trains ``charlm.CharLSTM`` on the first 90% of tiny Shakespeare for
``--seconds`` of training time, then scores it on the validation
split (the last 10%) under both protocols of the chapter: ``stateful``, the whole split
read with the state carried (``charlm.evaluate``), and ``windows``, nanoGPT's random
windows of 64 characters, each from a zero state (``charlm.evaluate_windows``).
``--repeat`` runs the recipe with seeds 0, 1, ... and reports medians. ``--ablation``
also runs one-change variants of the recipe, to show which choices matter;
``--scratch`` trains chapter 04's NumPy RNN as min-char-rnn does for the same budget.

The package's training loops take a number of updates, so that a run is reproducible
and its learning rate decays over a known length. The wall-clock budget is turned into
one here: each configuration first times 30 updates of a throwaway model, and the run
gets as many updates as that rate fits into the budget (``steps_for``).

    python -m benchmarks.charlm [--seconds 60] [--repeat 3] [--ablation] [--scratch]

Prints a table, then all figures as JSON on the last line. Quote medians of runs on an
otherwise idle machine: two trainings at once slow each other down.
"""
from __future__ import annotations

import argparse
import json
import statistics
import timeit

import torch

from dlbook import charlm, data, rnn

TARGET = {"stateful": 1.45, "windows": 1.50}   # nats per character after 60 s
RECIPE = {"hidden_size": 256, "embedding_size": 32, "seq_len": 32, "batch_size": 32,
          "lr": 1e-2, "stateful": False}
VARIANTS = {  # one change each, against the recipe
    "recipe": {},
    "stateful training": {"stateful": True},
    "lr 3e-3": {"lr": 3e-3},
    "seq_len 64": {"seq_len": 64},
    "batch 128": {"batch_size": 128},
    "hidden 384": {"hidden_size": 384},
}


def steps_for(seconds: float, train, probe: int = 30) -> int:
    """How many updates of ``train(steps)`` fit into ``seconds``, from a timed probe
    of ``probe`` updates (after one warm-up call)."""
    train(2)
    rate = probe / min(timeit.repeat(lambda: train(probe), number=1, repeat=2))
    return max(1, round(seconds * rate))


def run(config: dict, seconds: float, train_ids, val_ids, seed: int = 0) -> dict:
    def new_model():
        return charlm.CharLSTM(65, hidden_size=config["hidden_size"],
                               embedding_size=config["embedding_size"], seed=seed)

    def train(model, steps):
        return charlm.train_char_model(model, train_ids, steps=steps,
                                       seq_len=config["seq_len"],
                                       batch_size=config["batch_size"], lr=config["lr"],
                                       stateful=config["stateful"], seed=seed)

    steps = steps_for(seconds, lambda n: train(new_model(), n))
    model = new_model()
    trained = timeit.timeit(lambda: train(model, steps), number=1)
    return {"stateful": round(charlm.evaluate(model, val_ids), 4),
            "windows": round(charlm.evaluate_windows(model, val_ids), 4),
            "steps": steps, "train_seconds": round(trained, 1)}


def scratch(seconds: float, train_ids, val_ids) -> dict:
    """min-char-rnn's recipe (100 units, Adagrad at 0.1, 25-step windows, state carried)
    on 32 streams, for the same budget."""
    def train(model, steps):
        return charlm.train_min_char_rnn(model, train_ids, steps=steps)

    steps = steps_for(seconds, lambda n: train(rnn.RNN(65, 100, 65, seed=0), n))
    model = rnn.RNN(65, 100, 65, seed=0)
    trained = timeit.timeit(lambda: train(model, steps), number=1)
    return {"stateful": round(charlm.scratch_rnn_loss(model, val_ids), 4), "steps": steps,
            "train_seconds": round(trained, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="training budget")
    parser.add_argument("--repeat", type=int, default=3, help="seeds of the recipe")
    parser.add_argument("--ablation", action="store_true", help="also run the variants")
    parser.add_argument("--scratch", action="store_true",
                        help="also train the NumPy RNN for the same budget")
    args = parser.parse_args()
    train, val = data.load_shakespeare("train"), data.load_shakespeare("val")
    vocab = charlm.Vocab(train + val)
    train_ids, val_ids = vocab.encode(train), vocab.encode(val)

    recipe = [run(RECIPE, args.seconds, train_ids, val_ids, seed)
              for seed in range(args.repeat)]
    for seed, r in enumerate(recipe):
        print(f"recipe, seed {seed}: stateful {r['stateful']:.4f}, windows {r['windows']:.4f} "
              f"nats/char after {r['train_seconds']} s ({r['steps']} steps)")
    medians = {k: statistics.median(r[k] for r in recipe) for k in TARGET}
    met = {k: medians[k] <= TARGET[k] for k in TARGET}
    print(f"median of {args.repeat}: " + ", ".join(
        f"{k} {medians[k]:.4f} (target {TARGET[k]}: {'met' if met[k] else 'missed'})"
        for k in TARGET))

    variants = {}
    for name in list(VARIANTS)[1:] if args.ablation else []:
        variants[name] = run({**RECIPE, **VARIANTS[name]}, args.seconds, train_ids, val_ids)
        r = variants[name]
        print(f"{name:18s}: stateful {r['stateful']:.4f}, windows {r['windows']:.4f} "
              f"({r['steps']} steps)")
    numpy_rnn = scratch(args.seconds, train_ids, val_ids) if args.scratch else None
    if numpy_rnn:
        print(f"NumPy RNN (min-char-rnn): stateful {numpy_rnn['stateful']:.4f} after "
              f"{numpy_rnn['train_seconds']} s ({numpy_rnn['steps']} steps)")
    print(json.dumps({"seconds_budget": args.seconds, "torch_threads": torch.get_num_threads(),
                      "recipe": RECIPE, "runs": recipe, "median": medians, "target": TARGET,
                      "target_met": met, "variants": variants, "numpy_rnn": numpy_rnn}))


if __name__ == "__main__":
    main()
