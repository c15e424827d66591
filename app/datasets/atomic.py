"""Atomic file writes: a temp file in the same folder, fsync, then ``os.replace``.

A reader (or a crash) sees either the old file or the whole new one, never half of it,
the way labelme saves its JSON.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Open a binary temp file beside ``path``; on clean exit it replaces ``path``.

    On an exception the temp file is removed and ``path`` is untouched. Parent folders
    are created.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path) as handle:
        handle.write(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: object) -> None:
    """Write ``obj`` as indented UTF-8 JSON to ``path`` atomically."""
    import json

    write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def read_json(path: str | os.PathLike) -> object:
    """Parse the JSON file at ``path``; :class:`DatasetError` naming it when that fails.

    (Reading lives here beside writing so every format reports a bad file the same way.)
    """
    import json

    from app.datasets.errors import DatasetError

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"{p}: cannot read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, ValueError):
        raise DatasetError(f"{p}: not UTF-8 text; is this really a JSON file?") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{p}: not valid JSON ({exc.msg} at line {exc.lineno}); "
                           "the file may be truncated") from None
    except RecursionError:
        # json's decoder recurses once per nesting level; no annotation file nests this deep.
        raise DatasetError(f"{p}: JSON nested too deeply to be an annotation file") from None
