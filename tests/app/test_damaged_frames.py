"""A pose run over a video with frames it cannot decode marks those frames and finishes the clip."""

from __future__ import annotations

import json

import numpy as np
import pytest

import app.auto_annotate
from app.auto_annotate import PoseOptions, model_layer, pose_clip
from app.cli import main
from app.project import Project
from app.store.pose_rows import row_arrays, rows_by_frame
from tests.helpers.numbered_pose import NumberedPose, athlete_keypoints
from tests.helpers.videos import write_damaged_frames_video

FRAMES = 40
DAMAGED = (25, 31)


@pytest.fixture(scope="module")
def damaged_video(tmp_path_factory):
    return write_damaged_frames_video(tmp_path_factory.mktemp("v") / "damaged.avi", DAMAGED, frames=FRAMES)


@pytest.fixture
def project(tmp_path, damaged_video):
    project = Project.create(tmp_path / "p")
    project.add_video(damaged_video)
    yield project
    project.close()


def model_rows(project, clip_id=1):
    with project.store.reading() as session:
        return {f: row_arrays(row)[0] for f, row in rows_by_frame(session, clip_id, model_layer("numbered")).items()}


def test_undecodable_frames_are_marked_lost_and_the_rest_of_the_clip_runs(project):
    backend = NumberedPose()
    result = pose_clip(project, project.clip(1), PoseOptions(backend="numbered"), backend=backend)
    assert result["finished"] and result["undecodable_frames"] == list(DAMAGED)
    assert "25, 31" in result["note"] and "cannot be decoded" in result["note"]
    rows = model_rows(project)
    assert sorted(rows) == list(range(FRAMES))
    for frame in DAMAGED:
        assert np.isnan(rows[frame]).all()
    for frame in (24, 26, 30, 32, FRAMES - 1):
        np.testing.assert_allclose(rows[frame], athlete_keypoints(frame), atol=0.01)
    assert not set(DAMAGED) & set(backend.detected)  # the model never saw a frame of the wrong number
    entry = project.history.undo()  # still one undo step for the whole run
    assert entry is not None and entry.description.startswith("Auto-annotate clip 1")
    assert model_rows(project) == {} and project.history.undo() is None


def test_plumb_pose_reports_the_frames_and_exits_non_zero(project, monkeypatch, capsys):
    monkeypatch.setattr(app.auto_annotate, "make_backend", lambda *args, **kwargs: NumberedPose())
    root = project.root
    project.close()
    code = main(["pose", str(root), "--clip", "1", "--backend", "numbered"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "poses written" in out and "1 with frames that cannot be decoded" in out and "(25, 31)" in out
    notes = [line for line in err.splitlines() if "cannot be decoded" in line]
    assert notes == ["plumb pose: clip 1 (damaged): 2 frame(s) cannot be decoded (25, 31): the video is damaged "
                     "there; they are marked lost. Re-export or re-copy the video and run again with --rerun"]
    assert "Traceback" not in err
    code = main(["pose", str(root), "--clip", "1", "--backend", "numbered", "--rerun", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1 and document[0]["undecodable_frames"] == list(DAMAGED) and document[0]["finished"]


def test_plumb_detect_marks_the_frames_and_follows_across_them(damaged_video, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(app.auto_annotate, "make_backend", lambda *args, **kwargs: NumberedPose())
    out = tmp_path / "poses.json"
    assert main(["detect", str(damaged_video), "--out", str(out), "--backend", "numbered", "--json"]) == 1
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["undecodable_frames"] == list(DAMAGED) and summary["frames"] == FRAMES
    assert captured.err.strip().splitlines()[-1] == f"plumb detect: {summary['note']}"
    assert summary["note"].endswith("Re-export or re-copy the video and detect again")
    frames = {f["index"]: f for f in json.loads(out.read_text())["frames"]}
    for frame in range(FRAMES):
        found = frames[frame]["bbox"] is not None
        assert found == (frame not in DAMAGED), frame
