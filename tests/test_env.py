from pathlib import Path

import pytest

from learnlib import data_root, quick_mode
from learnlib.env import DEFAULT_DATA_ROOT


@pytest.mark.parametrize(
    "value, expected", [("1", True), ("true", True), ("YES", True), ("0", False), ("", False), ("off", False)]
)
def test_quick_mode_values(monkeypatch, value, expected):
    monkeypatch.setenv("LEARNLIB_QUICK", value)
    assert quick_mode() is expected


def test_quick_mode_unset_is_full_mode(monkeypatch):
    monkeypatch.delenv("LEARNLIB_QUICK", raising=False)
    assert quick_mode() is False


def test_quick_mode_rejects_typos(monkeypatch):
    monkeypatch.setenv("LEARNLIB_QUICK", "ture")
    with pytest.raises(ValueError, match="LEARNLIB_QUICK=1"):
        quick_mode()


def test_data_root_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("LEARNLIB_DATA", raising=False)
    assert data_root() == DEFAULT_DATA_ROOT
    assert DEFAULT_DATA_ROOT == Path(__file__).resolve().parent.parent / "data"
    monkeypatch.setenv("LEARNLIB_DATA", str(tmp_path / "env"))
    assert data_root() == tmp_path / "env"
    assert data_root(tmp_path / "arg") == tmp_path / "arg"


def test_data_root_that_is_a_file(tmp_path):
    f = tmp_path / "mnist.zip"
    f.write_bytes(b"x")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        data_root(f)


def test_default_data_root_that_is_a_file(monkeypatch, tmp_path):
    import learnlib.env as env

    monkeypatch.delenv("LEARNLIB_DATA", raising=False)
    (tmp_path / "data").write_text("not a folder")
    monkeypatch.setattr(env, "DEFAULT_DATA_ROOT", tmp_path / "data")
    with pytest.raises(NotADirectoryError, match="the default, data/ in the repository"):
        data_root()
