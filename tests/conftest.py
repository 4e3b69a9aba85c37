"""Shared test set-up: a non-interactive matplotlib backend and clean global torch state around each test."""

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch

matplotlib.use("Agg")  # tests never open windows


@pytest.fixture(autouse=True)
def _restore_torch_globals():
    """seed_everything(deterministic=True) flips process-wide switches; put them back after each test."""
    deterministic = torch.are_deterministic_algorithms_enabled()
    benchmark = torch.backends.cudnn.benchmark
    yield
    torch.use_deterministic_algorithms(deterministic)
    torch.backends.cudnn.benchmark = benchmark
    plt.close("all")
