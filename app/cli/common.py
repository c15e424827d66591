"""Helpers shared by the `plumb` sub-commands."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Any

EXIT_ERROR = 1


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def progress_line(label: str):
    """A progress callback printing `label: done/total` on stderr (rewritten in place on a terminal)."""
    def report(done: int, total: int) -> None:
        if sys.stderr.isatty() or done == total:
            end = "\n" if done == total else "\r"
            print(f"{label}: {done}/{total} frames", end=end, file=sys.stderr, flush=True)
    return report


def clip_json(clip) -> dict[str, Any]:
    data = asdict(clip)
    data["added_at"] = clip.added_at.isoformat()
    return data
