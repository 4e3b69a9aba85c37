"""Checkpoints (notebook 04): written atomically, read back safely (weights_only=True: tensors and plain data)."""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import torch
from torch import nn

from .atomic import atomic_write


def save_checkpoint(path: str | os.PathLike, model: nn.Module, **extra) -> Path:
    """Save model.state_dict() and plain-data extras (epoch, mean/std, class names...) atomically; return the path."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"save_checkpoint needs the model (an nn.Module), got {type(model).__name__}; "
                        f"it saves model.state_dict() itself.")
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), **extra}, buffer)
    # A crash mid-write leaves the previous checkpoint intact instead of a truncated file.
    return atomic_write(path, buffer.getvalue())


def load_checkpoint(
    path: str | os.PathLike, model: nn.Module | None = None, map_location: torch.device | str = "cpu"
) -> dict:
    """Load a checkpoint with weights_only=True; if `model` is given, load its weights into it. Return the dict."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; pass the checkpoint file inside it (e.g. {path / 'model.pt'}).")
    if model is not None and not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module to load the weights into (or None), got {type(model).__name__}.")
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}. Check the path, or train and save one first.")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:
        raise RuntimeError(
            f"{path} holds objects other than tensors and plain data, which weights_only=True refuses to load "
            f"(loading them could run arbitrary code). Save only state_dict()s and plain values."
        ) from None
    except (RuntimeError, EOFError) as exc:
        raise RuntimeError(f"{path} is not a readable PyTorch checkpoint (truncated or corrupt?): {exc}") from None
    if not isinstance(checkpoint, dict) or "model" not in checkpoint:
        raise ValueError(f"{path} is not a learnlib checkpoint: expected a dict with a 'model' state_dict.")
    if model is not None:
        saved, current = checkpoint["model"], model.state_dict()
        problems = [f"missing {k}" for k in current if k not in saved]
        problems += [f"unexpected {k}" for k in saved if k not in current]
        problems += [f"{k} has shape {tuple(saved[k].shape)} in the file but {tuple(v.shape)} in the model"
                     for k, v in current.items() if k in saved and saved[k].shape != v.shape]
        if problems:
            raise ValueError(
                f"The checkpoint {path} does not fit this model: {'; '.join(problems[:5])}"
                f"{'; ...' if len(problems) > 5 else ''}. Build the same architecture that was saved."
            )
        model.load_state_dict(saved)
    return checkpoint
