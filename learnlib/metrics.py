"""Batch metrics for learnlib.train: each maps (outputs, targets) to the batch mean as a 0-d tensor."""

from __future__ import annotations

import torch

from .train import evaluation


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


def predict(model: torch.nn.Module, loader, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Run `model` in eval mode over `loader`; return (outputs, targets) concatenated on the CPU."""
    outputs, targets = [], []
    with evaluation(model):
        for inputs, target in loader:
            outputs.append(model(inputs.to(device)).float().cpu())
            targets.append(target)
    if not outputs:
        raise ValueError("predict got a loader with no batches.")
    return torch.cat(outputs), torch.cat(targets)


def classification_report(logits: torch.Tensor, targets: torch.Tensor, num_classes: int) -> dict[str, torch.Tensor]:
    """Return accuracy, per-class precision/recall/F1 and the confusion matrix (rows: true, cols: predicted).

    Computed with torchmetrics, the library the field uses, rather than by hand.
    """
    from torchmetrics.classification import (
        MulticlassAccuracy,
        MulticlassConfusionMatrix,
        MulticlassF1Score,
        MulticlassPrecision,
        MulticlassRecall,
    )

    if logits.ndim != 2 or logits.shape[1] != num_classes or logits.shape[0] != targets.shape[0]:
        raise ValueError(f"expected logits (N, {num_classes}) and targets (N,), got {tuple(logits.shape)} "
                         f"and {tuple(targets.shape)}.")
    kw = {"num_classes": num_classes}
    return {
        "accuracy": MulticlassAccuracy(average="micro", **kw)(logits, targets),
        "precision": MulticlassPrecision(average=None, **kw)(logits, targets),
        "recall": MulticlassRecall(average=None, **kw)(logits, targets),
        "f1": MulticlassF1Score(average=None, **kw)(logits, targets),
        "confusion": MulticlassConfusionMatrix(**kw)(logits, targets),
    }
