"""Atomic file writes (checkpoints in notebook 04, results files): readers see the old file or the new, never a mix."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write `data` to `path` through a temporary file in the same folder and an atomic rename; return the path."""
    if not isinstance(data, (bytes, str)):
        raise TypeError(f"atomic_write writes bytes or str, got {type(data).__name__}; serialise it first "
                        f"(json.dumps(...), or torch.save into an io.BytesIO()).")
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; atomic_write needs a file name (e.g. {path / 'out.json'}).")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same folder, so os.replace is a rename within one filesystem, which POSIX and Windows make atomic.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
