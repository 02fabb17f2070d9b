"""Train the character model that chapters 08 and 10 load: the book's GPT at the size
a 45-minute budget on 2 CPU cores allows, with a context of 256 characters.

Not a test. ``--seconds`` of training (turned into a number of updates by a timed probe,
``benchmarks.charlm.steps_for``; ``--steps`` fixes it instead) on the first 90% of tiny
Shakespeare, then the validation loss under nanoGPT's protocol with windows of 256
(2,000 random windows, each read from an empty context, the loss averaged over every
position). A validation curve (200 windows of 256, the same ones each time) is kept every
``--every`` updates, and the weights of its best point are the ones kept, as nanoGPT's
``train.py`` keeps the checkpoint of its best validation loss. With ``--save PATH`` those
float32 weights, under the NumPy model's names, go to PATH with the configuration, the
vocabulary and the figures; ``gpt.load_shipped()`` reads them back.

Without dropout this model overfits the text: with AdamW alone and no dropout, 4,744
updates reached their best check, 1.51 nats/char, near update 3,000 and ended at 1.55
with a training loss of 1.04. The recipe therefore trains with dropout 0.1 (nanoGPT uses
0.2 for its larger model), and trains the blocks' matrices by Muon, which learns faster
per update; its validation loss then fell at every check but the last.

More updates alone do not help. A run that made each update 1.9 times as fast (the
products in bfloat16 under ``torch.autocast``, on a CPU with AMX; dropout on the
residual branches only, since dropping attention weights sends torch's attention from
its fused kernel to one that builds every (T, T) matrix) made 9,602 updates, the probe's
count for the same 42 minutes (they took 45), but overfit: its best check was at update
6,750, its training loss ended at 1.12, and it scored 1.4676 on the 2,000 windows
against the shipped model's 1.4566. Nor did more regularisation on that faster path:
dropout 0.2 on the residual branches and an exponential moving average of the weights
(decay 0.998; at each check the better of the average and the weights themselves kept)
made 8,175 updates in 51 minutes, and its best check (the average, at update 7,750)
scored 1.4631. What the faster path gives up, the shipped recipe's dropout on the
attention weights, seems to matter more than the extra updates.

The shipped model is the output of

    python -m benchmarks.shipped_gpt --every 250 --save PATH

Prints the curve as it goes, then the figures as JSON on the last line.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from benchmarks.charlm import steps_for
from dlbook import charlm, data, gpt

RECIPE = {"n_layer": 4, "n_head": 4, "n_embd": 192, "block_size": 256, "dropout": 0.1,
          "batch_size": 16, "lr": 2e-3, "muon_lr": 0.02, "warmup": 100, "seed": 0}
SIZES = ("n_layer", "n_head", "n_embd", "block_size", "dropout")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2520.0, help="training budget")
    parser.add_argument("--steps", type=int, default=None, help="updates (no probe)")
    parser.add_argument("--every", type=int, default=250, help="updates between checks")
    parser.add_argument("--save", default=None, help="where to write the weights")
    args = parser.parse_args(argv)
    train, val = data.load_shakespeare("train"), data.load_shakespeare("val")
    vocab = charlm.Vocab(train + val)
    train_ids, val_ids = vocab.encode(train), vocab.encode(val)
    r = RECIPE
    sizes = {k: r[k] for k in SIZES}

    def train_for(model, steps, on_step=None):
        return gpt.train_gpt(model, train_ids, steps=steps, batch_size=r["batch_size"],
                             lr=r["lr"], muon_lr=r["muon_lr"], warmup=r["warmup"],
                             seed=r["seed"], on_step=on_step)

    steps = args.steps or steps_for(
        args.seconds, lambda n: train_for(gpt.TorchGPT(len(vocab), **sizes), n))
    model = gpt.TorchGPT(len(vocab), **sizes, seed=r["seed"])
    curve, best, start = [], {}, time.perf_counter()

    def check(step):
        if step % args.every == 0 or step == steps:
            elapsed = time.perf_counter() - start
            loss = gpt.evaluate_windows(model, val_ids, seq_len=256, windows=200)
            curve.append({"step": step, "seconds": round(elapsed, 1),
                          "val_w256": round(loss, 4)})
            print(f"step {step}/{steps}, {elapsed:.0f} s: validation {loss:.4f}",
                  flush=True)
            if loss < best.get("loss", float("inf")):
                best.update(loss=loss, step=step, weights={
                    k: v.detach().clone() for k, v in model.state_dict().items()})

    losses = train_for(model, steps, check)
    trained = time.perf_counter() - start
    model.load_state_dict(best["weights"])
    result = {"best_step": best["step"],
              "val_w256": round(gpt.evaluate_windows(model, val_ids, seq_len=256), 4),
              "val_w64": round(gpt.evaluate_windows(model, val_ids, seq_len=64), 4),
              "train_loss_last_100": round(sum(losses[-100:]) / len(losses[-100:]), 4),
              "steps": steps, "train_seconds": round(trained, 1),
              "parameters": sum(p.numel() for p in model.parameters()),
              "torch_threads": torch.get_num_threads(), "recipe": r, "curve": curve}
    if args.save:
        torch.save({"config": model.config, "chars": "".join(vocab.chars),
                    "weights": {k: v.detach().clone() for k, v in model._named().items()},
                    "result": result}, args.save)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
