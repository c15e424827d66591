"""Helpers shared by the `plumb` sub-commands."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict
from typing import Any

import numpy as np

EXIT_ERROR = 1


def print_json(data: Any) -> None:
    """Strict JSON on stdout: NaN and infinities become null (bare NaN is not JSON and
    breaks most parsers); other non-JSON values are written as strings."""
    print(json.dumps(strict_json(data), indent=2, default=str, allow_nan=False))


def evaluation_out(args, result, write_predictions) -> bool:
    """An evaluation's --predictions file and --json output; True when the JSON was printed."""
    if args.predictions:
        from pathlib import Path

        write_predictions(Path(args.predictions), result.predictions)
    if args.json:
        print_json(result.to_json() | ({"predictions_file": args.predictions} if args.predictions else {}))
    return bool(args.json)


def strict_json(value: Any) -> Any:
    """``value`` with every non-finite float (also numpy's) replaced by None."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.ndarray):
        return strict_json(value.tolist())
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(v) for v in value]
    return value


def progress_line(label: str, unit: str = "frames"):
    """A progress callback printing `label: done/total unit` on stderr (rewritten in place on a terminal)."""
    def report(done: int, total: int) -> None:
        if sys.stderr.isatty() or done == total:
            end = "\n" if done == total else "\r"
            print(f"{label}: {done}/{total} {unit}", end=end, file=sys.stderr, flush=True)
    return report


def clip_json(clip) -> dict[str, Any]:
    data = asdict(clip)
    data["added_at"] = clip.added_at.isoformat()
    return data
