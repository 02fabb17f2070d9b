import random

import numpy as np
import pytest
import torch

from dlbook import get_device, set_seed
from dlbook.utils import numpy_rng, seeded, torch_generator


def draw():
    return random.random(), np.random.rand(), torch.rand(1).item()


def test_set_seed_makes_every_generator_repeat():
    rng = set_seed(123)
    first, first_rng = draw(), rng.standard_normal()
    rng = set_seed(123)
    assert draw() == first and rng.standard_normal() == first_rng
    set_seed(124)
    assert draw() != first


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (1.5, TypeError), ("0", TypeError),
                                        (True, TypeError)])
def test_set_seed_rejects_bad_seeds(bad, error):
    with pytest.raises(error, match="seed"):
        set_seed(bad)


@pytest.mark.parametrize("cuda, mps, expected", [(True, True, "cuda"), (False, True, "mps"),
                                                 (False, False, "cpu")])
def test_get_device_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert get_device() == torch.device(expected)
    assert get_device("cpu") == torch.device("cpu")
    if not cuda:
        with pytest.raises(RuntimeError, match="'cuda' was requested but is not available"):
            get_device("cuda")
    if not mps:
        with pytest.raises(RuntimeError, match="'mps' was requested"):
            get_device("mps")


def test_get_device_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        get_device("tpu")


def test_seeded_makes_initial_weights_a_function_of_the_seed_without_side_effects():
    torch.manual_seed(5)
    expected_next = torch.rand(2)
    torch.manual_seed(5)
    with seeded(0):
        a = torch.nn.Linear(3, 2).weight.detach().clone()
    with seeded(0):
        b = torch.nn.Linear(3, 2).weight.detach().clone()
    with seeded(1):
        c = torch.nn.Linear(3, 2).weight.detach().clone()
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.equal(torch.rand(2), expected_next)      # the global generator is as it was


def test_own_generators_repeat_and_reject_bad_seeds():
    assert numpy_rng(3).random() == numpy_rng(3).random()
    assert torch.equal(torch.rand(2, generator=torch_generator(3)),
                       torch.rand(2, generator=torch_generator(3)))
    for make in (numpy_rng, torch_generator, seeded):
        with pytest.raises(ValueError, match="seed"):
            make(-1) if make is not seeded else seeded(-1).__enter__()
