"""Auto-annotation through real decoding and a real project file, with a backend whose
output is known exactly (tests.helpers.numbered_pose)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.auto_annotate import PoseOptions, detect_to_file, model_layer, pose_clip
from app.edits import set_keypoints, set_reviewed
from app.errors import PlumbError
from app.project import Project
from app.store import queries
from inference.provenance import JointSource
from tests.helpers.numbered_pose import NumberedPose, athlete_keypoints
from tests.helpers.videos import write_numbered_video

FRAMES = 40


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return write_numbered_video(tmp_path_factory.mktemp("v") / "dive.mp4", frames=FRAMES, fps=30, gop=10)


@pytest.fixture
def project(tmp_path, video):
    project = Project.create(tmp_path / "p")
    project.add_video(video)
    yield project
    project.close()


def working(project, clip_id=1):
    with project.store.reading() as session:
        return queries.pose_track(session, clip_id)


def test_detect_writes_the_athlete_not_the_spectator(tmp_path, video):
    out = tmp_path / "out" / "poses.json"
    backend = NumberedPose(missing={7})
    summary = detect_to_file(video, out, PoseOptions(), backend=backend)
    assert summary == {"frames": FRAMES, "found": FRAMES - 1} and backend.closed
    document = json.loads(out.read_text())
    assert document["schema"] == "mpii16" and len(document["joint_names"]) == 16
    frames = document["frames"]
    assert [f["index"] for f in frames] == list(range(FRAMES))
    assert frames[3]["image"] is None
    np.testing.assert_allclose(frames[3]["keypoints"], athlete_keypoints(3), atol=0.01)
    assert frames[7]["bbox"] is None and frames[7]["keypoints"][0] == [None, None, 0.0]


def test_detect_converts_schema(tmp_path, video):
    out = tmp_path / "coco.json"
    detect_to_file(video, out, PoseOptions(schema="coco17"), backend=NumberedPose())
    document = json.loads(out.read_text())
    assert document["schema"] == "coco17" and len(document["frames"][0]["keypoints"]) == 17


def test_detect_with_nobody_writes_nothing(tmp_path, video):
    out = tmp_path / "nobody.json"
    with pytest.raises(PlumbError, match="no person was found"):
        detect_to_file(video, out, PoseOptions(), backend=NumberedPose(missing=set(range(FRAMES)), spectator=False))
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_unknown_schema_and_backend_are_refused(tmp_path, video):
    with pytest.raises(PlumbError, match="mpii16"):
        detect_to_file(video, tmp_path / "x.json", PoseOptions(schema="body25"), backend=NumberedPose())
    with pytest.raises(PlumbError, match="choose one of: mediapipe, onnx, mmpose"):
        detect_to_file(video, tmp_path / "x.json", PoseOptions(backend="openpose"))
    with pytest.raises(PlumbError, match="needs a model file"):
        detect_to_file(video, tmp_path / "x.json", PoseOptions(backend="onnx"))
    assert not (tmp_path / "x.json").exists()


def test_pose_fills_short_gaps_and_marks_long_ones_lost(project):
    missing = {10, 11} | set(range(20, 30))
    result = pose_clip(project, project.clip(1), PoseOptions(max_gap=4), backend=NumberedPose(missing=missing))
    assert result["finished"]
    track = working(project)
    by_frame = dict(zip(track.frames.tolist(), range(len(track.frames))))
    np.testing.assert_allclose(track.keypoints[by_frame[5]], athlete_keypoints(5), atol=1e-4)
    assert (track.source[by_frame[5]] == JointSource.MODEL).all()
    # frames 10-11: linear interpolation between 9 and 12 is exact for this linear motion
    np.testing.assert_allclose(track.keypoints[by_frame[10], :, :2], athlete_keypoints(10)[:, :2], atol=1e-4)
    assert (track.source[by_frame[11]] == JointSource.INTERPOLATED).all()
    # frames 20-29 exceed max_gap: no pose, nobody else's pose either
    assert all(f not in by_frame or np.isnan(track.keypoints[by_frame[f]]).all() for f in range(20, 30))
    with project.store.reading() as session:
        raw = queries.pose_track(session, 1, model_layer("mediapipe"))
    assert raw.frames.tolist() == list(range(FRAMES)), "every processed frame is recorded in the raw layer"
    assert np.isnan(raw.keypoints[25]).all() and np.isnan(raw.bbox[25]).all()


def test_rerun_keeps_manual_joints_and_propagates_corrections(project):
    options = PoseOptions(max_gap=4)
    pose_clip(project, project.clip(1), options, backend=NumberedPose())
    # The annotator corrects joint 3 on frames 10 and 20 by +6 px in x.
    for f in (10, 20):
        x, y = athlete_keypoints(f)[3, :2]
        project.history.apply(set_keypoints(1, f, {3: (x + 6, y)}, schema="mpii16"))
    rerun = NumberedPose()
    pose_clip(project, project.clip(1), PoseOptions(max_gap=4, rerun=True), backend=rerun)
    assert sorted(rerun.detected) == list(range(FRAMES))
    track = working(project)
    kp, src = track.keypoints, track.source
    assert src[10, 3] == src[20, 3] == JointSource.MANUAL
    assert kp[10, 3, 0] == pytest.approx(athlete_keypoints(10)[3, 0] + 6)
    assert src[15, 3] == JointSource.PROPAGATED
    assert kp[15, 3, 0] == pytest.approx(athlete_keypoints(15)[3, 0] + 6)
    assert src[15, 4] == JointSource.MODEL and kp[30, 3, 0] == pytest.approx(athlete_keypoints(30)[3, 0])


@pytest.mark.parametrize("how", ["moved by hand", "reviewed"])
def test_a_frame_corrected_onto_another_person_steers_the_next_run(project, how):
    """Frame 20's joints are on the person in the corner, redrawn by the annotator or marked
    reviewed as they are: that person is the athlete. The next run follows that person from
    frame 20 on, not the one the automatic choice took."""
    pose_clip(project, project.clip(1), PoseOptions(), backend=NumberedPose())
    corner = {j: (5 + j * 0.5, 170.0 + j) for j in range(16)}
    if how == "reviewed":
        project.history.apply(set_keypoints(1, 20, corner, schema="mpii16", source=JointSource.MODEL))
        project.history.apply(set_reviewed(1, [20]))
    else:
        project.history.apply(set_keypoints(1, 20, corner, schema="mpii16"))
    pose_clip(project, project.clip(1), PoseOptions(rerun=True), backend=NumberedPose())
    with project.store.reading() as session:
        raw = queries.pose_track(session, 1, model_layer("mediapipe"))
    np.testing.assert_allclose(raw.keypoints[19], athlete_keypoints(19), atol=1e-4)
    assert np.isnan(raw.keypoints[20]).all(), "this backend reads nobody on a given box"
    assert (raw.keypoints[21:, :, 0] < 20).all(), "the corner person, from the corrected frame on"


def test_corrections_a_third_of_a_second_apart_keep_the_models_motion_between_them(project):
    """Frames 10 and 20 corrected, with the default gap filling (a third of a second, 10 frames
    here): the frames between keep the model's reading moved by the correction, not a straight
    line between the two corrected frames."""
    pose_clip(project, project.clip(1), PoseOptions(), backend=NumberedPose())
    for f in (10, 20):
        x, y = athlete_keypoints(f)[3, :2]
        project.history.apply(set_keypoints(1, f, {3: (x + 6, y)}, schema="mpii16"))
    pose_clip(project, project.clip(1), PoseOptions(rerun=True), backend=NumberedPose())
    track = working(project)
    assert (track.source[11:20, 3] == JointSource.PROPAGATED).all()
    np.testing.assert_allclose(track.keypoints[15, 3, 0], athlete_keypoints(15)[3, 0] + 6, atol=1e-4)


def test_interrupted_run_resumes_without_losing_frames(project):
    first = NumberedPose()
    calls = {"n": 0}

    def cancel_after_half():
        calls["n"] += 1
        return calls["n"] > 23

    result = pose_clip(project, project.clip(1), PoseOptions(), cancel=cancel_after_half, backend=first)
    assert not result["finished"]
    with project.store.reading() as session:
        done = queries.pose_track(session, 1, model_layer("mediapipe")).frames.tolist()
    assert done == list(range(23)), "finished frames were committed, including the partial batch"
    second = NumberedPose()
    assert pose_clip(project, project.clip(1), PoseOptions(), backend=second)["finished"]
    assert sorted(second.detected) == list(range(23, FRAMES)), "the second run starts after the last finished frame"
    track = working(project)
    np.testing.assert_allclose(track.keypoints[35], athlete_keypoints(35), atol=1e-4)


def test_missing_video_is_reported(project, video, tmp_path):
    moved = tmp_path / "elsewhere.mp4"
    project_video = project.video_path(project.clip(1))
    project_video.rename(moved)
    try:
        with pytest.raises(PlumbError, match="missing"):
            pose_clip(project, project.clip(1), PoseOptions(), backend=NumberedPose())
    finally:
        moved.rename(project_video)


def test_pose_with_nobody_writes_nothing(project):
    with pytest.raises(PlumbError, match="no person was found"):
        pose_clip(project, project.clip(1), PoseOptions(), backend=NumberedPose(missing=set(range(FRAMES)), spectator=False))
    with project.store.reading() as session:
        assert queries.clip_counts(session)[1].pose_frames == 0
        assert queries.pose_track(session, 1, model_layer("mediapipe")).frames.size == 0
