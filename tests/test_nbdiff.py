"""`make nbdiff-setup`: after it, `git diff` prints a changed notebook cell by cell (nbdime), not as JSON."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def git(repo, *args):
    return subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *args],
                          cwd=repo, capture_output=True, text=True, check=True).stdout


def notebook(source, printed):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"), cell])


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None, reason="needs git and make")
def test_git_diff_shows_a_notebook_cell_by_cell_after_nbdiff_setup(tmp_path):
    repo = tmp_path / "clone"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copy(ROOT / ".gitattributes", repo / ".gitattributes")
    nbformat.write(notebook("x = 1\nprint('old answer')", "old answer\n"), repo / "n.ipynb")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "one")
    nbformat.write(notebook("x = 1\nprint('new answer')", "new answer\n"), repo / "n.ipynb")
    assert '"source": [' in git(repo, "diff")  # before the set-up: JSON

    venv = Path(sys.prefix)  # the target as a user runs it, with this environment (its install step skipped)
    subprocess.run(["make", "-s", "-f", str(ROOT / "Makefile"), "-o", f"{venv}/.installed", "nbdiff-setup",
                    f"VENV={venv}"], cwd=repo, check=True, capture_output=True)
    diff = re.sub(r"\x1b\[[0-9;]*m", "", git(repo, "diff"))  # nbdime colours its output
    assert "## modified /cells/1/source:" in diff and "-print('old answer')" in diff and "+print('new answer')" in diff
    assert "## modified /cells/1/outputs/0/text:" in diff and "+new answer" in diff
    assert '"source": [' not in diff
    assert '"source": [' in git(repo, "diff", "--no-ext-diff")  # the raw JSON on request
