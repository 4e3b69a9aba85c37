"""Exercise solutions whose answers stay folded after they run (every notebook's exercises).

A solution cell is folded in the committed notebook (cell metadata `source_hidden` and `outputs_hidden`),
but JupyterLab unfolds a cell's outputs every time the cell runs (jupyterlab/jupyterlab#4580), so *Run All*
would print every answer under its folded code. A solution therefore prints inside `folded()`: the printout
is shown afterwards as an HTML <details> element, closed until the learner clicks it, in every front end that
renders HTML (JupyterLab, Notebook 7, VS Code, a static site). The same text goes out as text/plain for the
rest (a terminal, nbval's comparison).
"""

from __future__ import annotations

import html
import sys
from collections.abc import Iterator
from contextlib import contextmanager


def details_html(summary: str, text: str) -> str:
    """Return `text` (escaped, preformatted) inside a closed HTML <details> element titled `summary`."""
    return f"<details><summary>{html.escape(summary)}</summary><pre>{html.escape(text)}</pre></details>"


@contextmanager
def folded(summary: str = "Output: click to show") -> Iterator[None]:
    """Capture what the block prints to stdout and show it afterwards folded under `summary`.

    Only stdout is folded: warnings (stderr) and figures still show as usual. If the block raises, what it
    printed so far is shown unfolded above the traceback (an error is not a secret), and the error propagates.
    Outside IPython (a plain script) the text is printed as it is.
    """
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output

    failed = True
    try:
        with capture_output(stdout=True, stderr=False, display=False) as captured:
            yield
        failed = False
    finally:
        if failed:
            sys.stdout.write(captured.stdout)
    text = captured.stdout
    if not text:
        return
    if InteractiveShell.initialized():
        display({"text/plain": text, "text/html": details_html(summary, text)}, raw=True)
    else:
        sys.stdout.write(text)
