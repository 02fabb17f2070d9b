import random

import numpy as np
import pytest
import torch

from dlbook import get_device, set_seed


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


def test_get_device_prefers_accelerators_then_cpu():
    device = get_device()
    expected = "cuda" if torch.cuda.is_available() else (
        "mps" if torch.backends.mps.is_available() else "cpu")
    assert device.type == expected
    assert get_device("cpu") == torch.device("cpu")


def test_get_device_errors():
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        get_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="not available"):
            get_device("cuda")
