"""MNIST (notebook 04) through torchvision, its files checked first so that problems come with a fix, not a traceback.

torchvision.datasets.MNIST(root, download=True) looks in <root>/MNIST/raw/ for the four uncompressed IDX
files; when one is missing it downloads (or, if present, unpacks) the four original .gz files. Behind a
firewall, dropping those four .gz files (or the uncompressed ones) into that folder is enough.
"""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path
from urllib.error import URLError

import torch
import torchvision

from .env import data_root
from .errors import check_flags, one_line

# name -> (IDX magic number, number of items, bytes per item). The magic encodes the element type (0x08:
# unsigned byte) and the number of dimensions (3 for images N x 28 x 28, 1 for labels).
FILES = {
    "train-images-idx3-ubyte": (2051, 60_000, 28 * 28),
    "train-labels-idx1-ubyte": (2049, 60_000, 1),
    "t10k-images-idx3-ubyte": (2051, 10_000, 28 * 28),
    "t10k-labels-idx1-ubyte": (2049, 10_000, 1),
}
GZ_MD5 = dict(torchvision.datasets.MNIST.resources)  # md5 of each original .gz file, as torchvision checks them


def _expected_files_text(raw: Path) -> str:
    names = ", ".join(f"{name}.gz" for name in FILES)
    return (f"Put the four original MNIST files ({names}) or their uncompressed versions into {raw}, "
            f"or point LEARNLIB_DATA (or the root argument) at a folder that has MNIST/raw/ with them.")


def _check_idx(path: Path, magic: int, count: int, item_bytes: int) -> str | None:
    """Return what is wrong with an uncompressed IDX file, or None if its header and size are right."""
    header_len = 16 if magic == 2051 else 8
    expected = header_len + count * item_bytes
    size = path.stat().st_size
    with open(path, "rb") as f:
        header = f.read(header_len)
    if len(header) < 8 or struct.unpack(">I", header[:4])[0] != magic:
        return "it is not an MNIST IDX file (wrong magic number in its header)"
    if struct.unpack(">I", header[4:8])[0] != count:
        return f"its header announces {struct.unpack('>I', header[4:8])[0]} items instead of {count}"
    if size != expected:
        return f"it has {size:,} bytes instead of {expected:,} (truncated or corrupt)"
    return None


def _check_gz(path: Path) -> str | None:
    with open(path, "rb") as f:
        if f.read(2) != b"\x1f\x8b":
            return "it is not a gzip file"
    digest = hashlib.md5(path.read_bytes()).hexdigest()
    if digest != GZ_MD5[path.name]:
        return f"its md5 is {digest}, not {GZ_MD5[path.name]} (truncated, corrupt or a different file)"
    return None


def check_mnist_files(root: str | os.PathLike) -> list[str]:
    """Validate MNIST's files under `root`/MNIST/raw; raise on a bad file, return the names still missing."""
    raw = Path(root) / "MNIST" / "raw"
    missing = []
    for name, (magic, count, item_bytes) in FILES.items():
        plain, packed = raw / name, raw / f"{name}.gz"
        if plain.is_file():
            problem, path = _check_idx(plain, magic, count, item_bytes), plain
        elif packed.is_file():
            problem, path = _check_gz(packed), packed
        else:
            missing.append(name)
            continue
        if problem:
            raise RuntimeError(
                f"The MNIST file {path} is unusable: {problem}. Delete it and run again to download a fresh "
                f"copy, or replace it with the original file. {_expected_files_text(raw)}"
            )
    return missing


def load_mnist(
    root: str | os.PathLike | None = None, train: bool = True, download: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return MNIST's (images, labels): uint8 (N, 28, 28) and int64 (N,), N = 60,000 (train) or 10,000 (test).

    `root` defaults to learnlib.data_root() (the root argument, else $LEARNLIB_DATA, else data/ in the repo).
    """
    check_flags(train=train, download=download)
    root = data_root(root)  # raises NotADirectoryError for a root that is a file
    raw = root / "MNIST" / "raw"
    missing = check_mnist_files(root) if root.is_dir() else list(FILES)
    if missing and not download:
        raise FileNotFoundError(
            f"MNIST is not in {raw} (missing: {', '.join(missing)}) and download=False. {_expected_files_text(raw)}"
        )
    try:
        dataset = torchvision.datasets.MNIST(str(root), train=train, download=download)
    except (URLError, OSError, RuntimeError) as exc:  # no network, a read-only folder, a failed download
        raise RuntimeError(
            f"Could not download MNIST into {raw} ({one_line(exc)}). Without network access, download it on another "
            f"machine. {_expected_files_text(raw)}"
        ) from None
    return dataset.data, dataset.targets

