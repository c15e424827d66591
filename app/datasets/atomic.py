"""Atomic writes for the dataset formats (see :mod:`app.atomic_files`) and reading JSON
files with the errors every format reports the same way.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.atomic_files import atomic_open, atomic_path, write_bytes, write_json, write_text

__all__ = ["atomic_open", "atomic_path", "read_json", "write_bytes", "write_json", "write_text"]


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
