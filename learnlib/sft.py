"""Supervised fine-tuning batches (notebook 10): prompt + answer in one sequence, the loss on the answer only.

The model reads the whole sequence, but only the answer's tokens are targets: the prompt's positions get the
label -100, which F.cross_entropy ignores, so the model learns to answer, not to echo the question.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

IGNORE = -100  # F.cross_entropy's default ignore_index


def answer_batch(prompts: list[list[int]], answers: list[list[int]],
                 pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Return inputs and targets (B, L - 1): each row prompt + answer, right-padded; targets only on the answer.

    Position t of the inputs predicts token t + 1, so targets are the sequence shifted by one, with IGNORE where
    the next token is still the prompt's (or padding).
    """
    if len(prompts) != len(answers) or not prompts:
        raise ValueError(f"Need as many answers as prompts (at least one), got {len(prompts)} and {len(answers)}.")
    if not all(prompts) or not all(answers):
        raise ValueError("Every prompt and every answer needs at least one token.")
    rows = [list(p) + list(a) for p, a in zip(prompts, answers, strict=True)]
    labels = [[IGNORE] * len(p) + list(a) for p, a in zip(prompts, answers, strict=True)]
    length = max(map(len, rows))
    ids = torch.tensor([r + [pad_id] * (length - len(r)) for r in rows])  # (B, L)
    targets = torch.tensor([t + [IGNORE] * (length - len(t)) for t in labels])  # (B, L)
    return ids[:, :-1], targets[:, 1:]


def answer_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the answer tokens of logits (B, T, V) against targets (B, T) with IGNORE elsewhere."""
    if logits.shape[:2] != targets.shape:
        raise ValueError(f"logits {tuple(logits.shape)} and targets {tuple(targets.shape)} must agree in (B, T).")
    return F.cross_entropy(logits.float().flatten(0, 1), targets.flatten(), ignore_index=IGNORE)
