import random

import numpy as np
import pytest
import torch
from torch import nn

from learnlib import seed_everything


def draw():
    return random.random(), float(np.random.rand()), torch.randn(3), nn.Linear(4, 2).weight.detach().clone()


def test_same_seed_gives_identical_draws_and_weights():
    assert seed_everything(7) == 7
    a = draw()
    seed_everything(7)
    b = draw()
    assert a[:2] == b[:2]
    assert torch.equal(a[2], b[2]) and torch.equal(a[3], b[3])


def test_different_seeds_differ():
    seed_everything(1)
    a = draw()
    seed_everything(2)
    b = draw()
    assert a[0] != b[0] and not torch.equal(a[3], b[3])


def test_matches_plain_torch_manual_seed():
    torch.manual_seed(3)
    ref = torch.rand(5)
    seed_everything(3)
    assert torch.equal(torch.rand(5), ref)


def test_deterministic_switch_is_set_and_unset():
    seed_everything(0, deterministic=True)
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.backends.cudnn.benchmark is False
    seed_everything(0)
    assert not torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize(
    "bad, error", [(1.5, TypeError), ("0", TypeError), (True, TypeError), (-1, ValueError), (2**32, ValueError)]
)
def test_bad_seeds_are_rejected(bad, error):
    with pytest.raises(error, match="seed must be"):
        seed_everything(bad)
