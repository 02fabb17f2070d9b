"""Seeding and devices: ``set_seed`` is the only function that touches global state.

Every notebook calls ``set_seed`` once and ``get_device`` once in its setup cell
(the book's introduction explains why); everything else in the package takes an
explicit keyword ``seed`` (or an ``rng``/``generator``) and follows its model's device
(``device_of``, ``as_tensor_for``).
"""
from __future__ import annotations

import contextlib
import random

import numpy as np
import torch

from ._checks import check_choice, check_int

DEVICES = ("auto", "cuda", "mps", "cpu")


def set_seed(seed: int = 0) -> np.random.Generator:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and CUDA).

    Returns a fresh ``np.random.Generator(seed)`` for code that takes an ``rng``.
    """
    seed = check_int("seed", seed, minimum=0)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return np.random.default_rng(seed)


def numpy_rng(seed: int) -> np.random.Generator:
    """A NumPy generator of its own, from a validated ``seed``."""
    return np.random.default_rng(check_int("seed", seed, minimum=0))


def torch_generator(seed: int) -> torch.Generator:
    """A CPU torch generator of its own, from a validated ``seed``. Random numbers are
    drawn on the CPU and moved, so a seed gives the same numbers on every device."""
    return torch.Generator().manual_seed(check_int("seed", seed, minimum=0))


@contextlib.contextmanager
def seeded(seed: int):
    """Run a block (typically building a torch model) with torch's global generator
    seeded by ``seed``, and restore the generator's state afterwards.

    ``torch.nn`` layers draw their initial weights from the global generator; this
    makes a model's initialisation a function of ``seed`` without the side effect of
    reseeding the caller's generator.
    """
    seed = check_int("seed", seed, minimum=0)
    with torch.random.fork_rng(devices=[]):   # random weights are drawn on the CPU
        torch.manual_seed(seed)
        yield


def device_of(model: torch.nn.Module) -> torch.device:
    """The device of a model's parameters: where its inputs must go."""
    return next(model.parameters()).device


def as_tensor_for(model: torch.nn.Module, a, dtype: torch.dtype | None = None
                  ) -> torch.Tensor:
    """``a`` as a tensor on the model's device. Integers (labels, character ids) become
    ``torch.long``, anything else the dtype of the model's parameters, unless ``dtype``
    says otherwise."""
    param = next(model.parameters())
    a = a if isinstance(a, torch.Tensor) else torch.as_tensor(np.asarray(a))
    if dtype is None:
        dtype = torch.long if not a.is_floating_point() else param.dtype
    return a.to(device=param.device, dtype=dtype)


def get_device(prefer: str = "auto"):
    """Pick a torch device: CUDA if present, then Apple's MPS, then the CPU.

    ``prefer`` forces one; asking for an accelerator that is absent raises
    ``RuntimeError`` rather than silently running somewhere else.
    """
    prefer = check_choice("device", prefer, DEVICES)
    cuda = torch.cuda.is_available()
    mps = (getattr(torch.backends, "mps", None) is not None
           and torch.backends.mps.is_available())
    if prefer == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if (prefer == "cuda" and not cuda) or (prefer == "mps" and not mps):
        raise RuntimeError(f"device {prefer!r} was requested but is not available here")
    return torch.device(prefer)
