"""site/stage.py: the site's sources staged from the repository, links pointed at pages (no Sphinx, no browser)."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("stage", ROOT / "site" / "stage.py")
stage = importlib.util.module_from_spec(spec)
spec.loader.exec_module(stage)


def test_links_to_source_files_and_folders_become_links_to_pages(tmp_path):
    stager = stage.Stager(tmp_path)
    doc = Path("notebooks/08_distributed_training.ipynb")
    text = ("[the loop](../learnlib/train.py), [a folder](scripts/08/), [07](07_char_gpt_lora.ipynb), "
            "[web](https://pytorch.org), [here](#settings)")
    assert stager.rewrite(text, doc) == (
        "[the loop](../learnlib/train.py.md), [a folder](scripts/08/index.md), [07](07_char_gpt_lora.ipynb), "
        "[web](https://pytorch.org), [here](#settings)")
    assert Path("learnlib/train.py") in stager.sources and Path("notebooks/scripts/08") in stager.folders


def test_a_link_to_nothing_stops_the_staging():
    with pytest.raises(FileNotFoundError, match="the link 'no_such_file.py' points at nothing"):
        stage.Stager(Path("unused")).rewrite("[x](no_such_file.py)", Path("notebooks/01_tensors.ipynb"))


def test_the_staged_site_folds_solutions_and_lists_every_notebook(tmp_path):
    stage.stage(tmp_path / "src")
    index = (tmp_path / "src" / "index.md").read_text()
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert f"notebooks/{nb.stem}\n" in index
        staged = json.loads((tmp_path / "src" / "notebooks" / nb.name).read_text())
        solutions = [c for c in staged["cells"] if "solution" in c["metadata"].get("tags", [])]
        assert solutions and all("hide-input" in c["metadata"]["tags"] for c in solutions)
    assert (tmp_path / "src" / "learnlib" / "train.py.md").read_text().count("literalinclude") == 1
    assert "hide-input" not in (ROOT / "notebooks" / "04_cnn_mnist.ipynb").read_text()  # the repository is untouched
