"""Batch auto-annotation on Dask: clips per minute with `--workers 1` and `--workers 2` (and the
serial run without Dask) on the same clips, and whether all three wrote identical poses.

    .venv/bin/python benchmarks/batch.py [--clips 6] [--frames 60] [VIDEO ...]

Without videos it generates `--clips` clips of a drawn figure (`--frames` frames each, 320x240);
with videos, each becomes a clip. Times include starting the cluster's worker processes (each
loads the pose model), as a user waits for them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.cli import main as plumb  # noqa: E402
from app.project import Project  # noqa: E402
from app.store.pose_rows import row_arrays, rows_by_frame  # noqa: E402

LAYERS = ("model:mediapipe", "working")


def poses(root: Path) -> dict:
    with Project.open(root) as project, project.store.reading() as session:
        return {(clip.id, layer): {f: row_arrays(row) for f, row in rows_by_frame(session, clip.id, layer).items()}
                for clip in project.clips() for layer in LAYERS}


def identical(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        a[k].keys() == b[k].keys() and all(np.array_equal(x, y, equal_nan=True)
                                           for f in a[k] for x, y in zip(a[k][f], b[k][f])) for k in a)


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("videos", nargs="*", type=Path)
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        videos = args.videos
        if not videos:
            from tests.helpers.corrected_project import write_figure_video

            # Lengths differ so no two clips are the same file (a project refuses duplicates).
            videos = [write_figure_video(work / f"clip{i}.mp4", args.frames + i) for i in range(args.clips)]
        base = work / "base"
        plumb(["new", str(base)])
        plumb(["add", str(base), *map(str, videos)])
        frames = sum(c.frame_count for c in Project.open(base).clips())
        print(f"{len(videos)} clips, {frames} frames; {os.cpu_count()} CPUs")
        results = {}
        for name, extra in (("serial", []), ("--workers 1", ["--workers", "1"]), ("--workers 2", ["--workers", "2"])):
            root = work / name.replace(" ", "").replace("-", "")
            shutil.copytree(base, root)
            start = time.perf_counter()
            code = plumb(["pose", str(root), "--all", "--json", *extra])
            seconds = time.perf_counter() - start
            results[name] = poses(root)
            print(f"{name:<12} {seconds:7.1f} s  {60 * len(videos) / seconds:6.1f} clips/min  exit {code}", flush=True)
        same = all(identical(results["serial"], r) for r in results.values())
        print(f"identical poses in all three runs: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    run()
