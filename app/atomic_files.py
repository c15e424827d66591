"""The one way Plumb replaces a file: a temp file in the same folder, fsync, then ``os.replace``.

A reader (or a crash, or a full disk) sees either the old file or the whole new one, never
half of it, the way labelme saves its JSON. Exports, exported frame images, the ``detect``
JSON and the seek index all go through here.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


class PendingFile:
    """A temp file beside its target, for writers that need a path rather than a handle
    (a video muxer). :meth:`abandon` keeps the target as it was (a cancelled write)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.abandoned = False

    def abandon(self) -> None:
        self.abandoned = True


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; not every platform can open a folder, hence best effort."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[PendingFile]:
    """A :class:`PendingFile` beside ``path``; on clean exit (unless abandoned) it is
    fsynced and replaces ``path``. On an exception or abandon the temp file is removed and
    ``path`` is untouched. Parent folders are created."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    os.close(fd)
    pending = PendingFile(Path(tmp))
    try:
        yield pending
        if not pending.abandoned:
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, target)
            _sync_folder(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Open a binary temp file beside ``path``; on clean exit it replaces ``path``."""
    with atomic_path(path) as pending, open(pending.path, "wb") as handle:
        yield handle


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path) as handle:
        handle.write(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: object, indent: int | None = 2) -> None:
    """Write ``obj`` as strict UTF-8 JSON (no NaN) to ``path`` atomically."""
    write_text(path, json.dumps(obj, indent=indent, ensure_ascii=False, allow_nan=False) + "\n")
