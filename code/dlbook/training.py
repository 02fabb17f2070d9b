"""The update step every training loop of the book shares, and the one epoch loop of
its PyTorch models (chapters 03-08).

NumPy models are updated by ``sgd_step`` (or min-char-rnn's ``adagrad_step``) from the
gradients their own ``backward`` returns; that loop is the lesson, so each chapter
writes it out. PyTorch models follow makemore's interface, ``forward(x, targets=None) ->
(output, loss)``, so one function, ``update``, performs the step of every torch loop:
clear the old gradients, backpropagate, optionally clip, step. ``fit`` is the epoch loop
of every torch model trained on a fixed data set (the MLP, the VAE, the forecaster): a
fresh shuffle each epoch (``minibatches``), ``model(x, y)``, ``update``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from tqdm.auto import trange

from ._checks import check_choice, check_float, check_int
from .utils import as_tensor_for, torch_generator

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}


def sgd_step(params: dict[str, np.ndarray], grads: dict[str, np.ndarray],
             lr: float) -> None:
    """Gradient descent, in place: theta <- theta - lr * dJ/dtheta (chapter 03,
    eq-update)."""
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
                device: torch.device | str = "cpu"):
    """Row numbers of one epoch: a fresh permutation of range(n), cut into batches.

    The permutation is drawn on the CPU from ``generator`` and moved to ``device``,
    so a seed gives the same batches on every device (and to a NumPy twin).
    """
    order = torch.randperm(n, generator=generator).to(device)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def fit(model: torch.nn.Module, X, y=None, *, epochs: int, lr: float,
        batch_size: int = 32, optimizer: str = "adam", clip: float | None = None,
        seed: int = 0, callback: Callable[[int, torch.nn.Module], None] | None = None,
        progress: bool = False) -> list[float]:
    """Train a torch model on the rows of ``X`` (and targets ``y``) for ``epochs``
    passes; returns the mean training loss of each epoch.

    Without ``y`` the model is its own target (a VAE). ``seed`` orders the batches;
    ``callback(epoch, model)`` runs after every epoch (validation, snapshots).
    """
    epochs = check_int("epochs", epochs, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict=True)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    X = as_tensor_for(model, X)
    y = None if y is None else as_tensor_for(model, y)
    if y is not None and len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    opt = OPTIMIZERS[optimizer](model.parameters(), lr=lr)
    generator = torch_generator(seed)
    history = []
    for epoch in trange(epochs, desc="epochs", disable=not progress):
        total = 0.0
        for idx in minibatches(len(X), batch_size, generator, X.device):
            if y is None:
                _, loss = model(X[idx])                    # forward: (output, loss)
            else:
                _, loss = model(X[idx], y[idx])
            total += update(opt, loss, clip) * len(idx)    # backward and step
        history.append(total / len(X))
        if callback is not None:
            callback(epoch, model)
    return history
