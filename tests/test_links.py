"""Every link a reader can click resolves: relative links to an existing file (and heading), others to https."""

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
LINK = re.compile(r"(?<!!)\[([^\]\n]+)\]\(([^()\s]+)\)")  # [text](target); images ![..](..) are not links
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)  # links inside code are not links


def markdown_of(path):
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


def links_in(text):
    return [m.group(2) for m in LINK.finditer(CODE.sub("", text))]


def heading_anchors(path):
    """The anchors JupyterLab (and GitHub, for .md) gives the headings: the text with spaces as hyphens."""
    headings = re.findall(r"(?m)^#{1,6}\s+(.+?)\s*$", CODE.sub("", markdown_of(path)))
    return {h.replace(" ", "-") for h in headings} | {re.sub(r"[^\w\- ]", "", h).lower().replace(" ", "-")
                                                        for h in headings}


def broken_links(path):
    problems = []
    for target in links_in(markdown_of(path)):
        if re.match(r"[a-z]+:", target):
            if not target.startswith(("https://", "mailto:")):
                problems.append(f"{target}: use https:// (or a relative link to a file in the repository)")
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            problems.append(f"{target}: no such file")
        elif not linked.is_relative_to(ROOT):
            problems.append(f"{target}: points outside the repository")
        elif anchor and linked.suffix in (".ipynb", ".md") and anchor not in heading_anchors(linked):
            problems.append(f"{target}: {linked.name} has no heading #{anchor}")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS + DOCS, ids=lambda p: p.name)
def test_every_link_resolves(path):
    problems = broken_links(path)
    assert not problems, f"{path.name}: broken links:\n" + "\n".join(problems)


def test_notebooks_link_to_the_learnlib_files_they_use():
    """A learnlib link is what a learner clicks to read the twin; `make lab` serves the repository root for it."""
    linked = {t for p in NOTEBOOKS for t in links_in(markdown_of(p)) if t.startswith("../learnlib/")}
    assert linked, "no notebook links into learnlib/"


def test_the_checker_finds_broken_links(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    (tmp_path / "there.md").write_text("# A heading\n", encoding="utf-8")
    page.write_text("[ok](there.md) [ok](there.md#A-heading) [ok](https://pytorch.org) `[code](nowhere.md)`\n"
                    "[gone](missing.md) [bad anchor](there.md#nothing) [plain](http://example.com)\n",
                    encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = broken_links(page)
    assert [p.split(":")[0] for p in found] == ["missing.md", "there.md#nothing", "http"], found
