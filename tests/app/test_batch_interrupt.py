"""Ctrl+C on `plumb pose --all --workers 2`: the whole process group gets SIGINT, as a terminal
sends it. The run stops, the local cluster goes away, the clips written stay whole and the
others have nothing (a real subprocess, a real Dask cluster, the bundled pose model)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from app.cli import main
from app.project import Project
from app.store.models import EditLogEntry, PoseFrame
from tests.helpers.corrected_project import write_figure_video

REPO = Path(__file__).resolve().parents[2]


def _pose_runs(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
            return connection.execute("SELECT count(*) FROM edit_log WHERE kind = 'pose_run'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _default_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_the_cluster_and_keeps_whole_clips(tmp_path) -> None:
    # Different lengths (the same video twice is refused). Eight clips on two workers: when the
    # first is written, six or more are still to run, more than can finish before Ctrl+C.
    lengths = [40 + i for i in range(8)]
    videos = [write_figure_video(tmp_path / f"clip{i}.mp4", n) for i, n in enumerate(lengths)]
    root = tmp_path / "project"
    assert main(["new", str(root)]) == 0
    assert main(["add", str(root), *map(str, videos)]) == 0
    # Started as from a terminal: Ctrl+C at its default. An ignored SIGINT is inherited and stays
    # ignored in the child, and the test process may have it ignored (a background job does).
    run = subprocess.Popen([sys.executable, "-m", "app.cli", "pose", str(root), "--all", "--workers", "2"],
                           cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True, preexec_fn=_default_ctrl_c)
    deadline = time.monotonic() + 240
    while _pose_runs(root / "project.sqlite") == 0 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run.poll() is None, f"the run ended before Ctrl+C: {run.communicate()}"
    os.killpg(run.pid, signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 130, stderr
    assert "interrupted; finished work was kept" in stderr
    assert "Traceback" not in stderr
    gone = time.monotonic() + 30
    while _group_alive(run.pid) and time.monotonic() < gone:
        time.sleep(0.2)
    assert not _group_alive(run.pid), "a worker of the local cluster outlived the run"

    with Project.open(root) as project:
        assert project.store.integrity_check() == "ok"
        with project.store.reading() as session:
            written = set(session.scalars(select(EditLogEntry.clip_id).where(EditLogEntry.kind == "pose_run")))
            rows = {clip.id: (clip.frame_count, len(session.scalars(select(PoseFrame.frame).where(
                PoseFrame.clip_id == clip.id, PoseFrame.layer == "model:mediapipe")).all()))
                for clip in project.clips()}
        assert 1 <= len(written) < len(rows)
        for clip_id, (frames, count) in rows.items():
            assert count == (frames if clip_id in written else 0), (clip_id, frames, count)
