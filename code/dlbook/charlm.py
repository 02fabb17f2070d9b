"""Character-level language models of tiny Shakespeare (chapter 08).

Baselines that count (unigram, bigram; longer contexts in ``ngram``), chapter 04's NumPy
RNN trained as Karpathy's min-char-rnn trains it, and a PyTorch LSTM, the model of his
char-rnn. Losses are in nats per character on the validation split (the last 10% of the
file), under two protocols: ``evaluate`` reads all of it with the state carried,
``evaluate_windows`` averages over random windows read from a zero state, as nanoGPT
does. Training reads random windows from a zero state or, ``stateful``, consecutive
windows with the state carried (``consecutive_windows``). Budgets are numbers of
updates; ``benchmarks/charlm.py`` turns a wall-clock budget into one.

Device convention: every function runs on the device of the model's parameters, moves
its inputs there, and hands back NumPy arrays, floats or strings.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from ._checks import check_float, check_int
from .rnn import RNN
from .training import adagrad_step, update
from .utils import as_tensor_for, device_of, numpy_rng, seeded, torch_generator


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
    """Nats per character of add-``alpha`` character frequencies, on the validation
    ids."""
    counts = np.bincount(train_ids, minlength=vocab_size) + alpha
    return float(-np.mean(np.log(counts / counts.sum())[val_ids]))


def bigram_loss(train_ids, val_ids, vocab_size: int, alpha: float = 1.0) -> float:
    """Nats per character of add-``alpha`` next-character counts given the previous
    one."""
    counts = np.full((vocab_size, vocab_size), alpha)
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
    log_p = np.log(counts / counts.sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[val_ids[:-1], val_ids[1:]]))


class CharLSTM(torch.nn.Module):
    """Embedding, one LSTM layer, and a linear readout to next-character logits; the
    initial weights are drawn from ``seed``."""

    def __init__(self, vocab_size: int, hidden_size: int = 256,
                 embedding_size: int = 32, *, seed: int = 0):
        super().__init__()
        check_int("vocab_size", vocab_size, minimum=2)
        check_int("hidden_size", hidden_size, minimum=1)
        check_int("embedding_size", embedding_size, minimum=1)
        with seeded(seed):
            self.embed = torch.nn.Embedding(vocab_size, embedding_size)
            self.lstm = torch.nn.LSTM(embedding_size, hidden_size)
            self.out = torch.nn.Linear(hidden_size, vocab_size)
        self.last_state = None   # (h, c) after the last forward pass, without gradient

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None,
                state: tuple[torch.Tensor, torch.Tensor] | None = None):
        """The book's interface: idx (T, B) character ids -> logits (T, B, vocab) and,
        given the next characters (T, B), their mean cross-entropy.

        The LSTM starts from ``state`` (zeros if None) and its final (h, c) is kept in
        ``last_state``, as a constant, for a caller that carries it on to the next chunk
        of text (evaluation, sampling, stateful training), as chapter 04's NumPy RNN
        keeps ``h_last``."""
        H, (h, c) = self.lstm(self.embed(idx), state)                  # (T, B, hidden)
        self.last_state = (h.detach(), c.detach())
        logits = self.out(H)                                           # (T, B, vocab)
        return logits, None if targets is None else cross_entropy(logits, targets)


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor, reduction: str = "mean"):
    """Nats per character of logits (T, B, vocab) against the next characters (T, B)."""
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                             targets.reshape(-1), reduction=reduction)


def _windows(ids: np.ndarray, starts: np.ndarray, length: int
             ) -> tuple[np.ndarray, np.ndarray]:
    rows = starts[None, :] + np.arange(length)[:, None]          # (T, B) positions
    return ids[rows], ids[rows + 1]                               # inputs, next chars


def _streams(ids, streams: int) -> tuple[np.ndarray, np.ndarray]:
    """ids cut into ``streams`` contiguous slices read side by side: inputs and next
    characters, each (length, streams), column j the j-th slice of the text."""
    ids = np.asarray(ids)
    n = (len(ids) - 1) // streams * streams
    return ids[:n].reshape(streams, -1).T, ids[1:n + 1].reshape(streams, -1).T


def consecutive_windows(ids, streams: int, seq_len: int):
    """Endless (x, y, restart): window after window of every stream, each window
    (seq_len, streams) continuing where the last one ended, so a model can carry its
    state from one to the next (truncated BPTT, chapter 04). ``restart`` is True when
    the streams begin again from their starts, where a carried state must be reset."""
    x_all, y_all = _streams(ids, streams)
    if len(x_all) < seq_len:
        raise ValueError(f"the text is too short for {streams} streams of {seq_len} "
                         "characters")
    while True:
        for k in range(0, len(x_all) - seq_len + 1, seq_len):
            yield x_all[k:k + seq_len], y_all[k:k + seq_len], k == 0


def train_char_model(model: CharLSTM, train_ids, *, steps: int, seq_len: int = 32,
                     batch_size: int = 32, lr: float = 1e-2, stateful: bool = False,
                     seed: int = 0, on_step: Callable[[int], None] | None = None
                     ) -> list[float]:
    """Adam with clipping at norm 1, the learning rate decayed linearly to 5% over the
    ``steps`` updates; returns the training loss of every update.

    Stateless (the default), every step reads ``batch_size`` windows at random places,
    each from a zero state. ``stateful`` reads the text as ``batch_size`` streams in
    consecutive windows and carries the LSTM's state from each window into the next,
    without gradient, as char-rnn does: truncated BPTT (chapter 04). ``on_step(step)``
    runs after every update (validation curves, samples).
    """
    steps = check_int("steps", steps, minimum=1)
    seq_len = check_int("seq_len", seq_len, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict=True)
    train_ids, rng = np.asarray(train_ids), numpy_rng(seed)
    windows = consecutive_windows(train_ids, batch_size, seq_len) if stateful else None
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    decay = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0 - 0.95 * k / steps)
    losses, state = [], None
    for step in range(1, steps + 1):
        if stateful:                       # the next window of every stream
            x, y, restart = next(windows)
            state = None if restart else state
        else:                              # windows at random places, from zeros
            starts = rng.integers(0, len(train_ids) - seq_len - 1, batch_size)
            (x, y), state = _windows(train_ids, starts, seq_len), None
        _, loss = model(as_tensor_for(model, x), as_tensor_for(model, y), state)
        state = model.last_state           # kept here: on_step may run the model too
        losses.append(update(opt, loss, clip=1.0))
        decay.step()
        if on_step is not None:
            on_step(step)
    return losses


@torch.no_grad()
def evaluate(model: CharLSTM, ids, streams: int = 100, chunk: int = 200) -> float:
    """Nats per character over all of ``ids``, the state carried: ``streams`` parallel
    slices, each read from its start with the state carried across chunks. Every
    character but the first few of each slice is predicted with a long history."""
    model.eval()
    x, y = (as_tensor_for(model, a) for a in _streams(ids, streams))
    total, state = 0.0, None
    for k in range(0, x.shape[0], chunk):
        logits, _ = model(x[k:k + chunk], state=state)
        state = model.last_state
        total = total + cross_entropy(logits, y[k:k + chunk], reduction="sum")  # device
    model.train()
    return float(total) / x.numel()


@torch.no_grad()
def next_char_log_probs(model: CharLSTM, ids, streams: int = 100, chunk: int = 200):
    """log p(ids[i + 1] | the text before it) for i = 0, ..., n - 1, in the text's
    order, read as ``evaluate`` reads it (``streams`` slices, state carried); its mean
    is minus ``evaluate``'s loss. For comparing or mixing models position by
    position."""
    model.eval()
    x, y = (as_tensor_for(model, a) for a in _streams(ids, streams))
    out, state = [], None
    for k in range(0, x.shape[0], chunk):
        logits, _ = model(x[k:k + chunk], state=state)
        state = model.last_state
        log_p = torch.log_softmax(logits, -1)                   # (chunk, streams, V)
        out.append(log_p.gather(-1, y[k:k + chunk, :, None])[..., 0])
    model.train()
    return torch.cat(out).T.reshape(-1).cpu().numpy()    # stream by stream: text order


@torch.no_grad()
def evaluate_windows(model: CharLSTM, ids, *, seq_len: int = 64, windows: int = 2000,
                     batch_size: int = 200, seed: int = 0, per_position: bool = False):
    """Nats per character in nanoGPT's protocol: ``windows`` windows of ``seq_len``
    characters at random places, each read from a zero state, the loss averaged over
    every position of every window. Early positions see little history, so this is
    higher than ``evaluate`` for a model that can use a long one; ``per_position``
    returns the mean loss at each position of a window instead, (seq_len,)."""
    seq_len = check_int("seq_len", seq_len, minimum=1)
    windows = check_int("windows", windows, minimum=1)
    ids = np.asarray(ids)
    starts = numpy_rng(seed).integers(0, len(ids) - seq_len - 1, windows)
    model.eval()
    total = torch.zeros(seq_len, device=device_of(model))
    for k in range(0, windows, batch_size):
        x, y = (as_tensor_for(model, a)
                for a in _windows(ids, starts[k:k + batch_size], seq_len))
        loss = cross_entropy(model(x)[0], y, reduction="none").reshape(seq_len, -1)
        total += loss.sum(dim=1)                                    # per position
    model.train()
    return (total / windows).cpu().numpy() if per_position else float(total.sum()) / (
        windows * seq_len)


def _check_sampling(prime: str, length: int, temperature: float) -> None:
    check_float("temperature", temperature, minimum=0.0, strict=True)
    check_int("length", length, minimum=0)
    if not prime:
        raise ValueError("prime must contain at least one character")


@torch.no_grad()
def sample(model: CharLSTM, vocab: Vocab, prime: str, length: int, *,
           temperature: float = 1.0, seed: int = 0) -> str:
    """Continue ``prime`` by ``length`` characters drawn from
    softmax(logits / temperature).

    Low temperatures sharpen the distribution towards the likeliest character; high ones
    flatten it. The draws are made on the CPU from ``seed``, so a model gives the same
    text on every device.
    """
    _check_sampling(prime, length, temperature)
    generator = torch_generator(seed)
    logits, _ = model(as_tensor_for(model, vocab.encode(prime)[:, None]))  # the prime
    out = []
    for _ in range(length):
        probs = torch.softmax(logits[-1, 0] / temperature, dim=-1).cpu()
        nxt = torch.multinomial(probs, 1, generator=generator)
        out.append(int(nxt))
        logits, _ = model(as_tensor_for(model, nxt[:, None]),      # feed it back in
                          state=model.last_state)
    return prime + vocab.decode(out)


@torch.no_grad()
def cell_states(model: CharLSTM, vocab: Vocab, text: str) -> np.ndarray:
    """The LSTM's cell state c_t after each character of ``text``: (len(text), hidden),
    from the top layer if there are several."""
    ids = as_tensor_for(model, vocab.encode(text))
    state, states = None, []
    for i in ids:
        _, state = model.lstm(model.embed(i.reshape(1, 1)), state)
        states.append(state[1][-1, 0])
    return torch.stack(states).cpu().numpy()


def train_min_char_rnn(model: RNN, train_ids, *, steps: int, streams: int = 32,
                       seq_len: int = 25, lr: float = 0.1, clip: float = 5.0
                       ) -> list[float]:
    """Chapter 04's NumPy RNN trained as min-char-rnn trains it: one-hot inputs, windows
    of ``seq_len`` characters read consecutively, the hidden state carried from each
    window into the next (truncated BPTT), every gradient entry clipped to [-clip,
    clip], and Adagrad. min-char-rnn reads one stream; ``streams`` read side by side
    make a batch, for speed. Returns the training loss of every step."""
    steps = check_int("steps", steps, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict=True)
    clip = check_float("clip", clip, minimum=0.0, strict=True)
    K = model.sizes[2]
    memory = {name: np.zeros_like(p) for name, p in model.params.items()}
    windows = consecutive_windows(train_ids, streams, seq_len)
    h, losses = None, []
    for _ in range(steps):
        x, y, restart = next(windows)
        _, J = model.forward(np.eye(K)[x], y, None if restart else h)  # one-hot inputs
        grads = model.backward()                 # back to this window's start only
        for g in grads.values():
            np.clip(g, -clip, clip, out=g)
        adagrad_step(model.params, grads, memory, lr)
        h = model.h_last                         # carried on, as a constant
        losses.append(J)
    return losses


def scratch_rnn_loss(model: RNN, ids, streams: int = 100) -> float:
    """Nats per character of the NumPy RNN over all of ``ids``, state carried along."""
    x, y = _streams(ids, streams)
    _, J = model.forward(np.eye(model.sizes[2])[x], y)
    return float(J)


def bits(nats: float) -> float:
    """Nats to bits."""
    return nats / math.log(2)
