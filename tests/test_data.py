import os

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

import learnlib.data as data
from learnlib.data import channel_stats, default_num_workers, make_loader, normalize, seeded_subset, tensor_loader


@pytest.mark.parametrize("system, cores, expected", [("Windows", 8, 0), ("Darwin", 8, 0), ("Linux", 8, 4),
                                                     ("Linux", 2, 1), ("Linux", 1, 0)])
def test_default_num_workers(monkeypatch, system, cores, expected):
    monkeypatch.setattr(data.platform, "system", lambda: system)
    monkeypatch.setattr(data.os, "cpu_count", lambda: cores)
    assert default_num_workers() == expected


def test_channel_stats_and_normalize():
    images = torch.tensor([[[0, 255], [255, 0]], [[0, 0], [255, 255]]], dtype=torch.uint8)  # (2, 2, 2)
    mean, std = channel_stats(images)
    ref = images.float().div(255)
    assert mean == pytest.approx([0.5]) and std == pytest.approx([ref.std().item()])
    x = normalize(images, mean, std)
    assert x.shape == (2, 1, 2, 2) and x.dtype == torch.float32
    assert x.mean().item() == pytest.approx(0.0, abs=1e-6) and x.std().item() == pytest.approx(1.0, abs=1e-6)


def test_channel_stats_per_channel():
    images = torch.stack([torch.zeros(4, 4), torch.full((4, 4), 255.0), torch.full((4, 4), 51.0)]).to(torch.uint8)
    mean, std = channel_stats(images.unsqueeze(0).expand(3, -1, -1, -1))  # (3, 3, 4, 4)
    assert mean == pytest.approx([0.0, 1.0, 0.2]) and std == pytest.approx([0.0, 0.0, 0.0])


def test_stats_errors():
    with pytest.raises(ValueError, match="non-empty"):
        channel_stats(torch.zeros(0, 28, 28, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"3 means and 3 stds for images with 1 channel"):
        normalize(torch.zeros(2, 28, 28, dtype=torch.uint8), [0.5] * 3, [0.2] * 3)


def test_seeded_subset():
    a, b = seeded_subset(100, 10, seed=1), seeded_subset(100, 10, seed=1)
    assert torch.equal(a, b) and len(set(a.tolist())) == 10
    assert torch.equal(a, a.sort().values) and 0 <= a.min() and a.max() < 100
    assert not torch.equal(a, seeded_subset(100, 10, seed=2))
    with pytest.raises(ValueError, match="between 1 and n=100"):
        seeded_subset(100, 101, seed=0)


def batches(loader):
    return [(x.clone(), y.clone()) for x, y in loader]


def test_tensor_loader_is_seeded_and_complete():
    x, y = torch.arange(50.0).view(50, 1), torch.arange(50)
    one = batches(tensor_loader(x, y, 16, shuffle=True, seed=3))
    two = batches(tensor_loader(x, y, 16, shuffle=True, seed=3))
    assert all(torch.equal(a[1], b[1]) for a, b in zip(one, two, strict=True))
    assert [len(b[1]) for b in one] == [16, 16, 16, 2]
    assert sorted(torch.cat([b[1] for b in one]).tolist()) == list(range(50))  # every sample exactly once
    assert all(torch.equal(bx.view(-1), by.float()) for bx, by in one)  # inputs stay paired with targets
    other = batches(tensor_loader(x, y, 16, shuffle=True, seed=4))
    assert not torch.equal(one[0][1], other[0][1])


def test_tensor_loader_reshuffles_each_epoch_and_matches_a_plain_dataloader():
    x, y = torch.randn(40, 3), torch.arange(40)
    loader = tensor_loader(x, y, 8, shuffle=True, seed=0)
    first, second = batches(loader), batches(loader)
    assert not torch.equal(first[0][1], second[0][1])
    plain = batches(DataLoader(TensorDataset(x, y), batch_size=8, shuffle=False))
    ordered = batches(tensor_loader(x, y, 8, shuffle=False))
    assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(plain, ordered, strict=True))
    assert len(batches(tensor_loader(x, y, 16, shuffle=False, drop_last=True))) == 2


def test_tensor_loader_errors():
    with pytest.raises(ValueError, match="differ in length: 3 vs 2"):
        tensor_loader(torch.zeros(3, 1), torch.zeros(2), 2, shuffle=False)
    with pytest.raises(ValueError, match="empty"):
        tensor_loader(torch.zeros(0, 1), torch.zeros(0), 2, shuffle=False)


def test_make_loader_seeds_and_pins_only_on_cuda():
    ds = TensorDataset(torch.arange(30.0), torch.arange(30))
    a = make_loader(ds, 4, shuffle=True, device=torch.device("cpu"), seed=5, num_workers=0)
    b = make_loader(ds, 4, shuffle=True, device=torch.device("cpu"), seed=5, num_workers=0)
    assert [t[1].tolist() for t in a] == [t[1].tolist() for t in b]
    assert a.pin_memory is False
    assert make_loader(ds, 4, shuffle=False, device=torch.device("cuda"), num_workers=0).pin_memory is True
    with pytest.raises(ValueError, match="empty dataset"):
        make_loader(TensorDataset(torch.zeros(0)), 4, shuffle=False, device=torch.device("cpu"))


class NoisyDataset(torch.utils.data.Dataset):
    """Each sample draws from torch's generator inside the worker, as random augmentation does."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        return torch.tensor([float(i), torch.rand(()).item(), float(os.getpid())]), i


def test_make_loader_with_worker_processes_is_seeded_and_keeps_its_workers():
    def epochs(seed):
        loader = make_loader(NoisyDataset(), 4, shuffle=True, device="cpu", seed=seed, num_workers=2)
        assert loader.num_workers == 2 and loader.persistent_workers is True
        return [torch.cat([x for x, _ in loader]) for _ in range(2)]

    first, again, other = epochs(5), epochs(5), epochs(6)
    for a, b in zip(first, again, strict=True):
        torch.testing.assert_close(a[:, :2], b[:, :2], rtol=0, atol=0)  # same order, same random draws
    assert not torch.equal(first[0][:, :2], other[0][:, :2])
    assert sorted(first[0][:, 0].tolist()) == list(range(12))  # every sample exactly once per epoch
    assert not torch.equal(first[0][:, 0], first[1][:, 0])  # reshuffled for the second epoch
    pids = [set(epoch[:, 2].tolist()) for epoch in first]
    assert pids[0] == pids[1] and len(pids[0]) == 2 and os.getpid() not in pids[0]  # the same two workers
