"""Text corpora for character-level language models (notebook 07): load, check, encode, split, sample batches.

The corpora live in the data root as `<root>/text/<name>.txt`. A missing file is downloaded when a URL is
known and the network answers; every file is checked against its size and md5 before it is used, so a
truncated download or a different edition stops with the file, the folder and the fix in the message.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError

import torch

from .atomic import atomic_write
from .env import data_root
from .errors import check_positive_ints, one_line


@dataclass(frozen=True)
class Corpus:
    """What a corpus file must be: its size and md5, where it comes from, and a byte to strip at its end."""

    size: int
    md5: str
    source: str
    url: str | None = None
    strip_suffix: bytes = b""


CORPORA = {
    "tinyshakespeare": Corpus(
        1_115_394, "6fb458f1232090904fb40fe944165e91",
        "the file data/tinyshakespeare/input.txt of the GitHub repository karpathy/char-rnn",
        "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"),
    "paradise_lost": Corpus(
        465_072, "732e8f310b479f689670276a24c467a4",
        "Milton's Paradise Lost, Project Gutenberg etext plboss10 without the introduction, as shipped in the "
        "source archive of the Python package shakespeare 0.6 "
        "(miltondata/texts/paradise_lost_(no_introduction)_gut.txt)",
        None, b"\x1a"),  # that edition ends with a DOS end-of-file mark
}


def _where_text(name: str, path: Path) -> str:
    c = CORPORA[name]
    return (f"Put the file {path.name} ({c.size:,} bytes, md5 {c.md5}; {c.source}) into {path.parent}, "
            f"or point LEARNLIB_DATA (or the root argument) at a folder that has text/{path.name}.")


def _problem(path: Path, corpus: Corpus) -> str | None:
    """Return what is wrong with a corpus file, or None if its size and md5 are right."""
    size = path.stat().st_size
    if size != corpus.size:
        return f"it has {size:,} bytes instead of {corpus.size:,} (truncated, or a different edition)"
    digest = hashlib.md5(path.read_bytes()).hexdigest()
    if digest != corpus.md5:
        return f"its md5 is {digest}, not {corpus.md5} (corrupt, or a different edition)"
    return None


def load_corpus(name: str, root: str | os.PathLike | None = None, download: bool = True,
                url: str | None = None, timeout: float = 60.0) -> str:
    """Return the text of corpus `name` ('tinyshakespeare' or 'paradise_lost') from `<root>/text/<name>.txt`.

    A missing file is downloaded from `url` (default: the corpus's known URL, if any) when `download` is True.
    """
    if name not in CORPORA:
        raise ValueError(f"Unknown corpus {name!r}; choose one of {', '.join(map(repr, CORPORA))}.")
    corpus = CORPORA[name]
    path = data_root(root) / "text" / f"{name}.txt"
    if not path.is_file():
        url = url or corpus.url
        if not download or url is None:
            why = "download=False" if not download else "no download address is known for these exact bytes"
            raise FileNotFoundError(f"The corpus file {path} is missing ({why}). {_where_text(name, path)}")
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                data = response.read()
            atomic_write(path, data)  # never leaves a half-written file behind
        except (URLError, OSError) as exc:  # no network, an HTTP error, a read-only folder
            raise RuntimeError(f"Could not download {name} from {url} into {path} ({one_line(exc)}). "
                               f"Without network access, download it on another machine. "
                               f"{_where_text(name, path)}") from None
    problem = _problem(path, corpus)
    if problem:
        raise RuntimeError(f"The corpus file {path} is unusable: {problem}. Delete it and run again to download "
                           f"a fresh copy, or replace it with the original. {_where_text(name, path)}")
    data = path.read_bytes()
    if corpus.strip_suffix and data.endswith(corpus.strip_suffix):
        data = data[: -len(corpus.strip_suffix)]
    return data.decode("utf-8")


def build_vocab(*texts: str) -> str:
    """Return the sorted distinct characters of all `texts`: position i is the character of token id i."""
    if not texts or not all(isinstance(t, str) for t in texts) or not any(texts):
        raise ValueError("build_vocab needs at least one non-empty string, e.g. build_vocab(train_text).")
    return "".join(sorted(set().union(*texts)))


def encode(text: str, vocab: str) -> torch.Tensor:
    """Return the token ids (int64, one per character) of `text` under the character vocabulary `vocab`."""
    stoi = {ch: i for i, ch in enumerate(vocab)}
    unknown = sorted(set(text) - stoi.keys())
    if unknown:
        raise ValueError(f"text holds {len(unknown)} character(s) that are not in the vocabulary: "
                         f"{''.join(unknown)[:20]!r}; build the vocabulary from every corpus you will encode "
                         f"(build_vocab(text_a, text_b)), or remove those characters first.")
    return torch.tensor([stoi[ch] for ch in text], dtype=torch.int64)


def decode(ids: torch.Tensor | list[int], vocab: str) -> str:
    """Return the text of token ids `ids` (a 1-D tensor or list) under the character vocabulary `vocab`."""
    ids = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
    if ids and isinstance(ids[0], list):
        raise ValueError("decode takes one sequence of ids (1-D); decode each row of a batch on its own.")
    bad = [i for i in ids if not 0 <= i < len(vocab)]
    if bad:
        raise ValueError(f"ids holds {len(bad)} id(s) outside the vocabulary [0, {len(vocab)}), e.g. {bad[0]}; "
                         "decode with the vocabulary the ids were encoded with.")
    return "".join(vocab[i] for i in ids)


def split_ids(ids: torch.Tensor, val_fraction: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """Split a 1-D token stream into (train, validation): the first part and the last `val_fraction`."""
    if ids.dim() != 1:
        raise ValueError(f"ids must be one token stream (1-D), got shape {tuple(ids.shape)}.")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction!r}.")
    # Contiguous, not shuffled: random windows would put overlapping text in both sets (leakage).
    n_train = int(len(ids) * (1 - val_fraction))
    return ids[:n_train], ids[n_train:]


def _check_window(ids: torch.Tensor, block_size: int, batch_size: int) -> None:
    check_positive_ints(block_size=block_size, batch_size=batch_size)
    if ids.dim() != 1 or len(ids) < block_size + 1:
        raise ValueError(f"ids must be a 1-D token stream longer than block_size ({block_size}), got shape "
                         f"{tuple(ids.shape)}; use a shorter block_size or more text.")


def get_batch(ids: torch.Tensor, block_size: int, batch_size: int, generator: torch.Generator | None = None,
              device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Return inputs and targets (batch_size, block_size) from random windows; targets are inputs shifted by one."""
    _check_window(ids, block_size, batch_size)
    starts = torch.randint(len(ids) - block_size, (batch_size,), generator=generator)
    offsets = torch.arange(block_size + 1)
    windows = ids[starts[:, None] + offsets]  # (B, block_size + 1)
    return windows[:, :-1].to(device), windows[:, 1:].to(device)


@torch.inference_mode()
def evaluate_lm(model: torch.nn.Module, ids: torch.Tensor, block_size: int, batch_size: int = 64,
                max_windows: int | None = None, device: torch.device | str = "cpu") -> float:
    """Return the mean next-token cross-entropy of `model` over consecutive windows of the token stream `ids`.

    The windows do not overlap and are always the same, so the number is deterministic; `max_windows`
    caps the cost (evenly spaced windows) for a quick estimate during training.
    """
    _check_window(ids, block_size, batch_size)
    n = (len(ids) - 1) // block_size
    starts = torch.arange(n) * block_size
    if max_windows is not None and max_windows < n:
        starts = starts[torch.linspace(0, n - 1, max_windows).long()]
    offsets = torch.arange(block_size + 1)
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for chunk in starts.split(batch_size):
        windows = ids[chunk[:, None] + offsets].to(device)  # (b, block_size + 1)
        logits = model(windows[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), windows[:, 1:].flatten(), reduction="sum")
        total, count = total + loss.item(), count + windows[:, 1:].numel()
    model.train(was_training)
    return total / count
