from pathlib import Path

import pytest

import learnlib.env as env
from learnlib import data_root, quick_mode
from learnlib.env import device_override, progress_disabled, results_file


@pytest.mark.parametrize(
    "value, expected", [("1", True), ("true", True), ("YES", True), ("0", False), ("", False), ("off", False)]
)
def test_quick_mode_values(monkeypatch, value, expected):
    monkeypatch.setenv("LEARNLIB_QUICK", value)
    assert quick_mode() is expected


def test_quick_mode_unset_is_full_mode(monkeypatch):
    monkeypatch.delenv("LEARNLIB_QUICK", raising=False)
    assert quick_mode() is False


@pytest.mark.parametrize("read, variable", [(quick_mode, "LEARNLIB_QUICK"), (progress_disabled, "TQDM_DISABLE")])
def test_switches_reject_typos(monkeypatch, read, variable):
    monkeypatch.setenv(variable, "ture")
    with pytest.raises(ValueError, match=f"{variable}='ture' is not understood; use {variable}=1"):
        read()


def test_progress_switch(monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert progress_disabled() is False
    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert progress_disabled() is True


def test_device_override(monkeypatch):
    monkeypatch.delenv("LEARNLIB_DEVICE", raising=False)
    assert device_override() is None
    monkeypatch.setenv("LEARNLIB_DEVICE", "  ")
    assert device_override() is None
    monkeypatch.setenv("LEARNLIB_DEVICE", " cuda:1 ")
    assert device_override() == "cuda:1"


def test_results_file(monkeypatch, tmp_path):
    monkeypatch.delenv("LEARNLIB_RESULTS", raising=False)
    assert results_file() is None
    monkeypatch.setenv("LEARNLIB_RESULTS", str(tmp_path / "r.json"))
    assert results_file() == tmp_path / "r.json"


def test_data_root_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("LEARNLIB_DATA", raising=False)
    default = data_root()
    assert default.name == "data" and (default.parent / "pyproject.toml").is_file()  # data/ in the repository
    assert default.parent == Path(__file__).resolve().parent.parent
    monkeypatch.setenv("LEARNLIB_DATA", str(tmp_path / "env"))
    assert data_root() == tmp_path / "env"
    assert data_root(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.setenv("LEARNLIB_DATA", "")
    assert data_root() == default  # an empty variable counts as unset


def test_data_root_that_is_a_file(tmp_path):
    f = tmp_path / "mnist.zip"
    f.write_bytes(b"x")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        data_root(f)


def test_default_data_root_that_is_a_file(monkeypatch, tmp_path):
    monkeypatch.delenv("LEARNLIB_DATA", raising=False)
    (tmp_path / "data").write_text("not a folder")
    monkeypatch.setattr(env, "DEFAULT_DATA_ROOT", tmp_path / "data")
    with pytest.raises(NotADirectoryError, match="the default, data/ in the repository"):
        data_root()
