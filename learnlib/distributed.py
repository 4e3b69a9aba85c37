"""The task notebook 08's torchrun scripts share with the notebook: settings, data, model, loss, optimizer, results.

Every script (notebooks/scripts/08/) and the notebook itself build the same GPT from the same seed on the same
windows of text, which is what lets the notebook prove that 2 processes compute what 1 process computes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import TensorDataset

from .atomic import atomic_write
from .env import restart_count
from .gpt import GPT
from .text import build_vocab, encode, load_corpus

SETTINGS_KEYS = ("seed", "block_size", "n_layer", "n_head", "n_embd", "windows", "batch_size", "epochs", "lr",
                 "weight_decay")


def load_settings(path: str | os.PathLike = "settings.json") -> dict:
    """Return the settings the notebook wrote for its scripts (one place for every knob), checked for completeness."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No settings at {path.resolve()}: the scripts run in the folder where the notebook "
                                f"(or a test) wrote settings.json; pass cwd= to the launch.")
    settings = json.loads(path.read_text())
    missing = [key for key in SETTINGS_KEYS if key not in settings]
    if missing:
        raise KeyError(f"{path} lacks the settings {missing}.")
    return settings


def windows(settings: dict) -> tuple[TensorDataset, int]:
    """Return (dataset, vocab_size): settings['windows'] non-overlapping windows of tiny shakespeare, (N, T) each."""
    text = load_corpus("tinyshakespeare")  # from the data root, as in notebook 07
    vocab = build_vocab(text)
    n, t = settings["windows"], settings["block_size"]
    ids = encode(text[: n * t + 1], vocab)
    return TensorDataset(ids[:-1].view(n, t), ids[1:].view(n, t)), len(vocab)  # targets: the next character


def make_model(settings: dict, vocab_size: int) -> GPT:
    """Return notebook 07's GPT, initialised from settings['seed']: the same weights in every process."""
    torch.manual_seed(settings["seed"])
    return GPT(vocab_size, settings["block_size"], settings["n_layer"], settings["n_head"], settings["n_embd"])


def make_optimizer(settings: dict, model: nn.Module) -> torch.optim.AdamW:
    """Return AdamW over the model's parameters with the settings' learning rate and weight decay."""
    return torch.optim.AdamW(model.parameters(), lr=settings["lr"], weight_decay=settings["weight_decay"])


def loss_of(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Return the mean next-character cross-entropy of a batch of windows x, y of shape (B, T)."""
    return F.cross_entropy(model(x).flatten(0, 1), y.flatten())


def save_json(name: str, rank: int, data: dict) -> Path:
    """Write one rank's results to <name>_rank<rank>.json, with torchrun's restart count as "attempt"."""
    attempt = restart_count()  # above 0: the result of a restarted group
    return atomic_write(f"{name}_rank{rank}.json", json.dumps({**data, "attempt": attempt}))
