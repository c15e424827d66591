"""Edits on a real SQLite project file: do, undo, redo, validation, and undo after reopening."""

from __future__ import annotations

import numpy as np
import pytest

from app.edits import (
    EditHistory, combine, set_box, set_clip_fields, set_clip_labels, set_keypoints, set_stages, set_visibility,
)
from app.errors import EditError
from app.store import queries
from app.store.events import HistoryChanged, LabelsChanged, PosesChanged, StagesChanged
from app.store.store import Store
from inference.provenance import JointSource, Visibility
from tests.app.factories import add_clip_row


@pytest.fixture
def store(tmp_path):
    store = Store.create(tmp_path / "project.sqlite")
    yield store
    store.close()


def pose(store, clip_id, frame):
    with store.reading() as session:
        return queries.pose_at(session, clip_id, frame)


def test_set_keypoints_undo_redo(store):
    clip = add_clip_row(store)
    history = EditHistory(store, annotator=lambda: "ana")
    keypoints = np.arange(48, dtype=np.float32).reshape(16, 3)
    history.apply(set_keypoints(clip, 5, keypoints, schema="mpii16", source=JointSource.MODEL))
    stored = pose(store, clip, 5)
    np.testing.assert_array_equal(stored.keypoints, keypoints)
    assert set(stored.source) == {JointSource.MODEL}
    assert stored.annotator == "ana"

    history.apply(set_keypoints(clip, 5, {3: (100.5, 200.25)}, schema="mpii16"))
    moved = pose(store, clip, 5)
    assert moved.keypoints[3].tolist() == [100.5, 200.25, 1.0]
    assert moved.source[3] == JointSource.MANUAL and moved.source[2] == JointSource.MODEL

    assert history.undo().description.startswith("Move joint 3")
    np.testing.assert_array_equal(pose(store, clip, 5).keypoints, keypoints)
    assert pose(store, clip, 5).source[3] == JointSource.MODEL
    history.undo()
    assert pose(store, clip, 5) is None, "undoing the edit that created the row removes it"
    assert history.undo() is None and not history.can_undo()

    history.redo()
    history.redo()
    assert pose(store, clip, 5).keypoints[3].tolist() == [100.5, 200.25, 1.0]
    assert not history.can_redo()


def test_new_edit_drops_redo(store):
    clip = add_clip_row(store)
    history = EditHistory(store)
    history.apply(set_box(clip, 0, (1, 2, 30, 40), schema="mpii16"))
    history.apply(set_box(clip, 0, (2, 2, 30, 40), schema="mpii16"))
    history.undo()
    assert history.can_redo()
    history.apply(set_box(clip, 0, (5, 5, 30, 40), schema="mpii16"))
    assert not history.can_redo()
    with store.reading() as session:
        states = [entry.state for entry in queries.history(session)]
    assert states == ["done", "dropped", "done"]


def test_visibility_and_box(store):
    clip = add_clip_row(store)
    history = EditHistory(store)
    history.apply(set_keypoints(clip, 1, np.ones((16, 3)), schema="mpii16", visibility=Visibility.VISIBLE))
    history.apply(set_visibility(clip, 1, [4, 5], Visibility.OCCLUDED, schema="mpii16"))
    history.apply(set_box(clip, 1, (10, 20, 110, 220), schema="mpii16"))
    stored = pose(store, clip, 1)
    assert stored.visibility[4] == stored.visibility[5] == Visibility.OCCLUDED
    assert stored.visibility[0] == Visibility.VISIBLE
    assert stored.bbox == (10, 20, 110, 220)
    history.undo()
    assert pose(store, clip, 1).bbox is None
    history.undo()
    assert pose(store, clip, 1).visibility[4] == Visibility.VISIBLE


def test_stages_labels_and_clip_fields(store):
    clip = add_clip_row(store, frame_count=96)
    history = EditHistory(store, annotator=lambda: "judge-a")
    names = ["take-off", "flight", "entry"]
    history.apply(set_stages(clip, names, [20, 70]))
    history.apply(set_clip_labels(clip, "judge-a", overall_score=81.6, judge_marks=[8, 8.5, 8, 7.5, 8, 8.5, 9]))
    history.apply(set_clip_fields(clip, dive_number="407c", difficulty=3.2, split="train"))
    with store.reading() as session:
        assert queries.stage_boundaries(session, clip).transitions == (20, 70)
        [label] = queries.clip_labels(session, clip)
        assert label.overall_score == 81.6 and label.judge_marks[-1] == 9
        assert queries.get_clip(session, clip).dive_number == "407C"
    for _ in range(3):
        history.undo()
    with store.reading() as session:
        assert queries.stage_boundaries(session, clip) is None
        assert queries.clip_labels(session, clip) == []
        assert queries.get_clip(session, clip).dive_number is None


@pytest.mark.parametrize("edit, message", [
    (lambda c: set_keypoints(c, 96, {0: (1, 2)}, schema="mpii16"), "outside clip"),
    (lambda c: set_keypoints(c, -1, {0: (1, 2)}, schema="mpii16"), "outside clip"),
    (lambda c: set_keypoints(c, 3, {16: (1, 2)}, schema="mpii16"), "does not exist"),
    (lambda c: set_keypoints(c, 3, {0: (1, 2)}, schema="nope"), "nope"),
    (lambda c: set_box(c, 3, (10, 10, 5, 20), schema="mpii16"), "x1 < x2"),
    (lambda c: set_stages(c, ["a", "b", "c"], [50, 20]), "increase"),
    (lambda c: set_stages(c, ["a", "b", "c"], [20, 96]), "inside the clip"),
    (lambda c: set_stages(c, ["a", "b", "c"], [20]), "need 2 transition"),
    (lambda c: set_clip_labels(c, "a", overall_score=-3), "negative"),
    (lambda c: set_clip_labels(c, "a", overall_score="high"), "must be a number"),
    (lambda c: set_clip_labels(c, "a", judge_marks=[7, 10.5]), "0 to 10 in half points"),
    (lambda c: set_clip_labels(c, "a", judge_marks=[7.3]), "half points"),
    (lambda c: set_clip_labels(c, "a", skill_level="god"), "not one of"),
    (lambda c: set_clip_fields(c, dive_number="999Z"), "not valid"),
    (lambda c: set_clip_fields(c, dive_number="507C"), "not valid"),
    (lambda c: set_clip_fields(c, split="holdout"), "not one of"),
])
def test_refused_edits_write_nothing(store, edit, message):
    clip = add_clip_row(store, frame_count=96)
    history = EditHistory(store)
    with pytest.raises(EditError, match=message):
        history.apply(edit(clip))
    with store.reading() as session:
        assert queries.history(session) == []
        assert queries.pose_track(session, clip).frames.size == 0
        assert queries.clip_labels(session, clip) == []


def test_combined_edit_is_one_step_and_one_event(store):
    clip = add_clip_row(store)
    history = EditHistory(store)
    seen = []
    store.events.subscribe(PosesChanged, seen.append)
    store.events.subscribe(HistoryChanged, seen.append)
    history.apply(combine("Interpolate", [
        set_keypoints(clip, f, np.full((16, 3), f, np.float32), schema="mpii16", source=JointSource.INTERPOLATED)
        for f in range(10, 20)
    ]))
    assert seen == [PosesChanged(clip, frozenset(range(10, 20)), "working"), HistoryChanged()]
    history.undo()
    with store.reading() as session:
        assert queries.pose_track(session, clip).frames.size == 0


def test_events_only_after_commit(store):
    clip = add_clip_row(store)
    history = EditHistory(store)
    seen = []
    store.events.subscribe(StagesChanged, seen.append)
    store.events.subscribe(LabelsChanged, seen.append)
    with pytest.raises(EditError):
        history.apply(combine("two", [set_stages(clip, ["a", "b"], [5]), set_clip_labels(clip, "x", overall_score=-1)]))
    assert seen == []
    with store.reading() as session:
        assert queries.stage_boundaries(session, clip) is None
    history.apply(set_stages(clip, ["a", "b"], [5]))
    assert seen == [StagesChanged(clip)]


def test_no_op_edit_is_not_logged(store):
    clip = add_clip_row(store)
    history = EditHistory(store)
    assert history.apply(set_box(clip, 0, (1, 1, 2, 2), schema="mpii16")) is not None
    assert history.apply(set_box(clip, 0, (1, 1, 2, 2), schema="mpii16")) is None


def test_undo_after_reopen(tmp_path):
    path = tmp_path / "project.sqlite"
    store = Store.create(path)
    clip = add_clip_row(store)
    history = EditHistory(store)
    history.apply(set_keypoints(clip, 2, {7: (50, 60)}, schema="mpii16"))
    history.apply(set_keypoints(clip, 2, {7: (55, 66)}, schema="mpii16"))
    store.close()

    store = Store.open(path)
    history = EditHistory(store)
    assert history.undo_description() == "Move joint 7 on frame 2"
    history.undo()
    assert pose(store, clip, 2).keypoints[7, :2].tolist() == [50, 60]
    store.close()

    store = Store.open(path)
    history = EditHistory(store)
    history.redo()
    assert pose(store, clip, 2).keypoints[7, :2].tolist() == [55, 66]
    store.close()


def test_undoing_a_row_creating_edit_keeps_what_others_wrote_since(store):
    clip = add_clip_row(store)
    history = EditHistory(store)
    history.apply(set_keypoints(clip, 4, {2: (10, 20)}, schema="mpii16"))
    # Another writer (a model run) fills other joints of the same row without the edit log.
    from app.store.blobs import decode_keypoints, encode_keypoints
    with store.transaction() as tx:
        row = queries.pose_row(tx.session, clip, 4)
        keypoints = decode_keypoints(row.keypoints)
        keypoints[5] = [50, 60, 0.9]
        row.keypoints = encode_keypoints(keypoints)
    history.undo()
    stored = pose(store, clip, 4)
    assert np.isnan(stored.keypoints[2]).all() and stored.source[2] == JointSource.NONE
    assert stored.keypoints[5].tolist() == pytest.approx([50, 60, 0.9])


def test_reviewed_keyframes(store):
    from app.edits import set_reviewed

    clip = add_clip_row(store)
    history = EditHistory(store)
    with pytest.raises(EditError, match="no pose yet"):
        history.apply(set_reviewed(clip, [3]))
    for f in (3, 9):
        history.apply(set_keypoints(clip, f, {0: (1, 2)}, schema="mpii16"))
    history.apply(set_reviewed(clip, [3, 9]))
    with store.reading() as session:
        assert queries.pose_track(session, clip).reviewed.tolist() == [True, True]
    history.undo()
    assert not pose(store, clip, 9).reviewed
