"""Data augmentation on whole batches of tensors (notebooks 04 and 05), as layers that act only in training mode."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class RandomShift(nn.Module):
    """Shift each image by up to `max_shift` pixels up/down and left/right, in training mode only.

    Put it first in a model: `fit` switches it on (model.train()) and `evaluate` off (model.eval()), so test
    images are never shifted. Borders are filled by repeating the edge pixels (MNIST's edges are background).
    Random offsets come from torch's global generator, so learnlib.seed_everything makes them reproducible.
    """

    def __init__(self, max_shift: int = 2) -> None:
        super().__init__()
        if isinstance(max_shift, bool) or not isinstance(max_shift, int) or max_shift < 0:
            raise ValueError(f"max_shift must be a whole number of pixels >= 0, got {max_shift!r}.")
        self.max_shift = max_shift

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.max_shift == 0:
            return x
        if x.ndim != 4:
            raise ValueError(f"RandomShift expects images of shape (N, C, H, W), got {tuple(x.shape)}. "
                             f"Add the channel dimension with x.unsqueeze(1).")
        n, _, h, w = x.shape
        p = self.max_shift
        padded = F.pad(x, (p, p, p, p), mode="replicate")  # (N, C, H + 2p, W + 2p)
        dy = torch.randint(0, 2 * p + 1, (n, 1, 1), device=x.device)  # per-image offsets into the padding
        dx = torch.randint(0, 2 * p + 1, (n, 1, 1), device=x.device)
        rows = dy + torch.arange(h, device=x.device).view(1, h, 1)  # (N, H, 1)
        cols = dx + torch.arange(w, device=x.device).view(1, 1, w)  # (N, 1, W)
        batch = torch.arange(n, device=x.device).view(n, 1, 1)
        # Advanced indexing on (N, H', W', C) picks an H x W window per image: (N, H, W, C).
        return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)

    def extra_repr(self) -> str:
        return f"max_shift={self.max_shift}"


class RandomFlip(nn.Module):
    """Mirror each image left-right with probability `p`, in training mode only (not for digits or text)."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise ValueError(f"p must be a probability in [0, 1], got {p}.")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        if x.ndim != 4:
            raise ValueError(f"RandomFlip expects images of shape (N, C, H, W), got {tuple(x.shape)}.")
        flip = torch.rand(x.shape[0], device=x.device) < self.p  # (N,) which images to mirror
        return torch.where(flip.view(-1, *([1] * (x.ndim - 1))), x.flip(-1), x)

    def extra_repr(self) -> str:
        return f"p={self.p}"
