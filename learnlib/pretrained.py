"""Pretrained weights (notebook 05) through torchvision's weights API; offline, a message that says what to do.

torchvision keeps downloaded weights in $TORCH_HOME/hub/checkpoints/ (TORCH_HOME defaults to
~/.cache/torch). A file already there is used without any network access; that is also how to install
weights by hand on a machine without internet.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlparse

import torch
import torchvision
from torch import nn

from .errors import one_line


def weights_enum(arch: str, weights: str = "DEFAULT") -> torchvision.models.WeightsEnum:
    """Return torchvision's weights entry for `arch`, e.g. weights_enum('resnet18') -> IMAGENET1K_V1."""
    try:
        return torchvision.models.get_model_weights(arch)[weights]
    except (ValueError, KeyError):
        raise ValueError(f"torchvision has no weights {weights!r} for model {arch!r}.") from None


def weights_file(arch: str, weights: str = "DEFAULT") -> Path:
    """Return the path where torchvision caches (and looks for) these weights, honouring $TORCH_HOME."""
    name = Path(urlparse(weights_enum(arch, weights).url).path).name  # e.g. resnet18-f37072fd.pth
    return Path(torch.hub.get_dir()) / "checkpoints" / name


def weights_verified(arch: str, weights: str = "DEFAULT") -> bool:
    """Return True if the cached weights file is torchvision's own: its SHA-256 starts with the hash in its name.

    torchvision names each file after the first hex digits of its SHA-256 (resnet18-f37072fd.pth), and torch.hub
    checks them on download, not when it loads a file that is already cached. A file put there by hand, or a
    stand-in such as the tests use, loads just the same: this tells the two apart.
    """
    path = weights_file(arch, weights)
    if not path.is_file():
        raise FileNotFoundError(f"No cached weights at {path}: load_pretrained({arch!r}, {weights!r}) downloads them.")
    expected = re.search(r"-([a-f0-9]+)\.", path.name).group(1)  # torch.hub's convention for the hash in the name
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest().startswith(expected)


def load_pretrained(arch: str = "resnet18", weights: str = "DEFAULT") -> nn.Module:
    """Return torchvision's `arch` with pretrained `weights`: from the cache, else downloaded.

    Offline with no cached file, raises a RuntimeError naming the exact file and folder to put it in.
    The matching preprocessing is weights_enum(arch, weights).transforms().
    """
    entry = weights_enum(arch, weights)
    target = weights_file(arch, weights)
    try:
        return torchvision.models.get_model(arch, weights=entry, progress=False)
    except (URLError, OSError, RuntimeError, pickle.UnpicklingError, EOFError) as exc:
        if target.is_file():  # the file was there: this is not a download problem
            raise RuntimeError(f"{target} could not be loaded as {arch} weights ({type(exc).__name__}: "
                               f"{one_line(exc)}). Delete it to download it again.") from None
        raise RuntimeError(
            f"The pretrained weights {arch} {entry.name} are not cached and could not be downloaded "
            f"({one_line(exc, 200)}). "
            f"On a machine with internet, download the file named by "
            f"torchvision.models.get_model_weights('{arch}').{entry.name}.url and put it at {target} "
            f"(folder {target.parent}, which is $TORCH_HOME/hub/checkpoints; TORCH_HOME defaults to "
            f"~/.cache/torch). torchvision then loads it without a download."
        ) from None
