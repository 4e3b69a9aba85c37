"""MNIST loading: the real offline mirror when present, and fabricated broken files for every error path."""

import gzip
import shutil
import struct
from pathlib import Path
from urllib.error import URLError

import pytest
import torch
import torchvision

from learnlib.mnist import FILES, load_mnist

MIRROR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
needs_mirror = pytest.mark.skipif(not (MIRROR / "MNIST" / "raw").is_dir(), reason="offline MNIST mirror not present")


@pytest.fixture
def no_network(monkeypatch):
    """Make every download fail the way it does offline, without sending a packet."""
    def refuse(url, *args, **kwargs):
        raise URLError("no network in tests")
    # torchvision first resolves redirects, then downloads: both network steps fail at once, offline-style.
    monkeypatch.setattr(torchvision.datasets.utils, "_get_redirect_url", refuse)
    monkeypatch.setattr(torchvision.datasets.utils, "_urlretrieve", refuse)


def write_idx(path, magic, count, payload_bytes):
    header = struct.pack(">II", magic, count) + (struct.pack(">II", 28, 28) if magic == 2051 else b"")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + bytes(payload_bytes))


@needs_mirror
def test_loads_the_real_mnist_from_a_read_only_mirror():
    images, labels = load_mnist(MIRROR, train=True)
    assert images.shape == (60_000, 28, 28) and images.dtype == torch.uint8
    assert labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # the famous first digits
    test_images, test_labels = load_mnist(MIRROR, train=False)
    assert test_images.shape == (10_000, 28, 28) and test_labels.bincount().tolist()[:3] == [980, 1135, 1032]


@needs_mirror
def test_the_four_original_gz_files_are_enough(tmp_path, no_network):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in FILES:
        shutil.copy(MIRROR / "MNIST" / "raw" / f"{name}.gz", raw)
    images, labels = load_mnist(tmp_path, train=False)  # torchvision unpacks them; no download
    with gzip.open(raw / "t10k-labels-idx1-ubyte.gz") as f:
        assert labels.tolist() == list(f.read()[8:])
    assert images.shape == (10_000, 28, 28)


def test_environment_variable_names_the_root(monkeypatch, tmp_path, no_network):
    monkeypatch.setenv("LEARNLIB_DATA", str(tmp_path / "elsewhere"))
    with pytest.raises(RuntimeError, match="elsewhere"):
        load_mnist()


def test_no_files_and_no_network(tmp_path, no_network):
    with pytest.raises(RuntimeError) as err:
        load_mnist(tmp_path)
    message = str(err.value)
    assert "Could not download MNIST" in message and str(tmp_path / "MNIST" / "raw") in message
    assert "train-images-idx3-ubyte.gz" in message and "LEARNLIB_DATA" in message
    assert "Traceback" not in message and len(message.splitlines()) == 1


def test_no_files_and_download_off(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"missing: train-images-idx3-ubyte.*download=False"):
        load_mnist(tmp_path, download=False)


def test_root_that_is_a_file(tmp_path):
    (tmp_path / "mnist").write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        load_mnist(tmp_path / "mnist")


def test_truncated_idx_file(tmp_path, no_network):
    write_idx(tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte", 2051, 60_000, 1000)
    with pytest.raises(RuntimeError, match=r"train-images-idx3-ubyte is unusable: it has 1,016 bytes instead of "
                                           r"47,040,016 \(truncated or corrupt\)\. Delete it"):
        load_mnist(tmp_path)


def test_wrong_magic_and_wrong_count(tmp_path, no_network):
    raw = tmp_path / "MNIST" / "raw"
    write_idx(raw / "t10k-labels-idx1-ubyte", 2051, 10_000, 10_000)
    with pytest.raises(RuntimeError, match="not an MNIST IDX file"):
        load_mnist(tmp_path)
    write_idx(raw / "t10k-labels-idx1-ubyte", 2049, 9_999, 9_999)
    with pytest.raises(RuntimeError, match="announces 9999 items instead of 10000"):
        load_mnist(tmp_path)


def test_corrupt_gz_file(tmp_path, no_network):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "train-labels-idx1-ubyte.gz").write_bytes(b"<html>404 not found</html>")
    with pytest.raises(RuntimeError, match="not a gzip file"):
        load_mnist(tmp_path)
    (raw / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x01" + bytes(100)))
    with pytest.raises(RuntimeError, match=r"its md5 is .* \(truncated, corrupt or a different file\)"):
        load_mnist(tmp_path)


def test_read_only_root_without_files(tmp_path, monkeypatch):
    def denied(self):
        raise PermissionError(13, "Permission denied", str(tmp_path / "MNIST"))
    monkeypatch.setattr(torchvision.datasets.MNIST, "download", denied)
    with pytest.raises(RuntimeError, match="Could not download MNIST .*Permission denied"):
        load_mnist(tmp_path)


def test_url_error_is_explained(tmp_path, monkeypatch):
    def offline(self):
        raise URLError("[Errno -3] Temporary failure in name resolution")
    monkeypatch.setattr(torchvision.datasets.MNIST, "download", offline)
    with pytest.raises(RuntimeError, match="Temporary failure in name resolution"):
        load_mnist(tmp_path)
