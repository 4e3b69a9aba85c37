"""Fine-tuning helpers for networks whose classifier is a final linear layer called `fc`.

torchvision's ResNets and learnlib.models.SmallResNet share that layout, so the same calls replace the
head, extract features for a linear probe, and build optimizer parameter groups for either.
"""

from __future__ import annotations

import torch
from torch import nn

from .metrics import predict


def _check_fc(net: nn.Module) -> None:
    if not isinstance(getattr(net, "fc", None), (nn.Linear, nn.Identity)):
        raise TypeError(f"{type(net).__name__} has no final linear layer named `fc`; these helpers need one "
                        "(torchvision ResNets and learnlib.models.SmallResNet have it).")


def replace_head(net: nn.Module, num_classes: int) -> nn.Linear:
    """Replace `net.fc` by a fresh nn.Linear with `num_classes` outputs (same input size); return it."""
    _check_fc(net)
    net.fc = nn.Linear(net.fc.in_features, num_classes).to(next(net.parameters()).device)
    return net.fc


def extract_features(net: nn.Module, loader, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (features, targets): the inputs of `net.fc` for every batch of `loader`, in eval mode."""
    _check_fc(net)
    head, net.fc = net.fc, nn.Identity()  # the network now ends where the head starts
    try:
        return predict(net, loader, device)
    finally:
        net.fc = head


def param_groups(net: nn.Module, backbone_lr: float, head_lr: float) -> list[dict]:
    """Return optimizer parameter groups: the backbone at `backbone_lr`, the head `fc` at `head_lr`."""
    _check_fc(net)
    head = {id(p) for p in net.fc.parameters()}
    return [
        {"params": [p for p in net.parameters() if id(p) not in head], "lr": backbone_lr, "name": "backbone"},
        {"params": list(net.fc.parameters()), "lr": head_lr, "name": "head"},
    ]


def count_trainable(model: nn.Module) -> int:
    """Return the number of parameters that will receive gradients (requires_grad=True)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
