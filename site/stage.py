"""Stage the course site's sources from the repository, without executing anything (`make site` runs this first).

The site is built from what is committed: the notebooks with their outputs (their outputs are the content),
README.md as the home page and CONTRIBUTING.md. Sphinx reads documents, not Python files, so every source
file a page links to (learnlib/train.py, notebook 08's scripts, a benchmark) gets a page of its own that shows
the file, and the link is pointed at that page; a link to a folder gets a page listing its files. Solution
cells get myst-nb's `hide-input` tag, so their code is folded on the page as it is in JupyterLab (their
printout is already a closed <details>, see learnlib/exercises.py).

    python site/stage.py OUT    # then: sphinx-build -c site OUT build/site/html
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"(\]\()([^)\s]+)(\))")  # a Markdown link's target: [text](target)
PAGES = (".md", ".ipynb")
LANGUAGES = {".py": "python", ".toml": "toml", ".yml": "yaml", ".cfg": "ini", ".json": "json"}


def is_local(target: str) -> bool:
    return not re.match(r"[a-z][a-z0-9+.-]*:|#|/", target)


ORPHAN = "---\norphan: true\n---\n\n"  # a page reached by links, not listed in the navigation


def source_page(rel: Path) -> str:
    """The Markdown of a page that shows the repository file `rel` (relative to the root)."""
    language = LANGUAGES.get(rel.suffix, "text")
    orphan = "" if rel.parent == Path("learnlib") else ORPHAN  # learnlib's modules are in the navigation
    return orphan + (f"# `{rel.as_posix()}`\n\nThe file [{rel.as_posix()}]({rel.name}) of the repository, as it is."
                     f"\n\n```{{literalinclude}} {rel.name}\n:language: {language}\n```\n")


def files_in(rel: Path) -> list[Path]:
    """The files of the repository folder `rel` (hidden ones left out), as absolute paths in name order."""
    return sorted(p for p in (ROOT / rel).iterdir() if p.is_file() and not p.name.startswith("."))


def folder_page(rel: Path) -> str:
    """The Markdown of a page that lists the files of the repository folder `rel`."""
    files = files_in(rel)
    items = "\n".join(f"- [{p.name}]({p.name}.md)" for p in files)
    orphan = "" if rel == Path("learnlib") else ORPHAN
    return orphan + f"# `{rel.as_posix()}/`\n\nThe files of this folder of the repository:\n\n{items}\n"


class Stager:
    def __init__(self, out: Path):
        self.out = out
        self.sources: set[Path] = set()  # repository files that get a page
        self.folders: set[Path] = set()

    def rewrite(self, text: str, doc: Path) -> str:
        """Point the local links of `text` (in the document at repository path `doc`) at pages of the site."""

        def fix(m: re.Match) -> str:
            target = m.group(2)
            if not is_local(target):
                return m.group(0)
            path, _, anchor = target.partition("#")
            rel = Path((doc.parent / path).as_posix())
            resolved = (ROOT / rel).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                raise FileNotFoundError(f"{doc}: the link {target!r} points at nothing in the repository")
            rel = resolved.relative_to(ROOT)
            if resolved.is_dir():
                self.folders.add(rel)
                new = path.rstrip("/") + "/index.md"
            elif resolved.suffix in PAGES:
                return m.group(0)
            else:
                self.sources.add(rel)
                new = path + ".md"
            return m.group(1) + new + (f"#{anchor}" if anchor else "") + m.group(3)

        return LINK.sub(fix, text)

    def markdown(self, src: Path, dst: Path, extra: str = "") -> None:
        rel = src.relative_to(ROOT)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(self.rewrite(src.read_text(), rel) + extra)

    def notebook(self, src: Path) -> None:
        rel = src.relative_to(ROOT)
        nb = json.loads(src.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                cell["source"] = self.rewrite("".join(cell["source"]), rel)
            tags = cell.get("metadata", {}).get("tags", [])
            if "solution" in tags and "hide-input" not in tags:
                cell["metadata"]["tags"] = [*tags, "hide-input"]  # folded code, a click shows it
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text/markdown" in data:  # ll.show_script's output links the file it shows
                    data["text/markdown"] = self.rewrite("".join(data["text/markdown"]), rel)
        dst = self.out / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(json.dumps(nb, ensure_ascii=False))

    def pages_for_sources(self) -> None:
        for folder in sorted(self.folders):
            (self.out / folder).mkdir(parents=True, exist_ok=True)
            (self.out / folder / "index.md").write_text(folder_page(folder))
            self.sources.update(p.relative_to(ROOT) for p in files_in(folder))
        for rel in sorted(self.sources):
            (self.out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / rel, self.out / rel)
            (self.out / rel.with_name(rel.name + ".md")).write_text(source_page(rel))


def toctree(caption: str, entries: list[str]) -> str:
    lines = "\n".join(entries)
    return f"\n```{{toctree}}\n:hidden:\n:caption: {caption}\n\n{lines}\n```\n"


def stage(out: Path) -> None:
    """Write the site's sources into `out` (emptied first)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    stager = Stager(out)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for nb in notebooks:
        stager.notebook(nb)
    # Every learnlib module gets a page, linked from a notebook or not: the library is part of the course.
    stager.sources.update(p.relative_to(ROOT) for p in (ROOT / "learnlib").glob("*.py"))
    stager.markdown(ROOT / "CONTRIBUTING.md", out / "CONTRIBUTING.md")
    nav = (toctree("Notebooks · 笔记本", [f"notebooks/{p.stem}" for p in notebooks])
           + toctree("The library · learnlib", ["learnlib/index"])
           + toctree("Contributing · 参与贡献", ["CONTRIBUTING"]))
    stager.markdown(ROOT / "README.md", out / "index.md", extra=nav)
    stager.folders.add(Path("learnlib"))
    stager.pages_for_sources()
    # The learnlib index page lists its modules in a hidden toctree, so that they appear in the navigation.
    index = out / "learnlib" / "index.md"
    modules = sorted(p.stem for p in (ROOT / "learnlib").glob("*.py"))
    index.write_text(index.read_text() + toctree("learnlib", [f"{m}.py" for m in modules]))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    stage(Path(sys.argv[1]))
