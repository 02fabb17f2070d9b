"""Seeding and device selection: the only functions that touch global state.

Every notebook calls ``set_seed`` once and ``get_device`` once in its setup cell
(the book's introduction explains why); everything else in the package takes an
explicit ``rng``/``seed``/``generator`` and follows its inputs' device.
"""
from __future__ import annotations

import random

import numpy as np

from ._checks import check_choice, check_int

DEVICES = ("auto", "cuda", "mps", "cpu")


def set_seed(seed: int = 0) -> np.random.Generator:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and CUDA).

    Returns a fresh ``np.random.Generator(seed)`` for code that takes an ``rng``.
    """
    seed = check_int("seed", seed, minimum=0)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    try:
        import torch
    except ImportError:  # the NumPy half of the book runs without torch
        pass
    else:
        torch.manual_seed(seed)  # also seeds every CUDA device
    return np.random.default_rng(seed)


def get_device(prefer: str = "auto"):
    """Pick a torch device: CUDA if present, then Apple's MPS, then the CPU.

    ``prefer`` forces one; asking for an accelerator that is absent raises
    ``RuntimeError`` rather than silently running somewhere else.
    """
    import torch

    prefer = check_choice("device", prefer, DEVICES)
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if prefer == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if (prefer == "cuda" and not cuda) or (prefer == "mps" and not mps):
        raise RuntimeError(f"device {prefer!r} was requested but is not available here")
    return torch.device(prefer)
