"""The pretrained-weights path, exercised offline with a stand-in checkpoint in a temporary TORCH_HOME."""

from urllib.error import URLError

import pytest
import torch
import torchvision

from learnlib.pretrained import load_pretrained, weights_enum, weights_file, weights_verified


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(url, *args, **kwargs):
        raise URLError("no network in tests")
    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)  # any download attempt fails at once
    return tmp_path


def test_weights_file_honours_torch_home(torch_home):
    assert weights_file("resnet18") == torch_home / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    assert weights_enum("resnet18").name == "IMAGENET1K_V1"


def test_cached_stand_in_checkpoint_is_loaded_without_download(torch_home):
    torch.manual_seed(0)
    stand_in = torchvision.models.resnet18(weights=None)
    path = weights_file("resnet18")
    path.parent.mkdir(parents=True)
    torch.save(stand_in.state_dict(), path)
    model = load_pretrained("resnet18")
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), stand_in.state_dict().values(),
                                                 strict=True))
    # The preprocessing comes from the weights' metadata.
    preprocess = weights_enum("resnet18").transforms()
    assert preprocess.mean == [0.485, 0.456, 0.406] and preprocess.crop_size == [224]


def test_offline_without_the_file_names_file_and_folder(torch_home):
    with pytest.raises(RuntimeError) as err:
        load_pretrained("resnet18")
    message = str(err.value)
    target = torch_home / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    assert "not cached and could not be downloaded" in message and str(target) in message
    assert "IMAGENET1K_V1.url" in message and "TORCH_HOME" in message


def test_corrupt_cached_file(torch_home):
    path = weights_file("resnet18")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(RuntimeError, match="could not be loaded as resnet18 weights.*Delete it"):
        load_pretrained("resnet18")


def test_unknown_weights():
    with pytest.raises(ValueError, match="no weights 'IMAGENET9K' for model 'resnet18'"):
        load_pretrained("resnet18", "IMAGENET9K")


def test_weights_verified_tells_torchvisions_file_from_a_stand_in(torch_home, monkeypatch):
    path = weights_file("resnet18")
    with pytest.raises(FileNotFoundError, match="No cached weights"):
        weights_verified("resnet18")
    path.parent.mkdir(parents=True)
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), path)
    assert not weights_verified("resnet18")  # loads fine, but it is not the file the name promises
    # The same bytes under the name their own hash gives: accepted.
    import hashlib

    prefix = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    renamed = path.with_name(f"resnet18-{prefix}.pth")
    path.rename(renamed)
    monkeypatch.setattr("learnlib.pretrained.weights_file", lambda arch, weights="DEFAULT": renamed)
    assert weights_verified("resnet18")
