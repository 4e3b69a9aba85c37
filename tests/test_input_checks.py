"""The mistakes learners make, one test each: every public function of learnlib answers with a standard exception
whose message names what was wrong and the fix, never with NaN, garbage, or only torch's internal error."""

import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from learnlib import checkpoint, data, device, errors, finetune, metrics, models, plot, train
from learnlib.augment import RandomFlip, RandomShift

CPU = torch.device("cpu")


def pairs(n=32, width=3, targets=None):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, width, generator=g)
    y = torch.randn(n, 1, generator=g) if targets is None else targets
    return DataLoader(TensorDataset(x, y), batch_size=16)


def sgd(model, lr=0.1):
    return torch.optim.SGD(model.parameters(), lr=lr)


def fit_once(model, loader, loss_fn=None, lr=0.1, device_=CPU, **kw):
    loss_fn = nn.MSELoss() if loss_fn is None else loss_fn
    return train.fit(model, loader, loss_fn, sgd(model, lr), device_, 1, progress=False, **kw)


class Fc(nn.Module):
    """A network with a final layer `fc`, as torchvision's ResNets have."""

    def __init__(self, fc=None):
        super().__init__()
        self.body = nn.Linear(3, 4)
        self.fc = nn.Linear(4, 2) if fc is None else fc

    def forward(self, x):
        return self.fc(self.body(x))


# Each case: (what the learner did, a callable that does it, the exception, a regex its message must match).
CASES = [
    # ---- train.py ----
    ("a function instead of a model", lambda: train.evaluate(lambda x: x, pairs(), nn.MSELoss(), CPU),
     TypeError, "model must be a torch.nn.Module"),
    ("a Dataset instead of a DataLoader", lambda: fit_once(nn.Linear(3, 1), TensorDataset(torch.zeros(4, 3),
                                                                                             torch.zeros(4, 1))),
     TypeError, r"DataLoader\(dataset, batch_size=64\)"),
    ("the loss class, not an instance", lambda: fit_once(nn.Linear(3, 1), pairs(), nn.MSELoss),
     TypeError, r"pass an instance: MSELoss\(\)"),
    ("a metric that is a number", lambda: fit_once(nn.Linear(3, 1), pairs(), metrics={"acc": 0.5}),
     TypeError, "metric 'acc' must be callable"),
    ("a device name that does not exist", lambda: fit_once(nn.Linear(3, 1), pairs(), device_="gpu"),
     ValueError, "'gpu' is not a device name"),
    ("a device that is a number", lambda: fit_once(nn.Linear(3, 1), pairs(), device_=0),
     TypeError, "torch.device or a string"),
    ("a model narrower than its inputs", lambda: fit_once(nn.Linear(4, 1), pairs(width=3)),
     RuntimeError, r"first batch, inputs of shape \(16, 3\).*in_features"),
    ("uint8 inputs for a float model", lambda: fit_once(
        nn.Linear(3, 1), DataLoader(TensorDataset(torch.ones(8, 3, dtype=torch.uint8), torch.zeros(8, 1)),
                                    batch_size=4)),
     RuntimeError, r"inputs are torch.uint8 but the model's weights are torch.float32.*x.float\(\)"),
    ("NaN in the data", lambda: fit_once(nn.Linear(3, 1), DataLoader(
        TensorDataset(torch.full((8, 3), math.nan), torch.zeros(8, 1)), batch_size=4)),
     FloatingPointError, "contain NaN or inf: clean the data"),
    ("a learning rate that diverges", lambda: fit_once(nn.Linear(3, 1), DataLoader(
        TensorDataset(1e3 * torch.randn(256, 3), torch.zeros(256, 1)), batch_size=8), lr=1e3),
     FloatingPointError, "lower the learning rate"),
    ("predict over an empty loader", lambda: train.predict(nn.Linear(3, 1), DataLoader(
        TensorDataset(torch.zeros(0, 3), torch.zeros(0)), batch_size=4), CPU),
     ValueError, "yielded no batches"),
    ("predict over inputs without targets", lambda: train.predict(nn.Linear(3, 1), DataLoader(
        TensorDataset(torch.zeros(8, 3)), batch_size=4), CPU),
     TypeError, r"expected \(inputs, targets\) pairs"),
    ("evaluation() around a non-model", lambda: train.evaluation("model").__enter__(),
     TypeError, "model must be a torch.nn.Module"),
    # ---- metrics.py ----
    ("float targets for accuracy", lambda: metrics.accuracy(torch.zeros(4, 3), torch.zeros(4)),
     TypeError, r"integer class indices.*targets.long\(\)"),
    ("accuracy of an empty batch", lambda: metrics.accuracy(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long)),
     ValueError, "empty batch"),
    ("mae of empty tensors", lambda: metrics.mae(torch.zeros(0), torch.zeros(0)), ValueError, "mean of nothing"),
    ("mae of lists", lambda: metrics.mae([1.0], [2.0]), TypeError, "mae needs two tensors"),
    ("one class only", lambda: metrics.classification_report(torch.zeros(4, 1), torch.zeros(4, dtype=torch.long), 1),
     ValueError, "num_classes must be an integer >= 2"),
    ("labels beyond num_classes", lambda: metrics.classification_report(
        torch.zeros(2, 3), torch.tensor([0, 3]), 3), ValueError, r"class indices in \[0, 2\].*from 0 to 3"),
    # ---- data.py ----
    ("statistics of a single pixel", lambda: data.channel_stats(torch.zeros(1, 1, 1, dtype=torch.uint8)),
     ValueError, "at least two pixels per channel"),
    ("statistics of images with NaN", lambda: data.channel_stats(torch.full((2, 4, 4), math.nan)),
     ValueError, "NaN or inf"),
    ("statistics of a list", lambda: data.channel_stats([[0, 1]]), TypeError, "needs a tensor of images"),
    ("statistics of one image without a batch dimension", lambda: data.channel_stats(torch.zeros(28, 28)),
     ValueError, r"x.unsqueeze\(0\)"),
    ("a standard deviation of zero", lambda: data.normalize(torch.zeros(2, 4, 4, dtype=torch.uint8), [0.5], [0.0]),
     ValueError, "divide by zero"),
    ("normalizing float images", lambda: data.normalize(torch.rand(2, 4, 4), [0.5], [0.2]),
     TypeError, "expects uint8 images"),
    ("a subset size that is a float", lambda: data.seeded_subset(100, 10.0, 0), TypeError, "size must be an integer"),
    ("an empty subset", lambda: data.seeded_subset(100, 0, 0), ValueError, "between 1 and n=100"),
    ("a batch size of zero", lambda: data.tensor_loader(torch.zeros(4, 2), torch.zeros(4), 0, shuffle=False),
     ValueError, "batch_size must be a positive integer"),
    ("lists instead of tensors", lambda: data.tensor_loader([[0.0]], [0], 1, shuffle=False),
     TypeError, r"torch.as_tensor"),
    ("inputs and targets of different lengths", lambda: data.tensor_loader(torch.zeros(4, 2), torch.zeros(3), 2,
                                                                           shuffle=False),
     ValueError, "differ in length: 4 vs 3"),
    ("make_loader over a tensor", lambda: data.make_loader(torch.zeros(4, 2), 2, shuffle=False, device=CPU),
     TypeError, "map-style Dataset"),
    ("make_loader with a negative batch size", lambda: data.make_loader(
        TensorDataset(torch.zeros(4, 2)), -1, shuffle=False, device=CPU), ValueError, "batch_size must be"),
    ("make_loader with negative workers", lambda: data.make_loader(
        TensorDataset(torch.zeros(4, 2)), 2, shuffle=False, device=CPU, num_workers=-1),
     ValueError, "num_workers must be an integer >= 0"),
    ("make_loader with an unknown device", lambda: data.make_loader(
        TensorDataset(torch.zeros(4, 2)), 2, shuffle=False, device="tpu"), ValueError, "'tpu' is not a device name"),
    ("the split as a string", lambda: __import__("learnlib.mnist").mnist.load_mnist(train="test"),
     TypeError, r"train must be True or False, got 'test'.*train=False"),
    ("download as a string", lambda: __import__("learnlib.cifar").cifar.load_cifar10(download="no"),
     TypeError, "download must be True or False"),
    # ---- device.py ----
    ("describing a device given as a number", lambda: device.describe_device(0), TypeError, "torch.device or a string"),
    # ---- augment.py ----
    ("a fractional shift", lambda: RandomShift(1.5), ValueError, "whole number of pixels"),
    ("shifting images without a channel dimension", lambda: RandomShift(2)(torch.zeros(4, 28, 28)),
     ValueError, r"x.unsqueeze\(1\)"),
    ("a flip probability above 1", lambda: RandomFlip(2.0), ValueError, r"probability in \[0, 1\]"),
    ("flipping a single image", lambda: RandomFlip(0.5)(torch.zeros(3, 32, 32)), ValueError, r"\(N, C, H, W\)"),
    # ---- models.py ----
    ("a CNN with no classes", lambda: models.MnistCNN(num_classes=0), ValueError, "num_classes must be a positive"),
    ("a dropout of 1", lambda: models.MnistCNN(dropout=1.0), ValueError, r"dropout must be a probability"),
    ("digits without a channel dimension", lambda: models.MnistCNN()(torch.zeros(2, 28, 28)),
     ValueError, r"MnistCNN expects images of shape \(N, 1, 28, 28\).*unsqueeze\(1\)"),
    ("raw uint8 digits", lambda: models.MnistCNN()(torch.zeros(2, 1, 28, 28, dtype=torch.uint8)),
     TypeError, "floating-point images.*normalize"),
    ("images with the channels last", lambda: models.SmallResNet()(torch.zeros(2, 32, 32, 3)),
     ValueError, r"permute\(0, 3, 1, 2\)"),
    ("two stage widths for three stages", lambda: models.SmallResNet(widths=(32, 64)), ValueError, "three stages"),
    ("a block with no channels", lambda: models.BasicBlock(0, 4), ValueError, "c_in must be a positive integer"),
    # ---- finetune.py ----
    ("a model without `fc`", lambda: finetune.replace_head(nn.Linear(3, 2), 2), TypeError, "named `fc`"),
    ("a head that was removed", lambda: finetune.replace_head(Fc(nn.Identity()), 2), ValueError, "nn.Identity"),
    ("a head with no classes", lambda: finetune.replace_head(Fc(), 0), ValueError, "num_classes must be a positive"),
    ("a negative learning rate", lambda: finetune.param_groups(Fc(), -1e-3, 1e-2), ValueError, "backbone_lr must be"),
    ("a NaN learning rate", lambda: finetune.param_groups(Fc(), 1e-3, math.nan), ValueError, "head_lr must be"),
    ("counting parameters of a state_dict", lambda: finetune.count_trainable(Fc().state_dict()),
     TypeError, "model must be a torch.nn.Module"),
    # ---- checkpoint.py ----
    ("saving a state_dict instead of the model", lambda: checkpoint.save_checkpoint("x.pt", Fc().state_dict()),
     TypeError, "needs the model"),
    # ---- plot.py ----
    ("a grid with zero columns", lambda: plot.plot_image_grid(torch.zeros(2, 8, 8), ncols=0),
     ValueError, "ncols must be a positive integer"),
    ("a grid of a list", lambda: plot.plot_image_grid([torch.zeros(8, 8)]), TypeError, "needs a tensor of images"),
    ("a history with ragged columns", lambda: plot.plot_history({"epoch": [1, 2], "train_loss": [0.5]}),
     ValueError, "one value per epoch"),
    # ---- errors.py ----
    ("a summary of zero characters", lambda: errors.one_line(ValueError("x"), limit=0), ValueError, "limit must be"),
]


@pytest.mark.parametrize("case, call, exception, message", CASES, ids=[c[0] for c in CASES])
def test_mistake_is_explained(case, call, exception, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything a case might write lands in a temporary folder
    with pytest.raises(exception, match=message):
        call()


def test_checkpoint_paths_that_are_folders(tmp_path):
    with pytest.raises(IsADirectoryError, match="pass the checkpoint file inside it"):
        checkpoint.load_checkpoint(tmp_path)
    path = checkpoint.save_checkpoint(tmp_path / "m.pt", Fc())
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        checkpoint.load_checkpoint(path, model=Fc().state_dict())


def test_the_first_batch_error_keeps_torchs_own_message():
    with pytest.raises(RuntimeError, match="torch said: mat1 and mat2 shapes cannot be multiplied") as err:
        fit_once(nn.Linear(4, 1), pairs(width=3))
    assert isinstance(err.value.__cause__, RuntimeError)  # the original is chained for the full traceback


def test_one_line_collapses_and_cuts():
    assert errors.one_line(OSError("no\n  network\tat all")) == "no network at all"
    assert errors.one_line(ValueError("x" * 50), limit=10) == "x" * 9 + "…"
    assert errors.one_line(KeyError()) == "KeyError"
