"""learnlib.show.show_script: a repository script displayed in its notebook as the file it is."""

import pytest

from learnlib.show import show_script


def test_outside_ipython_the_script_is_printed_with_its_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "hello.py").write_text("print('hello')")
    show_script("scripts/hello.py")
    assert capsys.readouterr().out == "# scripts/hello.py\nprint('hello')\n"


def test_in_ipython_it_displays_markdown_and_plain_text(tmp_path, monkeypatch):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())  # as inside a kernel
    monkeypatch.setattr(IPython.display, "display", lambda data, raw: shown.append((data, raw)))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run.py").write_text("x = 1\n")
    show_script("run.py")
    markdown = "[run.py](run.py)\n\n```python\nx = 1\n```\n"
    assert shown == [({"text/plain": "# run.py\nx = 1\n", "text/markdown": markdown}, True)]


def test_bad_paths_are_explained(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="run the notebook from its own folder"):
        show_script("scripts/missing.py")
    with pytest.raises(ValueError, match="relative to the notebook"):
        show_script(tmp_path / "x.py")
