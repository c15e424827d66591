"""Imports and model runs cannot damage a project: checked before writing, one undo step each."""

from __future__ import annotations

import hashlib
import sqlite3

import numpy as np
import pytest
from sqlalchemy import select

from app.auto_annotate import PoseOptions, model_layer, pose_clip
from app.datasets import project_io
from app.datasets.errors import DatasetError
from app.datasets.records import DiveLabel, ImagePose, PoseSequence
from app.project import Project
from app.store import queries
from app.store.models import WORKING_LAYER, ClipLabel
from tests.helpers.numbered_pose import NumberedPose
from tests.helpers.videos import write_numbered_video

FRAMES = 24


def digest(project: Project) -> str:
    """Every row of every table: equal digests mean nothing was written."""
    db = sqlite3.connect(f"file:{project.root / 'project.sqlite'}?mode=ro", uri=True)
    try:
        h = hashlib.sha256()
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
            for row in db.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                h.update(repr(row).encode())
        return h.hexdigest()
    finally:
        db.close()


def sequence(name: str, frames: int, joints: int = 16, schema: str = "mpii16", value: float = 3.0) -> PoseSequence:
    kp = np.full((frames, joints, 3), value, np.float32)
    return PoseSequence(name, schema, kp, np.full((frames, joints), 2, np.uint8),
                        np.full((frames, 4), np.nan, np.float32), labels={"score": value})


def first_x(project: Project, clip_id: int) -> float | None:
    with project.store.reading() as session:
        track = queries.pose_track(session, clip_id, WORKING_LAYER)
    return float(track.keypoints[0, 0, 0]) if len(track.frames) else None


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return write_numbered_video(tmp_path_factory.mktemp("v") / "clip.mp4", frames=FRAMES, fps=25, gop=8)


@pytest.fixture
def project(tmp_path, video):
    project = Project.create(tmp_path / "p")
    project.add_video(video)
    yield project
    project.close()


def test_another_skeleton_onto_a_clip_with_poses_is_refused_naming_both(project):
    project_io.import_sequences(project, [sequence("clip", FRAMES)])
    before = digest(project)
    with pytest.raises(DatasetError, match=r"coco17.*mpii16"):
        project_io.import_sequences(project, [sequence("clip", FRAMES, joints=17, schema="coco17")])
    assert digest(project) == before


def test_poses_beyond_the_clips_video_are_refused(project):
    before = digest(project)
    with pytest.raises(DatasetError, match="video"):
        project_io.import_sequences(project, [sequence("clip", FRAMES + 5)])
    image = ImagePose("clip/000030.jpg", 320, 240, "mpii16", np.ones((16, 3)), np.full(16, 2, np.uint8),
                      np.full(4, np.nan))
    with pytest.raises(DatasetError, match="beyond"):
        project_io.import_image_poses(project, [image])
    assert digest(project) == before


def test_a_frame_number_from_a_file_name_does_not_size_memory(project):
    """COCO 'c/2000000000.jpg' once allocated a (2e9, J, 3) array (380 GiB)."""
    image = ImagePose("c/2000000000.jpg", 320, 240, "mpii16", np.ones((16, 3)), np.full(16, 2, np.uint8),
                      np.full(4, np.nan))
    before = digest(project)
    with pytest.raises(DatasetError, match=str(project_io.MAX_FRAMES_WITHOUT_VIDEO)):
        project_io.import_image_poses(project, [image])
    assert digest(project) == before


@pytest.mark.parametrize("start,end", [(0, 10**9), (50, 10), (-3, 10)])
def test_dive_frame_ranges_are_checked(project, start, end):
    before = digest(project)
    with pytest.raises(DatasetError):
        project_io.import_dives(project, [DiveLabel("video/1", "107B", 60.0, 3.0, start_frame=start, end_frame=end)])
    assert digest(project) == before


@pytest.mark.parametrize("fps", [float("nan"), 0.0, -25.0, float("inf")])
def test_a_frame_rate_must_be_positive_and_finite(project, fps):
    with pytest.raises(DatasetError, match="frame rate"):
        project_io.import_sequences(project, [sequence("new", 5)], fps=fps)


def test_an_import_is_one_undo_step_and_redo_puts_it_back(project):
    project_io.import_sequences(project, [sequence("clip", FRAMES, value=3.0)])
    project_io.import_sequences(project, [sequence("clip", FRAMES, value=5.0), sequence("other", 4, value=7.0)])
    assert first_x(project, 1) == 5.0 and [c.name for c in project.clips()] == ["clip", "other"]
    entry = project.history.undo()
    assert entry.kind == "import"
    assert first_x(project, 1) == 3.0, "the clip's poses are those of the first import again"
    assert [c.name for c in project.clips()] == ["clip"], "the clip the import created is gone"
    with project.store.reading() as session:
        scores = set(session.scalars(select(ClipLabel.overall_score).where(ClipLabel.clip_id == 1)))
    assert scores == {3.0}, "the clip's score is the first import's again"
    project.history.undo()
    assert first_x(project, 1) is None, "undoing the first import leaves the video's clip without poses"
    assert [c.name for c in project.clips()] == ["clip"], "a clip with video is never deleted by an undo"
    project.history.redo()
    project.history.redo()
    assert first_x(project, 1) == 5.0
    assert [(c.id, c.name, c.frame_count) for c in project.clips()] == [(1, "clip", FRAMES), (2, "other", 4)]


def test_a_dive_import_is_undone_with_its_labels_and_extras(project):
    dive = DiveLabel("video/1", "107B", 60.0, 3.0, judge_marks=(7.0, 7.5, 7.0), start_frame=100, end_frame=139,
                     stage_transitions=(10, 30))
    before = digest(project)
    project_io.import_dives(project, [dive])
    [exported] = project_io.export_dives(project, [2])
    assert (exported.score, exported.start_frame) == (60.0, 100)
    project.history.undo()
    assert [c.id for c in project.clips()] == [1]
    assert "video/1" not in (project.setting(project_io.EXTRAS_SETTING) or {})
    project.history.redo()
    [again] = project_io.export_dives(project, [2])
    assert again == exported
    project.history.undo()
    after_undo = digest(project)
    assert after_undo != before, "the edit log remembers the undone import"


def test_a_model_run_is_one_undo_step(project):
    pose_clip(project, project.clip(1), PoseOptions(max_gap=4), backend=NumberedPose())
    with project.store.reading() as session:
        assert len(queries.pose_track(session, 1, model_layer("mediapipe")).frames) == FRAMES
    assert project.history.undo_description().startswith("Auto-annotate clip 1")
    project.history.undo()
    with project.store.reading() as session:
        assert len(queries.pose_track(session, 1, model_layer("mediapipe")).frames) == 0
        assert len(queries.pose_track(session, 1, WORKING_LAYER).frames) == 0
    project.history.redo()
    with project.store.reading() as session:
        assert len(queries.pose_track(session, 1, WORKING_LAYER).frames) > 0
