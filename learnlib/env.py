"""Every environment variable learnlib reads, in one place (every notebook; quick mode in notebooks 04-06).

| variable         | read by                            | effect                                                   |
|------------------|------------------------------------|----------------------------------------------------------|
| LEARNLIB_QUICK   | quick_mode()                       | 1: training notebooks shrink data and epochs (tests, CI) |
| LEARNLIB_DATA    | data_root()                        | the folder that holds datasets (default: data/ in repo)  |
| LEARNLIB_DEVICE  | device_override(), for get_device  | force a device: cuda, cuda:1, mps or cpu                 |
| LEARNLIB_RESULTS | results_file(), for record_metrics | JSON file collecting a notebook's headline metrics       |
| TQDM_DISABLE     | progress_disabled(), for train     | 1: no progress bars (tqdm's switch; the harness sets it) |
| TORCHELASTIC_RESTART_COUNT | restart_count(), for distributed | set by torchrun: how often it restarted the group |

Nothing else in learnlib looks at os.environ, so this table is complete.
"""

from __future__ import annotations

import os
from pathlib import Path

QUICK_ENV = "LEARNLIB_QUICK"
DATA_ENV = "LEARNLIB_DATA"
DEVICE_ENV = "LEARNLIB_DEVICE"
RESULTS_ENV = "LEARNLIB_RESULTS"
PROGRESS_ENV = "TQDM_DISABLE"
RESTART_ENV = "TORCHELASTIC_RESTART_COUNT"  # torchrun's, not ours: read for notebook 08's scripts
# data/ next to the learnlib package, i.e. in the repository (git-ignored).
DEFAULT_DATA_ROOT = Path(__file__).resolve().parent.parent / "data"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={os.environ[name]!r} is not understood; use {name}=1 or {name}=0.")


def quick_mode() -> bool:
    """Return True when $LEARNLIB_QUICK asks for quick mode (less data, fewer epochs), as tests do."""
    return _flag(QUICK_ENV)


def progress_disabled() -> bool:
    """Return True when $TQDM_DISABLE turns progress bars off (the benchmark harness sets it)."""
    # tqdm reads this switch itself for text bars, but tqdm.auto's notebook widgets ignore it; learnlib's
    # loops read it here, so executed notebooks store no half-drawn widgets.
    return _flag(PROGRESS_ENV)


def device_override() -> str | None:
    """Return the device named by $LEARNLIB_DEVICE (e.g. 'cpu'), or None when it is unset or empty."""
    return os.environ.get(DEVICE_ENV, "").strip() or None


def restart_count() -> int:
    """Return how many times torchrun has restarted this process's group (0 on the first start, or outside torchrun)."""
    return int(os.environ.get(RESTART_ENV, "0"))


def results_file() -> Path | None:
    """Return the JSON file named by $LEARNLIB_RESULTS, where record_metrics collects metrics, or None."""
    value = os.environ.get(RESULTS_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if path.is_dir():
        raise IsADirectoryError(f"{RESULTS_ENV}={value!r} is a folder; name a JSON file in it, e.g. {path / 'x.json'}.")
    return path


def data_root(root: str | os.PathLike | None = None) -> Path:
    """Return the folder that holds datasets: `root` if given, else $LEARNLIB_DATA, else data/ in the repo."""
    if root is not None:
        source, path = "the root argument", Path(root)
    elif os.environ.get(DATA_ENV, "").strip():
        source, path = f"the environment variable {DATA_ENV}", Path(os.environ[DATA_ENV].strip())
    else:
        source, path = "the default, data/ in the repository", DEFAULT_DATA_ROOT
    path = path.expanduser()
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(
            f"The data root {str(path)!r} (from {source}) is a file, not a folder. Point it at a folder."
        )
    return path
