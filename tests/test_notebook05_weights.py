"""Notebook 05's ImageNet-weights branch, run end to end with a stand-in checkpoint in a temporary TORCH_HOME.

No ImageNet weights can be downloaded where the committed outputs were made, so the notebook took its other
branch there (a backbone pretrained on CIFAR-10's animals). Here a random ResNet-18 is saved under the name
torchvision gives the real file (resnet18-f37072fd.pth): torch.hub loads a cached file without checking it,
so every cell of the ImageNet branch runs, and the notebook must notice that the file is not torchvision's
(its SHA-256 does not match the name) and hold the stand-in's results to the stand-in's bands.
"""

import json
from pathlib import Path

import nbformat
import pytest
import torch
import torchvision
from nbclient import NotebookClient

from learnlib.env import PROGRESS_ENV, QUICK_ENV, RESULTS_ENV, data_root

pytestmark = [
    pytest.mark.notebooks,  # a kernel runs the whole notebook in quick mode, about 80 s
    pytest.mark.skipif(not any((data_root() / d).is_dir() for d in ("cifar10/test", "cifar-10-batches-py")),
                       reason="no CIFAR-10 in the data root"),
]
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_cifar10_finetuning.ipynb"


def test_notebook05_runs_its_imagenet_branch_on_a_stand_in_checkpoint(tmp_path, monkeypatch):
    checkpoints = tmp_path / "torch_home" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), checkpoints / "resnet18-f37072fd.pth")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setenv(QUICK_ENV, "1")
    monkeypatch.setenv(PROGRESS_ENV, "1")
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path / "metrics.json"))
    run = tmp_path / "run"  # the notebook's working directory: its checkpoints/ folder goes here
    run.mkdir()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # Every training cell asserts its own band, by the weights in use: a result outside fails the cell here.
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(run)}}).execute()
    printed = "\n".join("".join(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "its SHA-256 does not start with\nthe f37072fd in its name" in printed
    assert "backbone weights: a stand-in file at the ImageNet weights' path" in printed
    assert "new head: Linear(in_features=512, out_features=4, bias=True)" in printed  # ResNet-18, not SmallResNet
    assert "pretrained on" not in printed  # the animal pretraining is skipped
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert {"finetune_accuracy", "probe_accuracy", "scratch_accuracy"} <= set(metrics)
