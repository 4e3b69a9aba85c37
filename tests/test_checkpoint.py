import pytest
import torch
from torch import nn

from learnlib.checkpoint import load_checkpoint, save_checkpoint


def small_net():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4 * 26 * 26, 10))


def test_round_trip_gives_identical_predictions(tmp_path):
    torch.manual_seed(0)
    model = small_net()
    model(torch.randn(8, 1, 28, 28))  # update BatchNorm's running statistics: buffers must be saved too
    model.eval()
    path = save_checkpoint(tmp_path / "ckpt" / "mnist.pt", model, mean=[0.1307], classes=list("0123456789"), epoch=3)
    restored = small_net().eval()
    extra = load_checkpoint(path, restored)
    x = torch.randn(5, 1, 28, 28)
    assert torch.equal(model(x), restored(x))
    assert extra["mean"] == [0.1307] and extra["epoch"] == 3 and extra["classes"][9] == "9"
    assert [p.name for p in path.parent.iterdir()] == ["mnist.pt"]  # no temporary file left behind


def test_architecture_mismatch_is_explained(tmp_path):
    save_checkpoint(tmp_path / "a.pt", nn.Linear(3, 2))
    with pytest.raises(ValueError, match=r"weight has shape \(2, 3\) in the file but \(2, 4\) in the model"):
        load_checkpoint(tmp_path / "a.pt", nn.Linear(4, 2))
    with pytest.raises(ValueError, match="missing 1.weight"):
        load_checkpoint(tmp_path / "a.pt", nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 2)))


def test_missing_truncated_and_foreign_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="No checkpoint at"):
        load_checkpoint(tmp_path / "none.pt")
    save_checkpoint(tmp_path / "ok.pt", nn.Linear(3, 2))
    (tmp_path / "cut.pt").write_bytes((tmp_path / "ok.pt").read_bytes()[:200])
    with pytest.raises(RuntimeError, match="truncated or corrupt"):
        load_checkpoint(tmp_path / "cut.pt")
    torch.save({"weights": torch.ones(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="expected a dict with a 'model' state_dict"):
        load_checkpoint(tmp_path / "other.pt")


class Payload:
    """Not a tensor or plain data: weights_only=True must refuse to unpickle it."""


def test_refuses_arbitrary_objects(tmp_path):
    torch.save({"model": {}, "extra": Payload()}, tmp_path / "evil.pt")
    with pytest.raises(RuntimeError, match="weights_only=True refuses"):
        load_checkpoint(tmp_path / "evil.pt")
