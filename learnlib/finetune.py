"""Fine-tuning helpers (notebook 05) for networks whose classifier is a final linear layer called `fc`.

torchvision's ResNets and learnlib.models.SmallResNet share that layout, so the same calls replace the
head, extract features for a linear probe, and build optimizer parameter groups for either.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import nn

from .errors import check_positive_ints
from .train import predict


def replace_head(model: nn.Module, num_classes: int) -> nn.Linear:
    """Replace `model.fc` by a fresh nn.Linear with `num_classes` outputs (same input size); return it."""
    _check_fc(model)
    check_positive_ints(num_classes=num_classes)
    if isinstance(model.fc, nn.Identity):
        raise ValueError("model.fc is an nn.Identity (its head was removed), so the input size of a new head is "
                         "unknown. Build it yourself: model.fc = nn.Linear(feature_size, num_classes).")
    model.fc = nn.Linear(model.fc.in_features, num_classes).to(model.fc.weight.device)
    return model.fc


def extract_features(
    model: nn.Module, loader: Iterable, device: torch.device | str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (features, targets): the inputs of `model.fc` for every batch of `loader`, in eval mode."""
    _check_fc(model)
    head, model.fc = model.fc, nn.Identity()  # the network now ends where the head starts
    try:
        return predict(model, loader, device)
    finally:
        model.fc = head


def param_groups(model: nn.Module, backbone_lr: float, head_lr: float) -> list[dict]:
    """Return optimizer parameter groups: the backbone at `backbone_lr`, the head `fc` at `head_lr`."""
    _check_fc(model)
    for name, lr in (("backbone_lr", backbone_lr), ("head_lr", head_lr)):
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr < 0:
            raise ValueError(f"{name} must be a learning rate >= 0, got {lr!r} (0 freezes that part).")
    head = {id(p) for p in model.fc.parameters()}
    return [
        {"params": [p for p in model.parameters() if id(p) not in head], "lr": backbone_lr, "name": "backbone"},
        {"params": list(model.fc.parameters()), "lr": head_lr, "name": "head"},
    ]


def count_trainable(model: nn.Module) -> int:
    """Return the number of parameters that will receive gradients (requires_grad=True)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _check_fc(model: nn.Module) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    if not isinstance(getattr(model, "fc", None), (nn.Linear, nn.Identity)):
        raise TypeError(f"{type(model).__name__} has no final linear layer named `fc`; these helpers need one "
                        "(torchvision ResNets and learnlib.models.SmallResNet have it).")
