"""The book's GPT after a wall-clock budget, beside chapter 08's LSTM and nanoGPT's CPU
recipe, on the book's Shakespeare.

Not a test. For seeds 0, 1, ...: ``gpt.TorchGPT`` (``RECIPE``: its blocks' matrices
trained by Muon, the rest by AdamW; then the same recipe with AdamW alone) trained for
``--seconds`` of training time on the first 90% of tiny Shakespeare, and chapter 08's
LSTM recipe (``benchmarks.charlm``) for the same budget, each budget turned into a
number of updates by a timed probe (``benchmarks.charlm.steps_for``). Both are scored
on the validation split (the last 10%) under nanoGPT's protocol, ``windows``: 2,000
random windows of 64 characters, each read from an empty context, the loss averaged
over every position (the same windows for every model); and under each model's long
protocol, ``context``: the LSTM reads the split with its state carried, the GPT with
half a block of context at least (``gpt.evaluate_context``).

The Kneser-Ney 6-gram of chapter 08 is scored too: under the long protocol on the whole
split, and on the same windows, each read from an empty context (the first characters
of a window by the lower orders of the same counts, ``ngram_windows``).

With ``--nanogpt PATH`` (a checkout of karpathy/nanoGPT), its README's CPU recipe runs
too, with its own ``model.py`` and the loop of its ``train.py``: 4 layers, 4 heads, 128
channels, context 64, batch 12, 2,000 iterations, AdamW at 1e-3 with 100 warm-up
iterations and a cosine to 1e-4, no dropout, on the same split, scored on the same
windows. Without it, ``nanogpt_cpu`` is null.

    python -m benchmarks.gpt [--seconds 60] [--seeds 3] [--nanogpt PATH] [--save PATH]

Prints a table, then the figures as JSON on the last line (``gpt_60s``,
``gpt_adamw_60s``, ``lstm_60s``, ``ngram_windows`` and ``nanogpt_cpu``: medians over
seeds, nats per character, nanoGPT's protocol; ``shipped_w256``: the shipped model,
``gpt.load_shipped()``, on 2,000 windows of 256, and ``shipped_ngram_w256``: its
average with the 6-gram). ``--save`` also writes them to PATH (chapter 10 reads
``code/dlbook/assets/gpt_benchmark.json``).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import statistics
import sys
import timeit
from pathlib import Path

import numpy as np
import torch

from benchmarks.charlm import RECIPE as LSTM_RECIPE
from benchmarks.charlm import run as run_lstm
from benchmarks.charlm import steps_for
from dlbook import charlm, data, gpt, ngram

RECIPE = {"n_layer": 2, "n_head": 2, "n_embd": 128, "block_size": 64, "batch_size": 32,
          "lr": 7e-3, "muon_lr": 0.02}
NANOGPT_CPU = {"n_layer": 4, "n_head": 4, "n_embd": 128, "block_size": 64,
               "batch_size": 12, "max_iters": 2000, "lr": 1e-3, "min_lr": 1e-4,
               "warmup_iters": 100}
WINDOWS = {"seq_len": 64, "windows": 2000, "seed": 0}


def run_gpt(seconds: float, train_ids, val_ids, vocab_size: int, seed: int,
            muon_lr: float = RECIPE["muon_lr"]) -> dict:
    sizes = {k: RECIPE[k] for k in ("n_layer", "n_head", "n_embd", "block_size")}

    def train(model, steps):
        return gpt.train_gpt(model, train_ids, steps=steps,
                             batch_size=RECIPE["batch_size"], lr=RECIPE["lr"],
                             muon_lr=muon_lr, seed=seed)

    steps = steps_for(seconds, lambda n: train(gpt.TorchGPT(vocab_size, **sizes), n))
    model = gpt.TorchGPT(vocab_size, **sizes, seed=seed)
    trained = timeit.timeit(lambda: train(model, steps), number=1)
    return {"windows": round(gpt.evaluate_windows(model, val_ids, **WINDOWS), 4),
            "context": round(gpt.evaluate_context(model, val_ids), 4),
            "steps": steps, "train_seconds": round(trained, 1),
            "parameters": sum(p.numel() for p in model.parameters())}


def window_starts(val_ids, seq_len: int, windows: int = WINDOWS["windows"]) -> np.ndarray:
    """The random windows of nanoGPT's protocol, as ``gpt.evaluate_windows`` draws them."""
    return np.random.default_rng(WINDOWS["seed"]).integers(0, len(val_ids) - seq_len - 1,
                                                           windows)


def ngram_log_probs(train_ids, val_ids, vocab_size: int, starts, seq_len: int,
                    order: int = 6) -> np.ndarray:
    """log P(each next character) of the Kneser-Ney model on windows read from an empty
    context, (windows, seq_len): the character after t characters of a window is scored by
    the model of order min(t + 1, order), so that no count reaches outside the window."""
    text = val_ids[starts[:, None] + np.arange(seq_len + 1)].ravel()  # windows, end to end
    t = np.tile(np.arange(seq_len), len(starts))         # characters of context - 1
    target = np.arange(len(text)).reshape(len(starts), -1)[:, 1:].ravel()
    log_p = np.zeros(len(target))
    for n in range(2, order + 1):                        # an order n model reads n - 1
        chosen = np.minimum(t + 2, order) == n
        scores = ngram.KneserNey(train_ids, vocab_size, n).log_probs(text)
        log_p[chosen] = scores[target[chosen] - (n - 1)]
    return log_p.reshape(len(starts), seq_len)


@torch.no_grad()
def gpt_log_probs(model, val_ids, starts, seq_len: int, batch: int = 100) -> np.ndarray:
    """log P(each next character) of a GPT on the same windows, (windows, seq_len)."""
    rows = []
    for k in range(0, len(starts), batch):
        x, y = (torch.from_numpy(a) for a in gpt._windows(val_ids, starts[k:k + batch],
                                                           seq_len))
        log_p = torch.log_softmax(model(x)[0].double(), dim=-1)
        rows.append(log_p.gather(-1, y[..., None])[..., 0].numpy())
    return np.concatenate(rows)


def mixture(log_p_a, log_p_b) -> float:
    """Nats per character of the average of two models' probabilities (weights 1/2, fixed
    in advance, as chapter 08 averages its LSTM and 6-gram)."""
    return float(-np.mean(np.logaddexp(log_p_a, log_p_b) - np.log(2)))


def run_nanogpt(path: str, train_ids, val_ids, vocab_size: int, seed: int) -> dict:
    """nanoGPT's CPU recipe with its own model code and its train.py's loop."""
    spec = importlib.util.spec_from_file_location("nanogpt_model",
                                                  Path(path) / "model.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["nanogpt_model"] = module
    spec.loader.exec_module(module)
    r = NANOGPT_CPU
    torch.manual_seed(1337 + seed)     # nanoGPT seeds torch's global generator itself
    model = module.GPT(module.GPTConfig(block_size=r["block_size"], vocab_size=vocab_size,
                                        n_layer=r["n_layer"], n_head=r["n_head"],
                                        n_embd=r["n_embd"], dropout=0.0, bias=False))
    optimizer = model.configure_optimizers(0.1, r["lr"], (0.9, 0.99), "cpu")
    rng = np.random.default_rng(seed)

    def lr_at(it):                      # train.py's get_lr
        if it < r["warmup_iters"]:
            return r["lr"] * (it + 1) / (r["warmup_iters"] + 1)
        ratio = (it - r["warmup_iters"]) / (r["max_iters"] - r["warmup_iters"])
        return r["min_lr"] + 0.5 * (1 + math.cos(math.pi * ratio)) * (r["lr"] - r["min_lr"])

    def train():
        for it in range(r["max_iters"]):
            for group in optimizer.param_groups:
                group["lr"] = lr_at(it)
            starts = rng.integers(0, len(train_ids) - r["block_size"] - 1, r["batch_size"])
            x, y = (torch.from_numpy(a) for a in gpt._windows(train_ids, starts,
                                                               r["block_size"]))
            _, loss = model(x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()

    trained = timeit.timeit(train, number=1)
    model.eval()
    starts = window_starts(val_ids, WINDOWS["seq_len"])
    with torch.no_grad():
        losses = [model(*(torch.from_numpy(a) for a in gpt._windows(
            val_ids, starts[k:k + 200], WINDOWS["seq_len"])))[1].item()
            for k in range(0, len(starts), 200)]
    return {"windows": round(float(np.mean(losses)), 4), "steps": r["max_iters"],
            "train_seconds": round(trained, 1)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="training budget")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--nanogpt", default=None, help="path of a nanoGPT checkout")
    parser.add_argument("--save", default=None, help="where to write the figures")
    args = parser.parse_args(argv)
    train, val = data.load_shakespeare("train"), data.load_shakespeare("val")
    vocab = charlm.Vocab(train + val)
    train_ids, val_ids = vocab.encode(train), vocab.encode(val)
    runs = {"gpt": [], "gpt_adamw": [], "lstm": [], "nanogpt": []}
    for seed in range(args.seeds):
        runs["gpt"].append(run_gpt(args.seconds, train_ids, val_ids, len(vocab), seed))
        runs["gpt_adamw"].append(run_gpt(args.seconds, train_ids, val_ids, len(vocab),
                                         seed, muon_lr=0.0))
        lstm = run_lstm(LSTM_RECIPE, args.seconds, train_ids, val_ids, seed)
        runs["lstm"].append({"windows": lstm["windows"], "context": lstm["stateful"],
                             "steps": lstm["steps"], "train_seconds": lstm["train_seconds"]})
        if args.nanogpt:
            runs["nanogpt"].append(run_nanogpt(args.nanogpt, train_ids, val_ids,
                                               len(vocab), seed))
        for name, rs in runs.items():
            if rs:
                r = rs[-1]
                print(f"seed {seed}, {name:9s}: windows {r['windows']:.4f}"
                      + (f", context {r['context']:.4f}" if "context" in r else "")
                      + f" nats/char after {r['train_seconds']} s ({r['steps']} steps)")

    def median(name, key="windows"):
        return statistics.median(r[key] for r in runs[name]) if runs[name] else None

    shipped, _, _ = gpt.load_shipped()
    starts_64, starts_256 = window_starts(val_ids, 64), window_starts(val_ids, 256)
    ngram_256 = ngram_log_probs(train_ids, val_ids, len(vocab), starts_256, 256)
    shipped_256 = gpt_log_probs(shipped, val_ids, starts_256, 256)
    result = {"gpt_60s": median("gpt"), "gpt_adamw_60s": median("gpt_adamw"),
              "lstm_60s": median("lstm"),
              "nanogpt_cpu": median("nanogpt"),
              "shipped_w256": round(float(-shipped_256.mean()), 4),
              "shipped_ngram_w256": round(mixture(shipped_256, ngram_256), 4),
              "ngram_w256": round(float(-ngram_256.mean()), 4),
              "ngram_windows": round(float(-ngram_log_probs(
                  train_ids, val_ids, len(vocab), starts_64, 64).mean()), 4),
              "ngram_context": round(ngram.kneser_ney_loss(train_ids, val_ids, len(vocab),
                                                           6), 4),
              "gpt_context": median("gpt", "context"),
              "gpt_adamw_context": median("gpt_adamw", "context"),
              "lstm_context": median("lstm", "context"),
              "seconds_budget": args.seconds, "torch_threads": torch.get_num_threads(),
              "recipe": RECIPE, "lstm_recipe": LSTM_RECIPE, "nanogpt_recipe": NANOGPT_CPU,
              "runs": runs}
    print(f"medians of {args.seeds} seeds, nanoGPT's protocol (windows of 64): GPT "
          f"{result['gpt_60s']:.4f} (AdamW alone {result['gpt_adamw_60s']:.4f}), "
          f"LSTM {result['lstm_60s']:.4f}, nanoGPT's CPU recipe "
          + (f"{result['nanogpt_cpu']:.4f}" if result["nanogpt_cpu"] else "not run"))
    if args.save:
        Path(args.save).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
