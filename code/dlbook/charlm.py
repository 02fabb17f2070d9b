"""Character-level language models of tiny Shakespeare (chapter 08).

Baselines that count (unigram, bigram), the chapter-04 NumPy RNN trained on characters
in the spirit of Karpathy's min-char-rnn, and a PyTorch LSTM, the model of his char-rnn.
Losses are in nats per character on the validation split (the last 10% of the file),
evaluated on all of it. ``train_char_model`` trains for a wall-clock budget, because on
a CPU the number of updates per second, not the width, is what limits a one-minute run.

Device convention: every function runs on the device of the model's parameters, moves
its inputs there, and hands back NumPy arrays, floats or strings.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch

from ._checks import check_float, check_int
from .rnn import RNN, clip_gradients
from .training import sgd_step, update
from .utils import numpy_rng, torch_generator


class Vocab:
    """The characters of a text, sorted; ``encode`` and ``decode`` are inverses."""

    def __init__(self, text: str):
        if not text:
            raise ValueError("cannot build a vocabulary from an empty text")
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        unknown = set(text) - set(self.index)
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {sorted(unknown)!r}")
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


def unigram_loss(train_ids, val_ids, vocab_size: int, alpha: float = 1.0) -> float:
    """Nats per character of add-``alpha`` character frequencies, on the validation ids."""
    counts = np.bincount(train_ids, minlength=vocab_size) + alpha
    return float(-np.mean(np.log(counts / counts.sum())[val_ids]))


def bigram_loss(train_ids, val_ids, vocab_size: int, alpha: float = 1.0) -> float:
    """Nats per character of add-``alpha`` next-character counts given the previous one."""
    counts = np.full((vocab_size, vocab_size), alpha)
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
    log_p = np.log(counts / counts.sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[val_ids[:-1], val_ids[1:]]))


class CharLSTM(torch.nn.Module):
    """Embedding, one LSTM layer, and a linear readout to next-character logits."""

    def __init__(self, vocab_size: int, hidden_size: int = 256, embedding_size: int = 32):
        super().__init__()
        check_int("vocab_size", vocab_size, minimum=2)
        check_int("hidden_size", hidden_size, minimum=1)
        check_int("embedding_size", embedding_size, minimum=1)
        self.embed = torch.nn.Embedding(vocab_size, embedding_size)
        self.lstm = torch.nn.LSTM(embedding_size, hidden_size)
        self.out = torch.nn.Linear(hidden_size, vocab_size)

    def run(self, idx: torch.Tensor, state=None):
        """idx: (T, B) character ids -> logits (T, B, vocab) and the final (h, c), for
        reading a text in chunks (evaluation, sampling) with the state carried along."""
        H, state = self.lstm(self.embed(idx), state)                # (T, B, hidden)
        return self.out(H), state

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        """The book's interface: logits (T, B, vocab) and, given the next characters
        (T, B), their mean cross-entropy. Every call starts from a zero state, as
        training on independent windows does."""
        logits, _ = self.run(idx)
        if targets is None:
            return logits, None
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                 targets.reshape(-1))
        return logits, loss


def _windows(ids: np.ndarray, starts: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    rows = starts[None, :] + np.arange(length)[:, None]          # (T, B) positions
    return ids[rows], ids[rows + 1]                               # inputs, next characters


def train_char_model(model: CharLSTM, train_ids, *, seconds: float | None = None,
                     steps: int | None = None, seq_len: int = 32, batch_size: int = 32,
                     lr: float = 1e-2, seed: int = 0, val_ids=None,
                     eval_every: float | None = None) -> dict:
    """Adam on random windows, the learning rate decayed linearly to 5% over the budget.

    The budget is either wall-clock ``seconds`` of training (the benchmark's measure) or
    a fixed number of ``steps`` (reproducible, for the chapter). Returns steps, seconds
    and, if ``val_ids`` and ``eval_every`` (seconds) are given, the validation loss
    against elapsed training seconds (evaluation time excluded).
    """
    if (seconds is None) == (steps is None):
        raise ValueError("give exactly one budget: seconds or steps")
    if seconds is not None:
        seconds = check_float("seconds", seconds, minimum=0.0, strict=True)
    else:
        steps = check_int("steps", steps, minimum=1)
    seq_len = check_int("seq_len", seq_len, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict=True)
    train_ids = np.asarray(train_ids)
    rng = numpy_rng(seed)
    device = _device(model)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    curve, done, trained, next_eval = [], 0, 0.0, eval_every
    while (trained < seconds) if steps is None else (done < steps):
        start = time.perf_counter()
        progress = trained / seconds if steps is None else done / steps
        for group in opt.param_groups:          # linear decay to 5% over the budget
            group["lr"] = lr * (1.0 - 0.95 * progress)
        x, y = _windows(train_ids, rng.integers(0, len(train_ids) - seq_len - 1, batch_size),
                        seq_len)
        _, loss = model(torch.from_numpy(x).to(device), torch.from_numpy(y).to(device))
        update(opt, loss, clip=1.0)
        done += 1
        trained += time.perf_counter() - start
        if val_ids is not None and eval_every and trained >= next_eval:
            curve.append((round(trained, 2), evaluate(model, val_ids)))
            next_eval += eval_every
    return {"steps": done, "seconds": trained, "curve": curve}


@torch.no_grad()
def evaluate(model: CharLSTM, ids, streams: int = 100, chunk: int = 200) -> float:
    """Nats per character over all of ``ids``: ``streams`` parallel slices, each read
    from its start with the state carried across chunks."""
    model.eval()
    ids = torch.as_tensor(np.asarray(ids), device=_device(model))
    n = (len(ids) - 1) // streams * streams
    x = ids[:n].view(streams, -1).T                                 # (T, streams)
    y = ids[1:n + 1].view(streams, -1).T
    total, state = 0.0, None
    for k in range(0, x.shape[0], chunk):
        logits, state = model.run(x[k:k + chunk], state)
        total = total + torch.nn.functional.cross_entropy(    # summed on the device
            logits.reshape(-1, logits.shape[-1]), y[k:k + chunk].reshape(-1),
            reduction="sum")
    model.train()
    return float(total) / x.numel()


def _check_sampling(prime: str, length: int, temperature: float) -> None:
    check_float("temperature", temperature, minimum=0.0, strict=True)
    check_int("length", length, minimum=0)
    if not prime:
        raise ValueError("prime must contain at least one character")


@torch.no_grad()
def sample(model: CharLSTM, vocab: Vocab, prime: str, length: int, *,
           temperature: float = 1.0, seed: int = 0) -> str:
    """Continue ``prime`` by ``length`` characters drawn from softmax(logits / temperature).

    Low temperatures sharpen the distribution towards the likeliest character; high ones
    flatten it. The draws are made on the CPU from ``seed``, so a model gives the same
    text on every device.
    """
    _check_sampling(prime, length, temperature)
    generator = torch_generator(seed)
    device = _device(model)
    prime_ids = torch.from_numpy(vocab.encode(prime))[:, None].to(device)   # (T, 1)
    logits, state = model.run(prime_ids)                     # read the prime
    out = []
    for _ in range(length):
        probs = torch.softmax(logits[-1, 0] / temperature, dim=-1).cpu()
        nxt = torch.multinomial(probs, 1, generator=generator)
        out.append(int(nxt))
        logits, state = model.run(nxt[:, None].to(device), state)   # feed it back in
    return prime + vocab.decode(out)


@torch.no_grad()
def cell_states(model: CharLSTM, vocab: Vocab, text: str) -> np.ndarray:
    """The LSTM's cell state c_t after each character of ``text``: (len(text), hidden),
    from the top layer if there are several."""
    ids = torch.from_numpy(vocab.encode(text)).to(_device(model))
    state, states = None, []
    for i in ids:
        _, state = model.lstm(model.embed(i.reshape(1, 1)), state)
        states.append(state[1][-1, 0])
    return torch.stack(states).cpu().numpy()


def train_scratch_rnn(model: RNN, train_ids, *, steps: int, seq_len: int = 25,
                      batch_size: int = 32, lr: float = 0.1, clip: float = 5.0,
                      seed: int = 0) -> list[float]:
    """Chapter 04's NumPy RNN as a character model: one-hot inputs, BPTT over windows of
    ``seq_len`` characters, SGD with clipping (min-char-rnn's sizes by default)."""
    steps = check_int("steps", steps, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict=True)
    K = model.sizes[2]
    rng = numpy_rng(seed)
    train_ids = np.asarray(train_ids)
    losses = []
    for _ in range(steps):
        x, y = _windows(train_ids, rng.integers(0, len(train_ids) - seq_len - 1, batch_size),
                        seq_len)
        _, J = model.forward(np.eye(K)[x], y)                       # one-hot: (T, B, K)
        grads = model.backward()
        clip_gradients(grads, clip)
        sgd_step(model.params, grads, lr)
        losses.append(J)
    return losses


def scratch_rnn_loss(model: RNN, ids, streams: int = 100) -> float:
    """Nats per character of the NumPy RNN over all of ``ids``, state carried along."""
    ids = np.asarray(ids)
    K = model.sizes[2]
    n = (len(ids) - 1) // streams * streams
    x, y = ids[:n].reshape(streams, -1).T, ids[1:n + 1].reshape(streams, -1).T
    _, J = model.forward(np.eye(K)[x], y)
    return float(J)


def _device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def bits(nats: float) -> float:
    """Nats to bits."""
    return nats / math.log(2)
