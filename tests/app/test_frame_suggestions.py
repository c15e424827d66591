"""What to correct next: planted problems come first, with their reasons; corrected frames are
never suggested; suggestions spread over the clip and its stages; the command on a real project."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.cli import main
from app.frame_suggestions import Stages, rank_frames
from app.project import Project
from app.store.models import WORKING_LAYER
from app.store.pose_rows import upsert
from app.store.records import PoseTrack
from inference.provenance import JointSource
from tests.helpers.videos import write_numbered_video

J = 16
BODY = np.array([[0, 100], [0, 70], [0, 40], [20, 40], [20, 70], [20, 100], [10, 40], [10, 0],
                 [10, -10], [10, -25], [-20, 40], [-10, 20], [0, 0], [20, 0], [30, 20], [40, 40]], float)


def walking(frames: int) -> np.ndarray:
    kp = np.empty((frames, J, 3), np.float32)
    kp[..., :2] = BODY + np.array([100.0, 50.0])
    kp[..., 0] += np.arange(frames)[:, None] * 1.0  # a slow walk: no jumps
    kp[..., 2] = 0.9
    return kp


def track(kp: np.ndarray, source: np.ndarray | None = None, reviewed=None, layer: str = WORKING_LAYER) -> PoseTrack:
    n = len(kp)
    src = np.full((n, J), JointSource.MODEL, np.uint8) if source is None else source
    return PoseTrack(clip_id=1, layer=layer, schema="mpii16", frames=np.arange(n), keypoints=kp,
                     visibility=np.full((n, J), 2, np.uint8), source=src,
                     bbox=np.full((n, 4), np.nan, np.float32), reviewed=reviewed)


def test_planted_problems_rank_first_with_their_reasons() -> None:
    kp = walking(60)
    kp[10, 11, :2] += (0, 60)  # r_elbow dragged down: the forearm and upper arm stretch
    kp[30, :, 2] = 0.05  # the model unsure of every joint
    kp[45, 15, :2] += (80, 0)  # l_wrist jumps away
    source = np.full((60, J), JointSource.MODEL, np.uint8)
    kp[50, 15, :2] += (90, 0)  # the same fault, but an annotator already corrected this frame
    source[50] = JointSource.MANUAL
    suggestions = rank_frames(track(kp, source), 60, count=3)
    assert {s.frame for s in suggestions} == {10, 30, 45}
    by_frame = {s.frame: s for s in suggestions}
    assert any("its usual length" in r for r in by_frame[10].reasons)
    assert any("unsure joint" in r and "confidence 0.05" in r for r in by_frame[30].reasons)
    assert any("jump of" in r for r in by_frame[45].reasons)
    assert all(0.0 < s.score <= 1.0 for s in suggestions)
    assert [s.score for s in suggestions] == sorted((s.score for s in suggestions), reverse=True)


def test_reviewed_frames_and_clean_clips_give_nothing() -> None:
    kp = walking(40)
    kp[20, :, 2] = 0.05
    reviewed = np.zeros(40, bool)
    reviewed[20] = True
    assert rank_frames(track(kp, reviewed=reviewed), 40) == []


def test_a_bad_stretch_does_not_crowd_out_the_rest_and_each_stage_is_visited() -> None:
    kp = walking(120)
    kp[40:60, :, 2] = 0.05  # a long unsure stretch in the flight
    kp[100, 3, :2] += (0, 50)  # one stretched hip in the entry, a weaker problem
    kp[5, :, 2] = 0.2  # a milder unsure frame in the take-off
    stages = Stages(("take-off", "flight", "entry"), (30, 90))
    suggestions = rank_frames(track(kp), 120, stages=stages, count=4)
    frames = sorted(s.frame for s in suggestions)
    assert {s.stage for s in suggestions} == {"take-off", "flight", "entry"}
    flight = [f for f in frames if 40 <= f < 60]
    assert len(flight) <= 2 and (len(flight) < 2 or flight[1] - flight[0] > 1)


def test_disagreeing_model_runs_are_evidence() -> None:
    kp = walking(30)
    other = kp.copy()
    other[12, :, 0] += 40  # another backend put the athlete elsewhere on frame 12
    suggestions = rank_frames(track(kp), 30, others=[track(other, layer="model:onnx")], count=1)
    assert suggestions[0].frame == 12
    assert any("model runs" in r for r in suggestions[0].reasons)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "p"
    assert main(["new", str(root)]) == 0
    assert main(["add", str(root), str(write_numbered_video(tmp_path / "clip.mp4", frames=40))]) == 0
    return root


def test_plumb_suggest_on_a_project(project, capsys) -> None:
    kp = walking(40)
    kp[17, :, 2] = 0.05
    with Project.open(project) as p, p.store.transaction() as tx:
        rows: dict = {}
        for f in range(40):
            upsert(tx.session, rows, clip_id=1, layer=WORKING_LAYER, frame=f, schema="mpii16", keypoints=kp[f],
                   visibility=np.full(J, 2, np.uint8), source=np.full(J, JointSource.MODEL, np.uint8), bbox=None)
    capsys.readouterr()
    assert main(["suggest", str(project), "--clip", "1", "--count", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result[0]["frame"] == 17 and result[0]["reasons"]
    assert main(["suggest", str(project), "--clip", "9"]) == 1
    assert "There is no clip 9" in capsys.readouterr().err


def test_plumb_suggest_without_poses_says_what_to_run(project, capsys) -> None:
    capsys.readouterr()
    assert main(["suggest", str(project), "--clip", "1"]) == 1
    err = capsys.readouterr().err
    assert "run `plumb pose" in err and len(err.strip().splitlines()) == 1

