"""LoRA, low-rank adaptation (notebook 07): train a small update B @ A beside each frozen nn.Linear.

A wrapped layer computes base(x) + (alpha / r) * x @ A^T @ B^T. A (r, in) starts random and B (out, r)
at zero, so before any training step the model is exactly the pretrained one. Only A and B train; after
training the update can be merged into the weight (W + (alpha / r) * B @ A), so inference costs nothing extra,
and the adapter (A and B alone) is saved as a small file of its own.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

import torch
from torch import nn

from .atomic import atomic_write
from .errors import one_line


class LoRALinear(nn.Module):
    """A frozen nn.Linear plus a trainable low-rank update of rank `rank`, scaled by `alpha / rank`."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float = 1.0) -> None:
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"base must be an nn.Linear, got {type(base).__name__}.")
        if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            raise ValueError(f"rank must be a positive integer (typically 4 to 16), got {rank!r}.")
        if not alpha > 0:
            raise ValueError(f"alpha must be > 0 (often alpha = rank or 2 * rank), got {alpha!r}.")
        self.base, self.rank, self.alpha, self.scale = base, rank, alpha, alpha / rank
        base.requires_grad_(False)
        w = base.weight
        self.A = nn.Parameter(torch.empty(rank, base.in_features, device=w.device, dtype=w.dtype))
        self.B = nn.Parameter(torch.zeros(base.out_features, rank, device=w.device, dtype=w.dtype))
        nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))  # as nn.Linear initialises its weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return base(x) + scale * x A^T B^T, shape (..., out_features)."""
        return self.base(x) + (x @ self.A.T @ self.B.T) * self.scale

    def merged(self) -> nn.Linear:
        """Return a plain nn.Linear whose weight already includes the update: W + scale * B @ A."""
        base = self.base
        out = nn.Linear(base.in_features, base.out_features, bias=base.bias is not None,
                        device=base.weight.device, dtype=base.weight.dtype)
        with torch.no_grad():
            out.weight.copy_(base.weight + self.scale * (self.B @ self.A))
            if base.bias is not None:
                out.bias.copy_(base.bias)
        return out


def apply_lora(model: nn.Module, rank: int, alpha: float = 1.0,
               targets: tuple[str, ...] = ("attn.qkv", "attn.proj", "mlp.0", "mlp.2")) -> list[str]:
    """Freeze `model` and wrap each nn.Linear whose name ends with one of `targets` in a LoRALinear.

    Returns the names of the wrapped layers; afterwards only the A and B matrices require gradients.
    """
    if not targets:
        raise ValueError("targets must name at least one layer, e.g. ('attn.qkv', 'attn.proj').")
    model.requires_grad_(False)
    chosen = [name for name, m in model.named_modules() if isinstance(m, nn.Linear) and name.endswith(targets)]
    if not chosen:
        raise ValueError(f"No nn.Linear in the model has a name ending with {targets}; list the names with "
                         "[n for n, m in model.named_modules() if isinstance(m, nn.Linear)].")
    for name in chosen:
        parent, _, child = name.rpartition(".")
        owner = model.get_submodule(parent) if parent else model
        setattr(owner, child, LoRALinear(getattr(owner, child), rank, alpha))
    return chosen


def merge_lora(model: nn.Module) -> nn.Module:
    """Replace every LoRALinear in `model` by its merged nn.Linear (in place); return the model."""
    names = [name for name, m in model.named_modules() if isinstance(m, LoRALinear)]
    if not names:
        raise ValueError("The model has no LoRALinear layers to merge; call apply_lora(model, ...) first.")
    for name in names:
        parent, _, child = name.rpartition(".")
        owner = model.get_submodule(parent) if parent else model
        setattr(owner, child, getattr(owner, child).merged())
    return model


def lora_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """Return only the adapter's tensors (every LoRALinear's A and B), keyed as in model.state_dict()."""
    state = {k: v for k, v in model.state_dict().items() if k.endswith((".A", ".B"))}
    if not state:
        raise ValueError("The model has no LoRA adapter; call apply_lora(model, ...) first.")
    return state


def save_adapter(path: str | os.PathLike, model: nn.Module, **extra: object) -> Path:
    """Save the adapter (A and B of every LoRALinear) and plain-data extras (rank, alpha...) atomically."""
    buffer = io.BytesIO()
    torch.save({"adapter": lora_state_dict(model), **extra}, buffer)
    return atomic_write(path, buffer.getvalue())


def load_adapter(path: str | os.PathLike, model: nn.Module) -> dict:
    """Load an adapter saved by save_adapter into `model` (already wrapped with apply_lora); return the dict."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No adapter file at {path}. Check the path, or save one with save_adapter first.")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # the unpickler fails in many ways on a truncated file (struct.error, EOFError...)
        raise RuntimeError(f"{path} is not a readable adapter file (truncated or corrupt?): {one_line(exc)}") from None
    if not isinstance(saved, dict) or "adapter" not in saved:
        raise ValueError(f"{path} is not an adapter file: expected a dict with an 'adapter' entry.")
    expected = {k: tuple(v.shape) for k, v in lora_state_dict(model).items()}
    if {k: tuple(v.shape) for k, v in saved["adapter"].items()} != expected:
        raise ValueError(f"The adapter in {path} does not fit this model (its layers or ranks differ); wrap the "
                         "model with apply_lora using the same targets and rank as when it was saved.")
    model.load_state_dict(saved["adapter"], strict=False)
    return saved
