"""Showing a script of the repository in its notebook (notebook 08's torchrun scripts, notebook 09's server).

The scripts are real files (notebooks/scripts/), which ruff lints and unit tests run; a notebook shows the
file's current text instead of writing it from a string, so what a reader sees is what runs.
"""

from __future__ import annotations

import os
from pathlib import Path


def show_script(path: str | os.PathLike) -> None:
    """Display the file at `path` (give it relative to the notebook): its name as a link, and its code highlighted."""
    path = Path(path)
    if path.is_absolute():
        raise ValueError(f"Give the script's path relative to the notebook (e.g. scripts/08/ring.py), not {path}: "
                         f"an absolute path would show this machine's folders in the output.")
    if not path.is_file():
        raise FileNotFoundError(f"No script at {path} (looked in {Path.cwd().name}/): run the notebook from its own "
                                f"folder, notebooks/, as JupyterLab does.")
    code = path.read_text()
    if not code.endswith("\n"):
        code += "\n"
    name = path.as_posix()
    from IPython import get_ipython  # a dependency of learnlib (ipython in pyproject.toml)
    from IPython.display import display

    if get_ipython() is None:  # a plain interpreter: the text
        print(f"# {name}\n{code}", end="")
        return
    # Markdown renders as highlighted code in JupyterLab and on a static site; text/plain is for everything else.
    display({"text/plain": f"# {name}\n{code}", "text/markdown": f"[{name}]({name})\n\n```python\n{code}```\n"},
            raw=True)
