"""A GPT from scratch in NumPy and in PyTorch: causal self-attention, layer norm and the
pre-norm Transformer block, forward and backward by hand, and their twin.

For a batch of token sequences idx: (B, T) and a model of width C with n_head heads of
size d = C / n_head (Vaswani et al. 2017; GPT-2's layout, as in Karpathy's nanoGPT):

    x_0 = W_te[idx] + W_pe[0..T-1]                       token and position embeddings
    for each block l:                                    pre-norm, residual
        x = x + Attention(LN_1(x))
        x = x + MLP(LN_2(x)),      MLP(h) = W_out gelu(W_fc h + b_fc) + b_out
    logits = LN_f(x) W_head^T                            (B, T, V)

and the mean cross-entropy of every position against its next token. Attention, for each
head, with q, k, v the head's slices of x W_qkv^T + b_qkv:

    S = q k^T / sqrt(d),   S_ij = -inf for j > i (the causal mask),
    P = softmax(S) (rows),   O = P v,   Attention(x) = concat_heads(O) W_proj^T + b_proj

GELU is GPT-2's tanh approximation. Simplifications: no dropout in the NumPy model
(``TorchGPT`` has it, off by default), no bias-free layers, W_head separate from W_te
(nanoGPT ties them).

``*_forward`` return their output and a cache; ``*_backward`` take the gradient of the
output and return the gradient of the input and of the parameters. ``GPT`` (NumPy)
chains them; ``TorchGPT`` is the same model of torch layers with the same parameter
names (its attention is ``F.scaled_dot_product_attention``), ``forward(idx,
targets=None) -> (logits, loss)``, and ``from_numpy`` for the twin tests.
"""
from __future__ import annotations

import json
import math
from importlib import resources
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from . import charlm, muon
from ._checks import check_float, check_int
from .activations import log_softmax, softmax
from .training import update
from .utils import as_tensor_for, device_of, numpy_rng, seeded, torch_generator

GELU_C = np.sqrt(2.0 / np.pi)
BLOCK_NAMES = ("ln1_g", "ln1_b", "W_qkv", "b_qkv", "W_proj", "b_proj",
               "ln2_g", "ln2_b", "W_fc", "b_fc", "W_out", "b_out")


# ------------------------------------------------------------------------ layer norm
def layer_norm_forward(x, g, b, eps: float = 1e-5):
    """Normalise each row of the last axis to mean 0 and variance 1, then scale by g
    and shift by b (Ba et al. 2016)."""
    mu = x.mean(axis=-1, keepdims=True)
    sigma = np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    x_hat = (x - mu) / sigma
    return g * x_hat + b, (x_hat, sigma, g)


def layer_norm_backward(dy, cache):
    """dx, dg, db. Every x_hat of a row depends on the whole row through its mean and
    variance, hence the two subtracted means."""
    x_hat, sigma, g = cache
    dx_hat = dy * g
    dx = (dx_hat - dx_hat.mean(axis=-1, keepdims=True)
          - x_hat * (dx_hat * x_hat).mean(axis=-1, keepdims=True)) / sigma
    rows = tuple(range(dy.ndim - 1))
    return dx, (dy * x_hat).sum(axis=rows), dy.sum(axis=rows)


# ------------------------------------------------------------------------------ GELU
def gelu(z):
    """0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))), GPT-2's approximation."""
    return 0.5 * z * (1 + np.tanh(GELU_C * (z + 0.044715 * z ** 3)))


def gelu_grad(z):
    t = np.tanh(GELU_C * (z + 0.044715 * z ** 3))
    return 0.5 * (1 + t) + 0.5 * z * (1 - t ** 2) * GELU_C * (1 + 3 * 0.044715 * z ** 2)


# ------------------------------------------------------------------------- attention
def _heads(a, n_head):
    """(B, T, C) -> (B, n_head, T, C / n_head)."""
    B, T, C = a.shape
    return a.reshape(B, T, n_head, C // n_head).transpose(0, 2, 1, 3)


def _merge(a):
    """(B, n_head, T, d) -> (B, T, n_head d)."""
    B, n, T, d = a.shape
    return a.transpose(0, 2, 1, 3).reshape(B, T, n * d)


def attention_forward(x, W_qkv, b_qkv, W_proj, b_proj, n_head: int):
    """Causal multi-head self-attention of x: (B, T, C)."""
    C = x.shape[-1]
    q, k, v = (_heads(a, n_head) for a in np.split(x @ W_qkv.T + b_qkv, 3, axis=-1))
    d = C // n_head
    S = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d)                       # (B, h, T, T)
    T = x.shape[1]
    S = np.where(np.tril(np.ones((T, T), dtype=bool)), S, -np.inf)  # no peeking ahead
    P = softmax(S)
    O = _merge(P @ v)                                                  # (B, T, C)
    return O @ W_proj.T + b_proj, (x, q, k, v, P, O, W_qkv, W_proj, n_head)


def attention_backward(dy, cache):
    """dx and the gradients of W_qkv, b_qkv, W_proj, b_proj."""
    x, q, k, v, P, O, W_qkv, W_proj, n_head = cache
    d = q.shape[-1]
    grads = {"W_proj": np.einsum("btc,bte->ce", dy, O), "b_proj": dy.sum(axis=(0, 1))}
    dO = _heads(dy @ W_proj, n_head)                                   # (B, h, T, d)
    dP = dO @ v.transpose(0, 1, 3, 2)
    dv = P.transpose(0, 1, 3, 2) @ dO
    dS = P * (dP - (dP * P).sum(axis=-1, keepdims=True))   # softmax's Jacobian, rows
    dq = dS @ k / np.sqrt(d)
    dk = dS.transpose(0, 1, 3, 2) @ q / np.sqrt(d)
    dqkv = np.concatenate([_merge(dq), _merge(dk), _merge(dv)], axis=-1)  # (B, T, 3C)
    grads["W_qkv"] = np.einsum("btc,bte->ce", dqkv, x)
    grads["b_qkv"] = dqkv.sum(axis=(0, 1))
    return dqkv @ W_qkv, grads


# ----------------------------------------------------------------------------- block
def block_forward(x, p, n_head: int):
    """x + Attention(LN_1(x)), then + MLP(LN_2(.)): the pre-norm Transformer block."""
    h1, ln1 = layer_norm_forward(x, p["ln1_g"], p["ln1_b"])
    a, attn = attention_forward(h1, p["W_qkv"], p["b_qkv"], p["W_proj"], p["b_proj"],
                                n_head)
    x1 = x + a
    h2, ln2 = layer_norm_forward(x1, p["ln2_g"], p["ln2_b"])
    z = h2 @ p["W_fc"].T + p["b_fc"]                                   # (B, T, 4C)
    u = gelu(z)
    return x1 + u @ p["W_out"].T + p["b_out"], (ln1, attn, ln2, h2, z, u, p)


def block_backward(dy, cache):
    """dx and the gradients of the block's twelve parameters. The residual paths pass
    dy through unchanged, which is why deep stacks of blocks still train."""
    ln1, attn, ln2, h2, z, u, p = cache
    grads = {"W_out": np.einsum("btc,bte->ce", dy, u), "b_out": dy.sum(axis=(0, 1))}
    dz = (dy @ p["W_out"]) * gelu_grad(z)
    grads["W_fc"] = np.einsum("btc,bte->ce", dz, h2)
    grads["b_fc"] = dz.sum(axis=(0, 1))
    dx1, grads["ln2_g"], grads["ln2_b"] = layer_norm_backward(dz @ p["W_fc"], ln2)
    dx1 = dx1 + dy                                                     # residual
    dh1, attn_grads = attention_backward(dx1, attn)
    grads.update(attn_grads)
    dx, grads["ln1_g"], grads["ln1_b"] = layer_norm_backward(dh1, ln1)
    return dx + dx1, grads                                             # residual


# ------------------------------------------------------------------------ NumPy model
def _check_config(vocab_size, block_size, n_layer, n_head, n_embd):
    sizes = {name: check_int(name, value, minimum=1) for name, value in
             (("vocab_size", vocab_size), ("block_size", block_size),
              ("n_layer", n_layer), ("n_head", n_head), ("n_embd", n_embd))}
    if n_embd % n_head:
        raise ValueError(f"n_embd must be a multiple of n_head, got {n_embd} and "
                         f"{n_head}")
    return sizes


class GPT:
    """The NumPy GPT with a hand-written backward pass; weights ~ N(0, 0.02^2) as in
    GPT-2, the residual projections' scaled by 1/sqrt(2 n_layer), biases zero, layer
    norms' gains one."""

    def __init__(self, vocab_size: int, block_size: int = 64, n_layer: int = 2,
                 n_head: int = 2, n_embd: int = 32, *, seed: int = 0):
        self.config = _check_config(vocab_size, block_size, n_layer, n_head, n_embd)
        rng, C = numpy_rng(seed), n_embd
        std, residual_std = 0.02, 0.02 / np.sqrt(2 * n_layer)
        self.params = {"W_te": rng.normal(0, std, (vocab_size, C)),
                       "W_pe": rng.normal(0, std, (block_size, C))}
        for l in range(n_layer):
            shapes = {"W_qkv": (3 * C, C), "W_proj": (C, C), "W_fc": (4 * C, C),
                      "W_out": (C, 4 * C)}
            for name, shape in shapes.items():
                scale = residual_std if name in ("W_proj", "W_out") else std
                self.params[f"h{l}.{name}"] = rng.normal(0, scale, shape)
                self.params[f"h{l}.{name.replace('W', 'b')}"] = np.zeros(shape[0])
            for ln in ("ln1", "ln2"):
                self.params[f"h{l}.{ln}_g"] = np.ones(C)
                self.params[f"h{l}.{ln}_b"] = np.zeros(C)
        self.params.update(ln_f_g=np.ones(C), ln_f_b=np.zeros(C),
                           W_head=rng.normal(0, std, (vocab_size, C)))
        self.cache = None

    def block_params(self, l: int) -> dict[str, np.ndarray]:
        return {name: self.params[f"h{l}.{name}"] for name in BLOCK_NAMES}

    def _check_idx(self, idx) -> np.ndarray:
        idx = np.asarray(idx)
        cfg = self.config
        if idx.ndim != 2 or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"idx must be integer tokens (B, T), got {idx.dtype} "
                             f"array of shape {idx.shape}")
        if not 1 <= idx.shape[1] <= cfg["block_size"]:
            raise ValueError(f"sequences may hold 1 to block_size = "
                             f"{cfg['block_size']} tokens, got {idx.shape[1]}")
        if idx.min() < 0 or idx.max() >= cfg["vocab_size"]:
            raise ValueError(f"tokens must lie in 0..{cfg['vocab_size'] - 1}")
        return idx

    def forward(self, idx, targets=None) -> tuple[np.ndarray, float | None]:
        """Logits (B, T, V) and, given targets (B, T), the mean cross-entropy."""
        idx, p = self._check_idx(idx), self.params
        x = p["W_te"][idx] + p["W_pe"][:idx.shape[1]]
        blocks = []
        for l in range(self.config["n_layer"]):
            x, cache = block_forward(x, self.block_params(l), self.config["n_head"])
            blocks.append(cache)
        h, ln_f = layer_norm_forward(x, p["ln_f_g"], p["ln_f_b"])
        logits = h @ p["W_head"].T
        self.cache = (idx, blocks, h, ln_f, logits, None)
        if targets is None:
            return logits, None
        targets = self._check_idx(targets)
        log_p = np.take_along_axis(log_softmax(logits), targets[..., None], axis=-1)
        self.cache = self.cache[:-1] + (targets,)
        return logits, float(-log_p.mean())

    def backward(self) -> dict[str, np.ndarray]:
        """Gradients of the last forward pass's loss, block by block back."""
        assert self.cache is not None and self.cache[-1] is not None, \
            "call forward(idx, targets) with targets first"
        idx, blocks, h, ln_f, logits, targets = self.cache
        dlogits = softmax(logits)
        np.put_along_axis(dlogits, targets[..., None],
                          np.take_along_axis(dlogits, targets[..., None], -1) - 1, -1)
        dlogits /= targets.size                                   # the mean's 1 / (B T)
        grads = {"W_head": np.einsum("btv,btc->vc", dlogits, h)}
        dx, grads["ln_f_g"], grads["ln_f_b"] = layer_norm_backward(
            dlogits @ self.params["W_head"], ln_f)
        for l in reversed(range(self.config["n_layer"])):
            dx, block_grads = block_backward(dx, blocks[l])
            grads.update({f"h{l}.{name}": g for name, g in block_grads.items()})
        grads["W_te"] = np.zeros_like(self.params["W_te"])
        np.add.at(grads["W_te"], idx, dx)                   # rows of the tokens read
        grads["W_pe"] = np.zeros_like(self.params["W_pe"])
        grads["W_pe"][:idx.shape[1]] = dx.sum(axis=0)
        return grads


# ------------------------------------------------------------------------ torch model
class TorchBlock(torch.nn.Module):
    def __init__(self, n_embd: int, n_head: int, dtype, dropout: float = 0.0):
        super().__init__()
        self.n_head, self.dropout = n_head, dropout
        self.ln1 = torch.nn.LayerNorm(n_embd, dtype=dtype)
        self.qkv = torch.nn.Linear(n_embd, 3 * n_embd, dtype=dtype)
        self.proj = torch.nn.Linear(n_embd, n_embd, dtype=dtype)
        self.ln2 = torch.nn.LayerNorm(n_embd, dtype=dtype)
        self.fc = torch.nn.Linear(n_embd, 4 * n_embd, dtype=dtype)
        self.out = torch.nn.Linear(4 * n_embd, n_embd, dtype=dtype)

    def named(self) -> dict[str, torch.Tensor]:
        return dict(zip(BLOCK_NAMES, (
            self.ln1.weight, self.ln1.bias, self.qkv.weight, self.qkv.bias,
            self.proj.weight, self.proj.bias, self.ln2.weight, self.ln2.bias,
            self.fc.weight, self.fc.bias, self.out.weight, self.out.bias)))

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = (a.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                   for a in self.qkv(x).split(C, dim=2))
        p = self.dropout if self.training else 0.0
        O = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
        return self.proj(O.transpose(1, 2).reshape(B, T, C))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        drop = self.dropout if self.training else 0.0        # on the residual branches
        x = x + F.dropout(self.attention(self.ln1(x)), drop)
        return x + F.dropout(self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh")),
                             drop)


class TorchGPT(torch.nn.Module):
    """The same GPT in PyTorch; the initial weights are drawn from ``seed`` as in
    ``GPT``'s docstring. ``dropout`` (0 by default, as the NumPy model has none) drops
    attention weights and the output of every residual branch while training, as
    nanoGPT does; the shipped model was trained with it."""

    def __init__(self, vocab_size: int, block_size: int = 64, n_layer: int = 2,
                 n_head: int = 2, n_embd: int = 32, dtype: torch.dtype = torch.float32,
                 *, dropout: float = 0.0, seed: int = 0):
        super().__init__()
        self.config = _check_config(vocab_size, block_size, n_layer, n_head, n_embd)
        self.dropout = check_float("dropout", dropout, minimum=0.0)
        if self.dropout >= 1.0:
            raise ValueError(f"dropout must be below 1, got {dropout}")
        with seeded(seed):
            self.te = torch.nn.Embedding(vocab_size, n_embd, dtype=dtype)
            self.pe = torch.nn.Embedding(block_size, n_embd, dtype=dtype)
            self.blocks = torch.nn.ModuleList(TorchBlock(n_embd, n_head, dtype, dropout)
                                              for _ in range(n_layer))
            self.ln_f = torch.nn.LayerNorm(n_embd, dtype=dtype)
            self.head = torch.nn.Linear(n_embd, vocab_size, bias=False, dtype=dtype)
            for name, tensor in self._named().items():
                kind = name.rsplit(".", 1)[-1]
                if kind in ("W_proj", "W_out"):
                    torch.nn.init.normal_(tensor, 0.0, 0.02 / np.sqrt(2 * n_layer))
                elif kind.startswith("W"):
                    torch.nn.init.normal_(tensor, 0.0, 0.02)
                elif kind.startswith("b_") or kind.endswith("_b"):
                    torch.nn.init.zeros_(tensor)           # layer norms' gains stay 1

    @classmethod
    def from_numpy(cls, model: GPT) -> "TorchGPT":
        """A float64 twin holding exactly the NumPy model's weights."""
        twin = cls(**model.config, dtype=torch.float64)
        with torch.no_grad():
            for name, tensor in twin._named().items():
                tensor.copy_(torch.from_numpy(model.params[name]))
        return twin

    def _named(self) -> dict[str, torch.Tensor]:
        named = {"W_te": self.te.weight, "W_pe": self.pe.weight}
        for l, block in enumerate(self.blocks):
            named.update({f"h{l}.{name}": t for name, t in block.named().items()})
        named.update(ln_f_g=self.ln_f.weight, ln_f_b=self.ln_f.bias,
                     W_head=self.head.weight)
        return named

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        T = idx.shape[1]
        if idx.ndim != 2 or not 1 <= T <= self.config["block_size"]:
            raise ValueError(f"idx must be (B, T) tokens with 1 <= T <= "
                             f"{self.config['block_size']}, got {tuple(idx.shape)}")
        x = self.te(idx) + self.pe(torch.arange(T, device=idx.device))
        x = F.dropout(x, self.dropout if self.training else 0.0)
        for block in self.blocks:
            x = block(x)
        logits = self.head(self.ln_f(x))
        loss = None if targets is None else F.cross_entropy(
            logits.flatten(0, 1), targets.flatten())
        return logits, loss

    def grads(self) -> dict[str, np.ndarray]:
        """Autograd's gradients under the NumPy model's names."""
        return {name: tensor.grad.detach().cpu().numpy()
                for name, tensor in self._named().items()}


# ---------------------------------------------------------------- training, evaluation
def _windows(ids: np.ndarray, starts: np.ndarray, length: int):
    """Inputs and next-token targets, batch first: (len(starts), length) each."""
    rows = starts[:, None] + np.arange(length)
    return ids[rows], ids[rows + 1]


def train_gpt(model: TorchGPT, train_ids, *, steps: int, batch_size: int = 32,
              lr: float = 2e-3, warmup: int = 50, seed: int = 0, muon_lr: float = 0.0,
              on_step: Callable[[int], None] | None = None) -> list[float]:
    """AdamW (betas 0.9, 0.99, weight decay 0.1 on matrices, clipping at norm 1) on
    random windows of ``block_size`` tokens; the learning rate warms up linearly over
    ``warmup`` updates, then follows a cosine to a tenth of ``lr`` at the last of the
    ``steps`` updates. With ``muon_lr`` > 0 the blocks' weight matrices are trained by
    ``muon.Muon`` at that rate instead (same schedule), the rest by AdamW at ``lr``.
    ``on_step(step)`` runs after every update (validation curves). Returns the loss of
    every update."""
    steps = check_int("steps", steps, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict=True)
    muon_lr = check_float("muon_lr", muon_lr, minimum=0.0)
    train_ids, rng = np.asarray(train_ids), numpy_rng(seed)
    T = model.config["block_size"]
    optimizer = _optimizer(model, lr, muon_lr)
    base = [group["lr"] for group in optimizer.param_groups]
    losses = []
    for step in range(steps):
        warm, cosine = min(1.0, (step + 1) / warmup), 0.1 + 0.45 * (
            1 + math.cos(math.pi * step / steps))
        for group, rate in zip(optimizer.param_groups, base):
            group["lr"] = rate * warm * cosine
        starts = rng.integers(0, len(train_ids) - T - 1, batch_size)
        x, y = (as_tensor_for(model, a) for a in _windows(train_ids, starts, T))
        losses.append(update(optimizer, model(x, y)[1], clip=1.0))
        if on_step is not None:
            on_step(step + 1)
    return losses


def _optimizer(model: TorchGPT, lr: float, muon_lr: float) -> torch.optim.Optimizer:
    """AdamW, decaying the matrices only; with ``muon_lr``, Muon for the blocks'."""
    hidden = {id(p) for p in model.blocks.parameters() if p.ndim == 2}
    matrices = [p for p in model.parameters()
                if p.ndim == 2 and not (muon_lr and id(p) in hidden)]
    vectors = [p for p in model.parameters() if p.ndim != 2]
    groups = [{"params": matrices, "lr": lr, "weight_decay": 0.1},
              {"params": vectors, "lr": lr, "weight_decay": 0.0}]
    if not muon_lr:
        return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.99))
    blocks = [p for p in model.parameters() if id(p) in hidden]
    return muon.Muon([*groups, {"params": blocks, "lr": muon_lr, "muon": True}])


@torch.no_grad()
def evaluate_windows(model: TorchGPT, ids, *, seq_len: int = 64, windows: int = 2000,
                     batch_size: int = 200, seed: int = 0) -> float:
    """Nats per token in nanoGPT's protocol, as ``charlm.evaluate_windows`` (the same
    windows for the same seed): ``windows`` windows of ``seq_len`` tokens at random
    places, each read from an empty context, the loss averaged over every position."""
    seq_len = check_int("seq_len", seq_len, minimum=1)
    windows = check_int("windows", windows, minimum=1)
    ids = np.asarray(ids)
    starts = numpy_rng(seed).integers(0, len(ids) - seq_len - 1, windows)
    model.eval()
    total = torch.zeros((), device=device_of(model), dtype=torch.float64)
    for k in range(0, windows, batch_size):
        x, y = (as_tensor_for(model, a)
                for a in _windows(ids, starts[k:k + batch_size], seq_len))
        logits, _ = model(x)
        total += F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="sum")
    model.train()
    return float(total) / (windows * seq_len)


@torch.no_grad()
def evaluate_context(model: TorchGPT, ids, batch_size: int = 64) -> float:
    """Nats per token over ``ids`` with as long a context as the model takes: windows
    of ``block_size`` every ``block_size / 2`` tokens, each scoring only its second
    half, so every token (but the first window's, and up to half a window at the end)
    is predicted from at least ``block_size / 2`` tokens before it. For a model with a
    fixed context, the counterpart of ``charlm.evaluate``'s carried state."""
    ids = np.asarray(ids)
    T = model.config["block_size"]
    half = T // 2
    starts = np.arange(0, len(ids) - T, half)
    model.eval()
    total, count = 0.0, 0
    for k in range(0, len(starts), batch_size):
        chunk = starts[k:k + batch_size]
        x, y = (as_tensor_for(model, a) for a in _windows(ids, chunk, T))
        loss = F.cross_entropy(model(x)[0].flatten(0, 1), y.flatten(),
                               reduction="none").view(len(chunk), T)
        scored = torch.zeros_like(loss, dtype=torch.bool)
        scored[:, half:] = True
        if k == 0:
            scored[0, :half] = True                 # the text's first tokens, once
        total += float(loss[scored].sum())
        count += int(scored.sum())
    model.train()
    return total / count


# ----------------------------------------------------------- sampling, a shipped model
@torch.no_grad()
def sample(model: TorchGPT, vocab, prime: str, length: int, *, temperature: float = 1.0,
           seed: int = 0) -> str:
    """Continue ``prime`` by ``length`` characters drawn from softmax(logits /
    temperature), each from the last ``block_size`` characters at most. The draws are
    made on the CPU from ``seed``, as in ``charlm.sample``."""
    charlm._check_sampling(prime, length, temperature)
    generator, T = torch_generator(seed), model.config["block_size"]
    ids, training = [int(i) for i in vocab.encode(prime)], model.training
    model.eval()
    for _ in range(length):
        logits, _ = model(as_tensor_for(model, np.array([ids[-T:]])))
        probs = torch.softmax(logits[0, -1].double() / temperature, dim=-1).cpu()
        ids.append(int(torch.multinomial(probs, 1, generator=generator)))
    model.train(training)
    return prime + vocab.decode(ids[len(prime):])


def to_numpy(model: TorchGPT) -> GPT:
    """The NumPy GPT holding a float64 copy of a torch model's weights: its caches hold
    what the torch model computes but does not keep (``look_inside``)."""
    twin = GPT(**model.config)
    twin.params = {name: tensor.detach().cpu().double().numpy().copy()
                   for name, tensor in model._named().items()}
    return twin


def look_inside(model: GPT, idx) -> dict[str, list[np.ndarray]]:
    """For every block, the attention probabilities P: (B, n_head, T, T) and the MLP's
    hidden units gelu(z): (B, T, 4C), from one forward pass over ``idx``."""
    model.forward(idx)
    blocks = model.cache[1]
    return {"attention": [cache[1][4] for cache in blocks],
            "mlp": [cache[5] for cache in blocks]}


SHIPPED = "shakespeare_gpt.pt"


def shipped_benchmark() -> dict:
    """``benchmarks/gpt.py``'s figures (``--save``), shipped for chapter 10's table:
    medians over seeds, nats per character."""
    path = resources.files("dlbook") / "assets" / "gpt_benchmark.json"
    return json.loads(path.read_text(encoding="utf-8"))


def load_shipped() -> tuple[TorchGPT, "charlm.Vocab", dict]:
    """The character GPT shipped with the package (``benchmarks/shipped_gpt.py``), in
    float64 on the CPU, with its vocabulary and the figures of its training run."""
    with resources.as_file(resources.files("dlbook") / "assets" / SHIPPED) as file:
        stored = torch.load(file, weights_only=True)
    model = TorchGPT(len(stored["chars"]), **{k: v for k, v in stored["config"].items()
                                              if k != "vocab_size"},
                     dtype=torch.float64)
    with torch.no_grad():
        for name, tensor in model._named().items():
            tensor.copy_(stored["weights"][name].double())
    model.eval()
    return model, charlm.Vocab(stored["chars"]), stored["result"]
