"""CIFAR-10 loading: fabricated official batch files and image folders for every path and error, and the real
copy when CI has it."""

import hashlib
import pickle
from urllib.error import URLError

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

from learnlib.cifar import CLASSES, cifar10_source, load_cifar10
from learnlib.env import data_root


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(url, *args, **kwargs):
        raise URLError("no network in tests")
    # torchvision first resolves redirects, then downloads: both network steps fail at once, offline-style.
    monkeypatch.setattr(torchvision.datasets.utils, "_get_redirect_url", refuse)
    monkeypatch.setattr(torchvision.datasets.utils, "_urlretrieve", refuse)


def fake_folder(root, split="train", per_class=2, classes=CLASSES, size=32):
    for label, name in enumerate(classes):
        folder = root / "cifar10" / split / name
        folder.mkdir(parents=True)
        for i in range(per_class):
            Image.new("RGB", (size, size), (label * 20 + i,) * 3).save(folder / f"{i:04d}.png")
    return root


def test_image_folder_gives_the_official_class_order(tmp_path):
    images, labels = load_cifar10(fake_folder(tmp_path), train=True)
    source = cifar10_source(tmp_path, train=True)
    assert images.shape == (20, 3, 32, 32) and images.dtype == torch.uint8
    assert labels.tolist() == [i // 2 for i in range(20)]
    assert images[:, 0, 0, 0].tolist() == [label * 20 + i for label in range(10) for i in range(2)]
    assert CLASSES == tuple(sorted(CLASSES))  # official order == alphabetical order == ImageFolder's order
    assert source == "image folder cifar10/train"


def fake_official(root, monkeypatch, train_sizes=(3, 2, 2, 2, 1), test_size=4):
    """Write torchvision's batch files (pickled dicts, rows of 3072 bytes: the R plane, then G, then B) with
    known pixels, and point torchvision's md5 table at them, as it would be for the real files."""
    base = root / torchvision.datasets.CIFAR10.base_folder
    base.mkdir(parents=True)

    def write(name, payload):
        (base / name).write_bytes(pickle.dumps(payload))
        return [name, hashlib.md5((base / name).read_bytes()).hexdigest()]

    def batch(name, n, first):
        index = np.arange(first, first + n, dtype=np.uint8)
        planes = np.stack([np.broadcast_to(index[:, None] + 100 * c, (n, 1024)) for c in range(3)], axis=1)
        return write(name, {"data": planes.reshape(n, 3072).astype(np.uint8), "labels": [i % 10 for i in range(n)]})

    starts = np.cumsum((0, *train_sizes))
    train_list = [batch(f"data_batch_{k + 1}", n, int(starts[k])) for k, n in enumerate(train_sizes)]
    test_list = [batch("test_batch", test_size, 50)]
    meta = write("batches.meta", {"label_names": list(CLASSES)})
    cls = torchvision.datasets.CIFAR10
    monkeypatch.setattr(cls, "train_list", train_list)
    monkeypatch.setattr(cls, "test_list", test_list)
    monkeypatch.setattr(cls, "meta", {**cls.meta, "md5": meta[1]})
    return root


def test_official_batch_files_are_read_as_nchw(tmp_path, monkeypatch):
    fake_official(tmp_path, monkeypatch)
    images, labels = load_cifar10(tmp_path, train=True, download=False)
    assert images.shape == (10, 3, 32, 32) and images.dtype == torch.uint8 and images.is_contiguous()
    # NHWC -> NCHW: channel c of image i holds i + 100 c everywhere, batches in order 1..5.
    for i in range(10):
        for c in range(3):
            assert torch.all(images[i, c] == i + 100 * c)
    assert labels.tolist() == [0, 1, 2, 0, 1, 0, 1, 0, 1, 0]
    test_images, _ = load_cifar10(tmp_path, train=False, download=False)
    assert test_images.shape == (4, 3, 32, 32) and int(test_images[0, 2, 5, 7]) == 250
    assert cifar10_source(tmp_path) == "official files cifar-10-batches-py"


def test_official_files_win_over_the_image_folder(tmp_path, monkeypatch):
    fake_official(tmp_path, monkeypatch)
    fake_folder(tmp_path)  # 20 images, which must not be used
    images, _ = load_cifar10(tmp_path, train=True)
    assert images.shape[0] == 10
    assert cifar10_source(tmp_path) == "official files cifar-10-batches-py"


def test_a_corrupt_official_file_falls_back_to_the_image_folder(tmp_path, monkeypatch):
    fake_official(tmp_path, monkeypatch)
    fake_folder(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").write_bytes(b"truncated")  # md5 no longer matches
    assert cifar10_source(tmp_path) == "image folder cifar10/train"
    assert load_cifar10(tmp_path)[0].shape[0] == 20


def test_neither_layout_and_no_network_names_both_options(tmp_path):
    with pytest.raises(RuntimeError) as err:
        load_cifar10(tmp_path)
    message = str(err.value)
    assert "could not be downloaded" in message and "no network in tests" in message
    assert str(tmp_path / "cifar-10-batches-py") in message and str(tmp_path / "cifar10") in message
    with pytest.raises(FileNotFoundError, match="download=False"):
        load_cifar10(tmp_path, download=False)


def test_only_the_other_split_present(tmp_path):
    fake_folder(tmp_path, split="train")
    with pytest.raises(RuntimeError, match=r"cifar10\)/train/<class>/|cifar10/train/<class>/"):
        load_cifar10(tmp_path, train=False)


def test_missing_class_folder(tmp_path):
    fake_folder(tmp_path, classes=CLASSES[:9])
    with pytest.raises(ValueError, match=r"missing: \['truck'\]"):
        load_cifar10(tmp_path)


def test_wrong_image_size_and_corrupt_file(tmp_path):
    fake_folder(tmp_path, size=28)
    with pytest.raises(ValueError, match="is 28x28 pixels; CIFAR-10 images are 32x32"):
        load_cifar10(tmp_path)
    bad = tmp_path / "again"
    fake_folder(bad)
    (bad / "cifar10" / "train" / "cat" / "0000.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(ValueError, match=r"Cannot decode .*0000\.png"):
        load_cifar10(bad)


def test_root_that_is_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotADirectoryError):
        load_cifar10(tmp_path / "f")


@pytest.mark.skipif(not (data_root() / "cifar10" / "test").is_dir(), reason="no CIFAR-10 image folder in the data root")
def test_real_cifar10_test_split():
    images, labels = load_cifar10(train=False)
    assert images.shape == (10_000, 3, 32, 32)
    assert labels.bincount().tolist() == [1000] * 10
