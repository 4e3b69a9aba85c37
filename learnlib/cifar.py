"""CIFAR-10 (notebook 05) from torchvision's official files, or from a folder of images, one class-to-index mapping.

Two layouts are accepted under the data root (see learnlib.env.data_root):
- torchvision's official format, <root>/cifar-10-batches-py/ (what CIFAR10(root, download=True) fetches);
- an image folder, <root>/cifar10/{train,test}/<class>/*.png|jpg, as many people keep it.
Either way the labels follow CLASSES, the official order (which is also the alphabetical order).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.error import URLError

import torch
import torchvision
from PIL import Image
from torchvision.datasets.utils import check_integrity
from torchvision.transforms.v2.functional import pil_to_tensor

from .env import data_root
from .errors import check_flags, one_line

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}


def _both_options(root: Path) -> str:
    return (f"Either let torchvision download the official files into {root / 'cifar-10-batches-py'} "
            f"(needs internet; or put cifar-10-python.tar.gz into {root} yourself), or put the images into "
            f"{root / 'cifar10'}/train/<class>/ and {root / 'cifar10'}/test/<class>/ (PNG or JPEG, 32x32, one "
            f"folder per class: {', '.join(CLASSES)}). Set LEARNLIB_DATA or pass root= to use another folder.")


def _load_folder(folder: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Decode every image under folder/<class>/ into uint8 (N, 3, 32, 32) and int64 labels (N,)."""
    present = sorted(p.name for p in folder.iterdir() if p.is_dir())
    if set(present) != set(CLASSES):
        missing, extra = sorted(set(CLASSES) - set(present)), sorted(set(present) - set(CLASSES))
        raise ValueError(f"{folder} must hold one folder per CIFAR-10 class; missing: {missing or 'none'}, "
                         f"unexpected: {extra or 'none'}.")
    images, labels = [], []
    for label, name in enumerate(CLASSES):
        files = sorted(p for p in (folder / name).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise ValueError(f"{folder / name} holds no .png or .jpg images.")
        for path in files:
            try:
                with Image.open(path) as file:
                    image = pil_to_tensor(file.convert("RGB"))  # (3, H, W) uint8
            except OSError as exc:  # PIL's UnidentifiedImageError and truncated files are OSErrors
                raise ValueError(f"Cannot decode {path}: {exc}. Delete or replace that file.") from None
            if image.shape != (3, 32, 32):
                raise ValueError(f"{path} is {image.shape[2]}x{image.shape[1]} pixels; CIFAR-10 images are 32x32.")
            images.append(image)
        labels += [label] * len(files)
    return torch.stack(images), torch.tensor(labels)


def _official_files_ok(root: Path) -> bool:
    """True when every batch file of torchvision's format is present with the right md5 (as it checks)."""
    official = torchvision.datasets.CIFAR10
    base = root / official.base_folder
    return base.is_dir() and all(check_integrity(str(base / name), md5)
                                 for name, md5 in official.train_list + official.test_list)


def cifar10_source(root: str | os.PathLike | None = None, train: bool = True) -> str:
    """Return where load_cifar10 reads this split from: 'official files ...', 'image folder ...' or 'download'."""
    root = data_root(root)
    split = "train" if train else "test"
    if _official_files_ok(root):
        return f"official files {torchvision.datasets.CIFAR10.base_folder}"
    if (root / "cifar10" / split).is_dir():
        return f"image folder cifar10/{split}"
    return "download"


def load_cifar10(
    root: str | os.PathLike | None = None, train: bool = True, download: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return CIFAR-10's (images, labels): uint8 (N, 3, 32, 32) and int64 (N,), like load_mnist.

    The official files are used when present; else the image folder; else, with download=True, torchvision
    downloads the official files (cifar10_source tells which). N is 50,000 (train) or 10,000 (test).
    """
    check_flags(train=train, download=download)
    root = data_root(root)  # raises NotADirectoryError for a root that is a file
    split = "train" if train else "test"
    source = cifar10_source(root, train)
    if source.startswith("image folder"):
        return _load_folder(root / "cifar10" / split)
    if source == "download" and not download:
        raise FileNotFoundError(f"CIFAR-10 ({split}) was not found in {root} and download=False. {_both_options(root)}")
    official = torchvision.datasets.CIFAR10
    try:
        dataset = official(str(root), train=train, download=download)
    except (URLError, OSError, RuntimeError) as exc:
        raise RuntimeError(f"CIFAR-10 is not in {root} and could not be downloaded ({one_line(exc, 200)}). "
                           f"{_both_options(root)}") from None
    if tuple(dataset.classes) != CLASSES:  # never expected; guards the shared class-to-index mapping
        raise RuntimeError(f"torchvision's CIFAR-10 classes {dataset.classes} differ from {CLASSES}.")
    images = torch.from_numpy(dataset.data).permute(0, 3, 1, 2).contiguous()  # (N, 32, 32, 3) -> (N, 3, 32, 32)
    return images, torch.tensor(dataset.targets)
