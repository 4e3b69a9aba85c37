"""Seeding every random number generator a PyTorch program touches, for reproducible runs (every notebook, from 01)."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def seed_everything(seed: int, deterministic: bool = False) -> int:
    """Seed Python's `random`, NumPy and PyTorch (CPU and all GPUs) with `seed`; return the seed.

    With `deterministic=True`, also make PyTorch use deterministic algorithms only (slower on GPU;
    an operation with no deterministic implementation then raises instead of varying silently).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__} {seed!r}.")
    if not 0 <= seed < 2**32:
        # NumPy's legacy seeding accepts only this range; keeping all three generators in step.
        raise ValueError(f"seed must be between 0 and 2**32 - 1, got {seed}.")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds the CPU generator and every CUDA device's generator
    # Set both ways, so a later seed_everything(seed) undoes an earlier deterministic=True.
    torch.use_deterministic_algorithms(deterministic)
    if deterministic:
        torch.backends.cudnn.benchmark = False  # autotuning picks kernels by timing: a source of variation
        # cuBLAS needs a fixed workspace to be deterministic (see the PyTorch "Reproducibility" notes).
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return seed
