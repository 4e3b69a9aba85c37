"""Batch metrics for learnlib.train: each maps (outputs, targets) to the batch mean as a 0-d tensor."""

from __future__ import annotations

import torch


def accuracy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Return the fraction of rows of `logits` (N, C) whose arg-max equals the class index in `targets` (N,)."""
    if logits.ndim != 2 or targets.ndim != 1 or logits.shape[0] != targets.shape[0]:
        raise ValueError(
            f"accuracy expects logits of shape (N, C) and targets of shape (N,), "
            f"got {tuple(logits.shape)} and {tuple(targets.shape)}."
        )
    return (logits.argmax(dim=1) == targets).float().mean()


def mae(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Return the mean absolute error between `outputs` and `targets`, which must have the same shape."""
    if outputs.shape != targets.shape:
        raise ValueError(f"mae needs equal shapes, got {tuple(outputs.shape)} and {tuple(targets.shape)}.")
    return (outputs - targets).abs().mean()
