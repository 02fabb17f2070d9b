"""The update step every training loop of the book shares (chapters 03-08).

NumPy models are updated by ``sgd_step`` (or min-char-rnn's ``adagrad_step``) from the
gradients their own ``backward`` returns; that loop is the lesson, so each chapter writes
it out. PyTorch models follow makemore's interface, ``forward(x, targets=None) ->
(output, loss)``, so one function, ``update``, performs the step of every torch loop:
clear the old gradients, backpropagate, optionally clip, step. ``minibatches`` is the
shuffled pass over a fixed data set that the epoch-based loops share.
"""
from __future__ import annotations

import numpy as np
import torch


def sgd_step(params: dict[str, np.ndarray], grads: dict[str, np.ndarray],
             lr: float) -> None:
    """Gradient descent, in place: theta <- theta - lr * dJ/dtheta (chapter 03, eq-update)."""
    for name, g in grads.items():
        params[name] -= lr * g


def adagrad_step(params: dict[str, np.ndarray], grads: dict[str, np.ndarray],
                 memory: dict[str, np.ndarray], lr: float) -> None:
    """Adagrad, in place, as min-char-rnn updates: every weight divides its step by the
    root of the sum of its own squared gradients so far (``memory``, which starts at 0),
    so weights that have received large gradients take smaller steps."""
    for name, g in grads.items():
        memory[name] += g * g
        params[name] -= lr * g / np.sqrt(memory[name] + 1e-8)


def update(optimizer: torch.optim.Optimizer, loss: torch.Tensor,
           clip: float | None = None) -> float:
    """One step of ``optimizer`` on ``loss``; returns the loss as a float.

    ``zero_grad`` first, because ``backward`` adds to ``.grad`` rather than overwriting
    it; with ``clip``, the gradients' joint norm is capped before the step.
    """
    optimizer.zero_grad()
    loss.backward()
    if clip is not None:
        params = [p for group in optimizer.param_groups for p in group["params"]]
        torch.nn.utils.clip_grad_norm_(params, clip)
    optimizer.step()
    return loss.item()


def minibatches(n: int, batch_size: int, generator: torch.Generator,
                device: torch.device):
    """Row numbers of one epoch: a fresh permutation of range(n), cut into batches.

    The permutation is drawn on the CPU from ``generator`` and moved to ``device``,
    so a seed gives the same batches on every device.
    """
    order = torch.randperm(n, generator=generator).to(device)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]
