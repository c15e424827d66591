"""A process applying edits is killed with SIGKILL at random moments; nothing committed is lost."""

from __future__ import annotations

import random

import numpy as np

from app.store import queries
from app.store.store import Store
from tests.app.factories import add_clip_row
from tests.helpers.crash import run_until_killed

KILLS = 24


def run_child(db_path, clip_id, delay: float) -> list[int]:
    return run_until_killed("tests.app.crash_child", [str(db_path), str(clip_id)], delay)


def test_sigkill_never_loses_a_committed_edit(tmp_path):
    db_path = tmp_path / "project.sqlite"
    store = Store.create(db_path)
    clip_id = add_clip_row(store, frame_count=100_000)
    store.close()

    rng = random.Random(1234)
    reported: list[int] = []
    for _ in range(KILLS):
        reported += run_child(db_path, clip_id, rng.uniform(0.0, 0.25))
    assert len(reported) > KILLS, "the children should have committed edits before being killed"

    store = Store.open(db_path)
    assert store.integrity_check() == "ok"
    with store.reading() as session:
        track = queries.pose_track(session, clip_id)
        logged = {entry.id for entry in queries.history(session, limit=10**6)}
    by_frame = dict(zip(track.frames.tolist(), track.keypoints))
    for k in reported:
        keypoints = by_frame[k // 16]
        assert keypoints[k % 16, :2].tolist() == [k, 2 * k], f"edit {k} was reported committed but is lost"
        if k % 5 == 0:
            assert by_frame[50_000 + k * 3 + 2][0, :2].tolist() == [k, 2]
    # Each edit is one transaction with its log entry: log and data agree after every kill.
    # A kill between commit and print loses only the report, never the edit.
    assert len(logged) >= len(reported)
    written = int(np.isfinite(track.keypoints[track.frames < 50_000][..., 0]).sum())
    assert written == len(logged)
    store.close()
