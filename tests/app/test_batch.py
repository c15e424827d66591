"""`plumb pose --all --workers N` / `--scheduler`: clips annotated on a real local Dask cluster
with the bundled pose model, written by the driver, identical to the serial run."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from sqlalchemy import select

from app.cli import main
from app.project import Project
from app.store.models import EditLogEntry
from app.store.pose_rows import row_arrays, rows_by_frame
from tests.helpers.corrected_project import dressed_figure_frame, write_figure_video

LAYERS = ("model:mediapipe", "working")


def _poses(root) -> dict:
    with Project.open(root) as project, project.store.reading() as session:
        return {(clip.id, layer): {f: row_arrays(row) for f, row in rows_by_frame(session, clip.id, layer).items()}
                for clip in project.clips() for layer in LAYERS}


def _pose_runs(root) -> list[int]:
    with Project.open(root) as project, project.store.reading() as session:
        return [e.clip_id for e in session.scalars(select(EditLogEntry).where(EditLogEntry.kind == "pose_run"))]


@pytest.fixture
def two_projects(tmp_path):
    """The same three-clip project twice; the third clip's video goes missing."""
    videos = [write_figure_video(tmp_path / f"clip{i}.mp4", 20 + 5 * i, dressed_figure_frame) for i in range(3)]
    serial = tmp_path / "serial"
    assert main(["new", str(serial)]) == 0
    assert main(["add", str(serial), *map(str, videos)]) == 0
    cluster = tmp_path / "cluster"
    shutil.copytree(serial, cluster)
    videos[2].rename(videos[2].with_suffix(".gone"))
    return serial, cluster


def test_cluster_run_writes_what_the_serial_run_writes(two_projects, capsys) -> None:
    serial, cluster = two_projects
    assert main(["pose", str(serial), "--all"]) == 1  # the missing video is skipped, and says so
    capsys.readouterr()
    assert main(["pose", str(cluster), "--all", "--workers", "2"]) == 1
    out, err = capsys.readouterr()
    assert "pose: 3/3 clips" in err
    assert "clip 3 (clip2)" in out and "2 clip(s) annotated, 1 skipped" in out
    expected, got = _poses(serial), _poses(cluster)
    assert expected.keys() == got.keys()
    for key, frames in expected.items():
        assert frames.keys() == got[key].keys(), key
        for f, arrays in frames.items():
            assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(arrays, got[key][f])), (key, f)
    found = [f for f, (kp, _, _) in expected[(1, "model:mediapipe")].items() if np.isfinite(kp[:, 0]).any()]
    assert found, "the model found nobody: the comparison would be empty"
    # One undoable entry per clip written, as in the serial run.
    assert sorted(_pose_runs(cluster)) == sorted(_pose_runs(serial)) == [1, 2]
    last = _pose_runs(cluster)[-1]
    assert main(["history", str(cluster), "--undo"]) == 0
    undone = _poses(cluster)
    for (clip, layer), frames in undone.items():
        if clip in (last, 3):
            assert not frames, (clip, layer)  # the undone run, and the clip never run
        else:
            assert frames.keys() == got[(clip, layer)].keys() and frames, (clip, layer)


def test_scheduler_that_does_not_answer_is_one_line_and_changes_nothing(tmp_path, capsys, monkeypatch) -> None:
    import app.batch

    monkeypatch.setattr(app.batch, "CONNECT_TIMEOUT_S", 2)
    video = write_figure_video(tmp_path / "clip.mp4", 10)
    root = tmp_path / "p"
    assert main(["new", str(root)]) == 0 and main(["add", str(root), str(video)]) == 0
    capsys.readouterr()
    assert main(["pose", str(root), "--all", "--scheduler", "tcp://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "tcp://127.0.0.1:9" in err[0] and "no Dask scheduler answers" in err[0]
    assert all(not frames for frames in _poses(root).values())


def test_workers_must_be_at_least_one(tmp_path, capsys) -> None:
    video = write_figure_video(tmp_path / "clip.mp4", 10)
    root = tmp_path / "p"
    assert main(["new", str(root)]) == 0 and main(["add", str(root), str(video)]) == 0
    capsys.readouterr()
    assert main(["pose", str(root), "--all", "--workers", "0"]) == 1
    assert "--workers must be at least 1" in capsys.readouterr().err


def test_analyze_all_on_workers_stores_what_the_serial_run_stores(tmp_path, capsys) -> None:
    import json

    from tests.helpers.assess_project import synthetic_project

    serial = tmp_path / "serial"
    synthetic_project(serial, 4).close()
    cluster = tmp_path / "cluster"
    shutil.copytree(serial, cluster)
    capsys.readouterr()
    assert main(["analyze", str(serial), "--all", "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    assert main(["analyze", str(cluster), "--all", "--workers", "2", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)

    def comparable(results):
        return [{k: v for k, v in r.items() if k != "assessment_id"} for r in results]

    assert len(expected) == 4 and all(r["stages"] for r in expected)
    assert comparable(got) == comparable(expected)
    from app.store.models import Assessment

    with Project.open(cluster) as project, project.store.reading() as session:
        assert sorted(session.scalars(select(Assessment.clip_id))) == [c.id for c in project.clips()]


def test_a_clip_whose_worker_dies_is_run_again_on_another(two_projects) -> None:
    import os
    import signal
    import threading
    import time

    from app.auto_annotate import PoseOptions
    from app.batch import dask_client, pose_clips_on_cluster

    serial, cluster = two_projects
    assert main(["pose", str(serial), "--clip", "1"]) == 0
    with Project.open(cluster) as project, dask_client(workers=2) as client:
        pids = client.run(os.getpid)  # worker address -> process id
        killed: list[int] = []

        def kill_the_clips_worker() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                busy = [address for address, keys in client.processing().items() if keys]
                if busy:
                    time.sleep(2.0)  # the clip's model is loaded and running by now
                    killed.append(pids[busy[0]])
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    return
                time.sleep(0.05)

        killer = threading.Thread(target=kill_the_clips_worker)
        killer.start()
        results, skipped = pose_clips_on_cluster(project, [project.clip(1)], PoseOptions(), client)
        killer.join()
    assert killed, "the worker running the clip was killed"
    assert skipped == [] and [r["clip"] for r in results] == [1]
    expected, got = _poses(serial), _poses(cluster)
    for layer in LAYERS:
        assert expected[(1, layer)].keys() == got[(1, layer)].keys()
        assert all(np.array_equal(a, b, equal_nan=True)
                   for f in expected[(1, layer)] for a, b in zip(expected[(1, layer)][f], got[(1, layer)][f]))
