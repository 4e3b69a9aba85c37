"""Batch metrics (notebooks 03-05): pure functions of (outputs, targets), no loops and no models.

accuracy and mae return the batch mean as a 0-d tensor, the form learnlib.train.fit's `metrics` expects;
classification_report summarises a whole test set (collected with learnlib.train.predict) with torchmetrics.
"""

from __future__ import annotations

import torch


def accuracy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Return the fraction of rows of `logits` (N, C) whose arg-max equals the class index in `targets` (N,)."""
    _check_classification(logits, targets, "accuracy")
    return (logits.argmax(dim=1) == targets).float().mean()


def mae(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Return the mean absolute error between `outputs` and `targets`, which must have the same shape."""
    if not isinstance(outputs, torch.Tensor) or not isinstance(targets, torch.Tensor):
        raise TypeError(f"mae needs two tensors, got {type(outputs).__name__} and {type(targets).__name__}.")
    if outputs.shape != targets.shape:
        raise ValueError(f"mae needs outputs and targets of equal shape, got {tuple(outputs.shape)} and "
                         f"{tuple(targets.shape)}; an (N, 1) against (N,) pair would broadcast to (N, N). "
                         f"Reshape one of them (y.view(-1, 1) or out.squeeze(1)).")
    if outputs.numel() == 0:
        raise ValueError("mae got empty tensors: the mean of nothing is undefined. Check the batch.")
    return (outputs - targets).abs().mean()


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

    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}.")
    _check_classification(logits, targets, "classification_report")
    if logits.shape[1] != num_classes:
        raise ValueError(f"classification_report got logits with {logits.shape[1]} columns for "
                         f"num_classes={num_classes}; they must agree.")
    if targets.min() < 0 or targets.max() >= num_classes:
        raise ValueError(f"targets must be class indices in [0, {num_classes - 1}], but they range from "
                         f"{int(targets.min())} to {int(targets.max())}.")
    kw = {"num_classes": num_classes}
    return {
        "accuracy": MulticlassAccuracy(average="micro", **kw)(logits, targets),
        "precision": MulticlassPrecision(average=None, **kw)(logits, targets),
        "recall": MulticlassRecall(average=None, **kw)(logits, targets),
        "f1": MulticlassF1Score(average=None, **kw)(logits, targets),
        "confusion": MulticlassConfusionMatrix(**kw)(logits, targets),
    }


def _check_classification(logits, targets, name: str) -> None:
    if not isinstance(logits, torch.Tensor) or not isinstance(targets, torch.Tensor):
        raise TypeError(f"{name} needs two tensors, got {type(logits).__name__} and {type(targets).__name__}.")
    if logits.ndim != 2 or targets.ndim != 1 or logits.shape[0] != targets.shape[0]:
        raise ValueError(f"{name} expects logits of shape (N, C) and targets of shape (N,), got "
                         f"{tuple(logits.shape)} and {tuple(targets.shape)}.")
    if targets.is_floating_point() or targets.dtype == torch.bool:
        raise TypeError(f"{name} expects integer class indices as targets, got {targets.dtype}. "
                        f"Convert them with targets.long() (one-hot targets: targets.argmax(1)).")
    if logits.shape[0] == 0:
        raise ValueError(f"{name} got an empty batch (N = 0): the fraction of nothing is undefined.")
