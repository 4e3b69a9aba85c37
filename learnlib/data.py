"""Data loaders that are fast on a laptop CPU and reproducible (notebooks 04 and 05): seeded shuffling, subsets,
normalisation statistics.

For datasets that fit in memory (MNIST is 47 MB as uint8) the fastest input pipeline is no pipeline:
keep the whole set as one tensor and slice batches out of it. `tensor_loader` does that; `make_loader`
is the general DataLoader for datasets that decode files (images on disk).
"""

from __future__ import annotations

import math
import os
import platform
from collections.abc import Sequence

import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler, TensorDataset

from .device import as_device
from .errors import check_positive_ints


def default_num_workers() -> int:
    """Return a safe number of DataLoader worker processes for this platform.

    Windows and macOS start workers with 'spawn', which re-imports the notebook's code and fails for a
    Dataset defined in a cell, so they get 0 (load in the main process). Linux forks: use the spare cores.
    """
    if platform.system() in ("Windows", "Darwin"):
        return 0
    return max(0, min(4, (os.cpu_count() or 1) - 1))


def channel_stats(images: torch.Tensor) -> tuple[list[float], list[float]]:
    """Return per-channel (mean, std) of `images` scaled to [0, 1]: uint8 (N, H, W) or (N, C, H, W)."""
    _check_images(images, "channel_stats")
    x = images if images.ndim == 4 else images.unsqueeze(1)
    if x.shape[0] * x.shape[2] * x.shape[3] < 2:
        raise ValueError(f"channel_stats needs at least two pixels per channel for a standard deviation, got images "
                         f"of shape {tuple(images.shape)}.")
    x = x.float() / 255 if images.dtype == torch.uint8 else x.float()
    if not torch.isfinite(x).all():
        raise ValueError("channel_stats got images that contain NaN or inf; clean the data first.")
    dims = (0, 2, 3)  # everything but the channel
    return x.mean(dims).tolist(), x.std(dims).tolist()


def normalize(images: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Return uint8 images (N, H, W) or (N, C, H, W) as float32 (N, C, H, W), scaled to [0, 1] and standardised."""
    _check_images(images, "normalize")
    if images.dtype != torch.uint8:
        raise TypeError(f"normalize expects uint8 images (0-255), got {images.dtype}. For images already scaled "
                        f"to [0, 1], use (x - mean) / std directly.")
    x = images if images.ndim == 4 else images.unsqueeze(1)
    if len(mean) != x.shape[1] or len(std) != x.shape[1]:
        raise ValueError(f"normalize got {len(mean)} means and {len(std)} stds for images with {x.shape[1]} "
                         f"channel(s); give one of each per channel (learnlib.data.channel_stats computes them).")
    if not all(math.isfinite(m) for m in mean) or not all(math.isfinite(s) and s > 0 for s in std):
        raise ValueError(f"normalize needs finite means and stds > 0 (a std of 0 would divide by zero), got "
                         f"mean={list(mean)}, std={list(std)}. Constant images carry no information to scale.")
    mean_t = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
    std_t = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    return (x.float() / 255 - mean_t) / std_t


def seeded_subset(n: int, size: int, seed: int) -> torch.Tensor:
    """Return `size` distinct indices out of range(n), chosen by a generator seeded with `seed`, in sorted order."""
    for name, value in (("n", n), ("size", size), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"seeded_subset: {name} must be an integer, got {type(value).__name__} {value!r}.")
    if not 0 < size <= n:
        raise ValueError(f"subset size must be between 1 and n={n}, got size={size}.")
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:size].sort().values


def tensor_loader(
    inputs: torch.Tensor,
    targets: torch.Tensor,
    batch_size: int,
    *,
    shuffle: bool,
    seed: int = 0,
    drop_last: bool = False,
) -> DataLoader:
    """Return a DataLoader that slices whole batches out of in-memory tensors (no per-sample collate).

    Same seed, same batches. The sampler yields a list of indices per batch and TensorDataset indexes
    both tensors with it at once, which is 10-30x faster than fetching and stacking samples one by one.
    """
    if not isinstance(inputs, torch.Tensor) or not isinstance(targets, torch.Tensor):
        raise TypeError(f"tensor_loader needs tensors, got {type(inputs).__name__} and {type(targets).__name__}; "
                        f"convert with torch.as_tensor(...), or use make_loader for a Dataset.")
    check_positive_ints(batch_size=batch_size)
    if inputs.ndim == 0 or targets.ndim == 0:
        raise ValueError("tensor_loader needs one row per sample: inputs and targets must have a first dimension.")
    if inputs.shape[0] != targets.shape[0]:
        raise ValueError(f"inputs and targets differ in length: {inputs.shape[0]} vs {targets.shape[0]}.")
    if inputs.shape[0] == 0:
        raise ValueError("tensor_loader got empty tensors; check the data (or the quick-mode subset).")
    dataset = TensorDataset(inputs, targets)
    generator = torch.Generator().manual_seed(seed)
    order = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
    # batch_size=None turns off automatic batching: each "sample" the sampler yields is already a batch.
    return DataLoader(dataset, sampler=BatchSampler(order, batch_size, drop_last), batch_size=None)


def make_loader(
    dataset: Dataset,
    batch_size: int,
    *,
    shuffle: bool,
    device: torch.device | str,
    seed: int = 0,
    num_workers: int | None = None,
    drop_last: bool = False,
) -> DataLoader:
    """Return a DataLoader with seeded shuffling, pin_memory only on CUDA and a safe number of workers."""
    if not isinstance(dataset, Dataset) or not hasattr(dataset, "__len__"):
        raise TypeError(f"make_loader needs a map-style Dataset (with __len__ and __getitem__), got "
                        f"{type(dataset).__name__}.")
    if len(dataset) == 0:
        raise ValueError("make_loader got an empty dataset; check the data folder (or the quick-mode subset).")
    check_positive_ints(batch_size=batch_size)
    if num_workers is not None and (isinstance(num_workers, bool) or not isinstance(num_workers, int)
                                    or num_workers < 0):
        raise ValueError(f"num_workers must be an integer >= 0 (0: load in this process), got {num_workers!r}.")
    device = as_device(device)
    workers = default_num_workers() if num_workers is None else num_workers
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        generator=torch.Generator().manual_seed(seed),  # the shuffle order, and each worker's base seed
        num_workers=workers,
        pin_memory=device.type == "cuda",  # page-locked memory only helps host-to-GPU copies
        persistent_workers=workers > 0,
        drop_last=drop_last,
    )


def _check_images(images, name: str) -> None:
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{name} needs a tensor of images, got {type(images).__name__}.")
    if images.ndim not in (3, 4) or images.shape[0] == 0:
        raise ValueError(f"{name} expects a non-empty (N, H, W) or (N, C, H, W) tensor, got shape "
                         f"{tuple(images.shape)}. For a single image, add the batch dimension: x.unsqueeze(0).")
