"""Data loaders that are fast on a laptop CPU and reproducible: seeded shuffling, subsets, statistics.

For datasets that fit in memory (MNIST is 47 MB as uint8) the fastest input pipeline is no pipeline:
keep the whole set as one tensor and slice batches out of it. `tensor_loader` does that; `make_loader`
is the general DataLoader for datasets that decode files (images on disk).
"""

from __future__ import annotations

import os
import platform

import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler, TensorDataset


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
    if images.ndim not in (3, 4) or images.shape[0] == 0:
        raise ValueError(f"channel_stats expects a non-empty (N, H, W) or (N, C, H, W) tensor, got {images.shape}.")
    x = images if images.ndim == 4 else images.unsqueeze(1)
    x = x.float() / 255 if images.dtype == torch.uint8 else x.float()
    dims = (0, 2, 3)  # everything but the channel
    return x.mean(dims).tolist(), x.std(dims).tolist()


def normalize(images: torch.Tensor, mean: list[float], std: list[float]) -> torch.Tensor:
    """Return uint8 images (N, H, W) or (N, C, H, W) as float32 (N, C, H, W), scaled to [0, 1] and standardised."""
    x = images if images.ndim == 4 else images.unsqueeze(1)
    mean_t = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
    std_t = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    if mean_t.shape[1] != x.shape[1]:
        raise ValueError(f"{mean_t.shape[1]} channel statistics for images with {x.shape[1]} channels.")
    return (x.float() / 255 - mean_t) / std_t


def seeded_subset(n: int, size: int, seed: int) -> torch.Tensor:
    """Return `size` distinct indices out of range(n), chosen by a generator seeded with `seed`, in sorted order."""
    if not 0 < size <= n:
        raise ValueError(f"subset size must be between 1 and {n}, got {size}.")
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
    device: torch.device,
    seed: int = 0,
    num_workers: int | None = None,
    drop_last: bool = False,
) -> DataLoader:
    """Return a DataLoader with seeded shuffling, pin_memory only on CUDA and a safe number of workers."""
    if len(dataset) == 0:
        raise ValueError("make_loader got an empty dataset; check the data folder (or the quick-mode subset).")
    workers = default_num_workers() if num_workers is None else num_workers
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        generator=torch.Generator().manual_seed(seed),  # the shuffle order, and each worker's base seed
        num_workers=workers,
        pin_memory=torch.device(device).type == "cuda",  # page-locked memory only helps host-to-GPU copies
        persistent_workers=workers > 0,
        drop_last=drop_last,
    )
