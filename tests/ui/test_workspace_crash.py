"""The window is SIGKILLed while editing: every edit it reported as saved is in the project."""

from __future__ import annotations

import os
import random

from app.project import Project
from app.store import queries
from tests.helpers.crash import run_until_killed

KILLS = 4


def run_window(project_dir, settings, delay: float) -> list[int]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return run_until_killed("tests.ui.crash_window_child", [str(project_dir), str(settings)], delay, env)


def test_sigkill_mid_session_loses_no_reported_edit(project_dir, tmp_path):
    rng = random.Random(7)
    reported: list[int] = []
    for _ in range(KILLS):
        reported += run_window(project_dir, tmp_path / "child.ini", rng.uniform(0.3, 1.0))
    assert len(reported) > KILLS, "the window should have saved edits before being killed"

    with Project.open(project_dir) as project:
        assert project.store.integrity_check() == "ok"
        with project.store.reading() as session:
            track = queries.pose_track(session, 1)
            logged = queries.history(session, limit=10**6)
    by_frame = dict(zip(track.frames.tolist(), track.keypoints))
    for k in reported:
        assert by_frame[k // 16][k % 16, :2].tolist() == [k, 2 * k], f"edit {k} was reported saved but is lost"
    assert len(logged) >= len(reported)
    assert all(entry.state == "done" for entry in logged)
