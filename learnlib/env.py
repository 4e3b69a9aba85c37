"""The two environment variables every notebook reads: LEARNLIB_QUICK and LEARNLIB_DATA."""

from __future__ import annotations

import os
from pathlib import Path

QUICK_ENV = "LEARNLIB_QUICK"
DATA_ENV = "LEARNLIB_DATA"
# data/ next to the learnlib package, i.e. in the repository (git-ignored).
DEFAULT_DATA_ROOT = Path(__file__).resolve().parent.parent / "data"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def quick_mode() -> bool:
    """Return True when $LEARNLIB_QUICK asks for quick mode (less data, fewer epochs), as tests do."""
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{QUICK_ENV}={os.environ[QUICK_ENV]!r} is not understood; use {QUICK_ENV}=1 or {QUICK_ENV}=0.")


def data_root(root: str | os.PathLike | None = None) -> Path:
    """Return the folder that holds datasets: `root` if given, else $LEARNLIB_DATA, else data/ in the repo."""
    if root is not None:
        source, path = "the root argument", Path(root)
    elif os.environ.get(DATA_ENV):
        source, path = f"the environment variable {DATA_ENV}", Path(os.environ[DATA_ENV])
    else:
        source, path = "the default, data/ in the repository", DEFAULT_DATA_ROOT
    path = path.expanduser()
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(
            f"The data root {str(path)!r} (from {source}) is a file, not a folder. Point it at a folder."
        )
    return path
