"""Writing a file so that readers see the old one or the whole new one, never part of it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_bytes_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    """data written to a temporary file beside path, flushed to disk, given `mode` (mkstemp's
    0600 would hide a shared model file from the environment's other users), then renamed over
    path; on any failure the temporary file is removed and path is as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
