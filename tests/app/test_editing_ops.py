"""Headless: copy-from-neighbour and keyframe interpolation build one edit from the store."""

from __future__ import annotations

import numpy as np
import pytest

from app.editing_ops import copy_pose, interpolate_between_keyframes, keyframes_around
from app.edits import set_keypoints, set_reviewed
from app.errors import EditError
from app.project import Project
from app.store import queries
from inference.provenance import JointSource, Visibility
from tests.app.factories import add_clip_row

SCHEMA = "mpii16"


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "p") as project:
        yield project, add_clip_row(project.store, frame_count=20)


def at(project, clip, frame):
    with project.store.reading() as session:
        return queries.pose_at(session, clip, frame)


def test_keyframes_around():
    assert keyframes_around(np.array([2, 8, 12]), 5) == (2, 8)
    assert keyframes_around(np.array([2, 8, 12]), 8) == (8, 12)
    assert keyframes_around(np.array([2, 8]), 8) == (2, 8)
    assert keyframes_around(np.array([2, 8]), 9) is None
    assert keyframes_around(np.array([], np.int64), 0) is None


def test_copy_pose_keeps_visibility_and_marks_manual(project):
    project, clip = project
    pose = np.tile([10.0, 20.0, 0.5], (16, 1))
    project.history.apply(set_keypoints(clip, 3, pose, schema=SCHEMA, source=JointSource.MODEL,
                                        visibility=Visibility.VISIBLE))
    project.history.apply(set_keypoints(clip, 3, {4: (11, 21, 0.5)}, schema=SCHEMA, source=JointSource.MODEL,
                                        visibility=Visibility.OCCLUDED))
    project.history.apply(copy_pose(project, clip, 3, 4))
    copied = at(project, clip, 4)
    assert copied.keypoints[4, :2].tolist() == [11, 21]
    assert copied.visibility[4] == Visibility.OCCLUDED and copied.visibility[0] == Visibility.VISIBLE
    assert (copied.source == JointSource.MANUAL).all()
    assert project.history.undo_description().startswith("Copy pose of frame 3")
    with pytest.raises(EditError, match="no pose"):
        copy_pose(project, clip, 10, 11)


def test_interpolation_fills_between_keyframes_and_never_touches_manual(project):
    project, clip = project
    for frame in range(0, 7):
        project.history.apply(set_keypoints(clip, frame, np.tile([frame, 0.0, 0.8], (16, 1)), schema=SCHEMA,
                                            source=JointSource.MODEL, visibility=Visibility.VISIBLE))
    project.history.apply(set_keypoints(clip, 0, {0: (0, 0)}, schema=SCHEMA))
    project.history.apply(set_keypoints(clip, 6, {0: (60, 60)}, schema=SCHEMA))
    project.history.apply(set_keypoints(clip, 3, {1: (99, 99)}, schema=SCHEMA))  # manual, must stay
    project.history.apply(set_reviewed(clip, [0, 6]))
    edit = interpolate_between_keyframes(project, clip, 3)
    project.history.apply(edit)
    for frame in range(1, 6):
        pose = at(project, clip, frame)
        assert pose.keypoints[0, :2].tolist() == pytest.approx([10 * frame, 10 * frame])
        assert pose.source[0] == JointSource.INTERPOLATED
    mid = at(project, clip, 3)
    assert mid.keypoints[1, :2].tolist() == [99, 99] and mid.source[1] == JointSource.MANUAL
    assert at(project, clip, 0).source[0] == JointSource.MANUAL  # keyframes are not rewritten
    project.history.undo()  # one undo step takes the whole interpolation back
    assert at(project, clip, 3).source[0] == JointSource.MODEL


def test_interpolation_needs_two_keyframes(project):
    project, clip = project
    project.history.apply(set_keypoints(clip, 0, np.ones((16, 3)), schema=SCHEMA, source=JointSource.MODEL))
    with pytest.raises(EditError, match="reviewed keyframes"):
        interpolate_between_keyframes(project, clip, 0)
    project.history.apply(set_reviewed(clip, [0]))
    with pytest.raises(EditError, match="between two reviewed keyframes"):
        interpolate_between_keyframes(project, clip, 5)


def test_discard_model_frames_forgets_only_the_model_layer_from_a_frame_on(project):
    from app.editing_ops import discard_model_frames
    from app.store.events import PosesChanged
    from app.store.models import WORKING_LAYER

    project, clip = project
    layer = "model:numbered"
    for frame in range(10):
        pose = np.tile([frame, 1.0, 0.9], (16, 1))
        project.history.apply(set_keypoints(clip, frame, pose, schema=SCHEMA, source=JointSource.MODEL,
                                            visibility=Visibility.VISIBLE))
        with project.store.transaction() as tx:
            from app.store.pose_rows import upsert

            upsert(tx.session, {}, clip_id=clip, layer=layer, frame=frame, schema=SCHEMA, keypoints=pose,
                   visibility=np.ones(16, np.uint8), source=np.ones(16, np.uint8), bbox=None)
    seen = []
    project.events.subscribe(PosesChanged, seen.append)

    def frames(layer_name):
        with project.store.reading() as session:
            return queries.pose_track(session, clip, layer_name).frames.tolist()

    assert discard_model_frames(project, clip, layer, 3, 5) == 3
    assert frames(layer) == [0, 1, 2, 6, 7, 8, 9]
    assert seen == [PosesChanged(clip, frozenset({3, 4, 5}), layer)]
    assert discard_model_frames(project, clip, layer, 7) == 3
    assert frames(layer) == [0, 1, 2, 6]
    assert discard_model_frames(project, clip, layer, 7) == 0 and len(seen) == 2, "nothing gone, nothing announced"
    assert frames(WORKING_LAYER) == list(range(10)), "the working layer is untouched"
    with pytest.raises(ValueError):
        discard_model_frames(project, clip, WORKING_LAYER, 0)
