import json

import pytest
import torch

from learnlib.atomic import atomic_write
from learnlib.results import RESULTS_ENV, record_metrics


def test_record_without_a_results_file_checks_and_shows_nothing(monkeypatch, tmp_path):
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    # None: as a notebook cell's last line it echoes nothing (no raw floats in the committed outputs)
    assert record_metrics(test_accuracy=0.9943, epochs=3) is None
    assert list(tmp_path.iterdir()) == []


def test_record_merges_into_the_results_file(monkeypatch, tmp_path):
    path = tmp_path / "metrics.json"
    monkeypatch.setenv(RESULTS_ENV, str(path))
    record_metrics(test_accuracy=0.5)
    record_metrics(test_accuracy=torch.tensor(0.75), val_loss=0.1)
    assert json.loads(path.read_text()) == {"test_accuracy": 0.75, "val_loss": pytest.approx(0.1)}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]  # no temporary files left behind


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "0.9", None, True, torch.ones(2)])
def test_record_rejects_non_numbers(value):
    with pytest.raises(ValueError, match="must be a finite number|record one number"):
        record_metrics(score=value)


def test_record_needs_something():
    with pytest.raises(ValueError, match="at least one metric"):
        record_metrics()


def test_record_refuses_a_results_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    with pytest.raises(IsADirectoryError, match="name a JSON file"):
        record_metrics(score=1.0)


def test_record_refuses_to_overwrite_a_file_that_is_not_json(monkeypatch, tmp_path):
    path = tmp_path / "notes.json"
    path.write_text("my notes, not JSON")
    monkeypatch.setenv(RESULTS_ENV, str(path))
    with pytest.raises(ValueError, match="is not a JSON file"):
        record_metrics(score=1.0)
    assert path.read_text() == "my notes, not JSON"


def test_atomic_write_replaces_whole_files(tmp_path):
    path = tmp_path / "sub" / "f.txt"
    atomic_write(path, "old")
    atomic_write(path, b"new")
    assert path.read_text() == "new"
    assert sorted(p.name for p in path.parent.iterdir()) == ["f.txt"]


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "f.txt"
    atomic_write(path, "old")
    with pytest.raises(TypeError):
        atomic_write(path, 12345)  # not bytes or str: fails after the temporary file was created
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_atomic_write_refuses_a_folder_and_non_text(tmp_path):
    with pytest.raises(IsADirectoryError, match="needs a file name"):
        atomic_write(tmp_path, "x")
    with pytest.raises(TypeError, match="writes bytes or str, got dict"):
        atomic_write(tmp_path / "f.json", {"a": 1})
    assert list(tmp_path.iterdir()) == []
