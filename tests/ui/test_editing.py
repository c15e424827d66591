"""Editing on the canvas of the real window: gestures write one edit each, undo/redo, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from app.edits import set_box, set_keypoints, set_reviewed
from app.project import Project
from app.store import queries
from inference.provenance import JointSource, Visibility
from tests.ui.conftest import wait_for_frame

CLIP = 1
SCHEMA = "mpii16"


def model_pose(frame: int) -> np.ndarray:
    """A plausible (16, 3) pose that drifts right with the frame, confidence 0.9."""
    base = np.array([[150, 200], [150, 170], [150, 140], [170, 140], [170, 170], [170, 200], [160, 140],
                     [160, 100], [160, 85], [160, 60], [120, 120], [130, 105], [145, 100], [175, 100],
                     [190, 105], [200, 120]], np.float64)
    base[:, 0] += frame
    return np.concatenate([base, np.full((16, 1), 0.9)], axis=1)


@pytest.fixture
def posed_project(project_dir):
    with Project.open(project_dir) as project:
        for frame in range(6):
            project.history.apply(set_keypoints(CLIP, frame, model_pose(frame), schema=SCHEMA,
                                                source=JointSource.MODEL, visibility=Visibility.VISIBLE))
        project.history.apply(set_box(CLIP, 0, (100, 40, 220, 220), schema=SCHEMA))
    return project_dir


def open_at(make_window, qtbot, folder, frame: int = 0):
    window = make_window()
    window.open_project(folder)
    window.select_clip(CLIP)
    window.pane.player.seek(frame)
    wait_for_frame(qtbot, window, frame)
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: window.pane.view.viewport().width() > 300)
    qtbot.wait(20)  # let the layout settle before fitting
    window.pane.view.fit()
    qtbot.waitUntil(lambda: window.editor.frame == frame)
    return window


def pose(window, frame: int):
    with window.project.store.reading() as session:
        return queries.pose_at(session, CLIP, frame)


def log(window):
    with window.project.store.reading() as session:
        return queries.history(session)


def viewport_point(window, x: float, y: float) -> QPoint:
    return window.pane.view.mapFromScene(QPointF(x, y))


def drag(window, start: QPoint, end: QPoint) -> None:
    viewport = window.pane.view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    steps = 5
    for i in range(1, steps + 1):
        QTest.mouseMove(viewport, start + (end - start) * (i / steps))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def test_dragging_a_joint_writes_one_manual_edit_and_undo_redo_follow(make_window, qtbot, posed_project):
    window = open_at(make_window, qtbot, posed_project)
    entries_before = len(log(window))
    head = model_pose(0)[9]
    start = viewport_point(window, head[0], head[1])
    end = start + QPoint(30, 20)
    target = window.pane.view.mapToScene(end)
    drag(window, start, end)

    after = pose(window, 0)
    assert after.keypoints[9, :2] == pytest.approx([target.x(), target.y()], abs=1e-3)
    assert after.source[9] == JointSource.MANUAL
    assert after.source[8] == JointSource.MODEL
    assert len(log(window)) == entries_before + 1  # a whole drag is one edit
    assert window.undo_stack.count() == 1
    assert window.history_view.count() == entries_before + 1

    window.undo_action.trigger()
    assert pose(window, 0).keypoints[9, :2].tolist() == pytest.approx(head[:2].tolist())
    assert pose(window, 0).source[9] == JointSource.MODEL
    assert log(window)[0].state == "undone"
    window.redo_action.trigger()
    assert pose(window, 0).keypoints[9, :2] == pytest.approx([target.x(), target.y()], abs=1e-3)
    # the canvas shows what the store holds
    item = window.editor.skeleton.joints[9]
    assert (item.pos().x(), item.pos().y()) == pytest.approx((target.x(), target.y()), abs=1e-3)


def test_nudge_and_visibility_keys_change_the_store(make_window, qtbot, posed_project):
    window = open_at(make_window, qtbot, posed_project)
    viewport = window.pane.view.viewport()
    wrist = model_pose(0)[10]
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     viewport_point(window, wrist[0], wrist[1]))
    assert window.editor.selected == 10
    QTest.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    QTest.keyClick(window, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    assert pose(window, 0).keypoints[10, :2].tolist() == pytest.approx([wrist[0] + 1, wrist[1] + 10])
    assert window.pane.player.position == 0  # Alt+arrows nudge; they do not step frames
    QTest.keyClick(window, Qt.Key.Key_2)
    assert pose(window, 0).visibility[10] == Visibility.OCCLUDED
    QTest.keyClick(window, Qt.Key.Key_V)
    assert pose(window, 0).visibility[10] == Visibility.ABSENT
    assert not window.editor.skeleton.joints[10].isVisible()
    QTest.keyClick(window, Qt.Key.Key_Right)  # plain arrows still step frames
    wait_for_frame(qtbot, window, 1)


def test_box_move_and_resize_are_one_edit_each(make_window, qtbot, posed_project):
    window = open_at(make_window, qtbot, posed_project)
    before = len(log(window))
    view = window.pane.view
    start = viewport_point(window, 100, 80)  # the left border, away from its handle
    drag(window, start, start + QPoint(20, 0))
    moved = pose(window, 0).bbox
    dx = view.mapToScene(start + QPoint(20, 0)).x() - view.mapToScene(start).x()
    assert moved == pytest.approx((100 + dx, 40, 220 + dx, 220), abs=1e-3)
    # resize: the bottom-right handle
    corner = viewport_point(window, moved[2], moved[3])
    drag(window, corner, corner + QPoint(15, 10))
    resized = pose(window, 0).bbox
    assert resized[:2] == pytest.approx(moved[:2])
    assert resized[2] > moved[2] and resized[3] > moved[3]
    assert len(log(window)) == before + 2


def test_add_missing_joint_by_click(make_window, qtbot, posed_project):
    with Project.open(posed_project) as project:
        project.history.apply(set_keypoints(CLIP, 2, {0: (np.nan, np.nan, np.nan)}, schema=SCHEMA,
                                            source=JointSource.NONE, visibility=Visibility.ABSENT))
    window = open_at(make_window, qtbot, posed_project, frame=2)
    assert 0 in window.editor.missing_joints()
    window.editor.begin_place(0)
    point = viewport_point(window, 140, 210)
    QTest.mouseClick(window.pane.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    placed = pose(window, 2)
    scene = window.pane.view.mapToScene(point)
    assert placed.keypoints[0, :2].tolist() == pytest.approx([scene.x(), scene.y()])
    assert placed.visibility[0] == Visibility.VISIBLE and placed.source[0] == JointSource.MANUAL


def test_copy_pose_from_previous_frame(make_window, qtbot, posed_project):
    window = open_at(make_window, qtbot, posed_project, frame=3)
    QTest.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    copied = pose(window, 3)
    np.testing.assert_allclose(copied.keypoints[:, :2], model_pose(2)[:, :2])
    assert (copied.source == JointSource.MANUAL).all()
    assert log(window)[0].description.startswith("Copy pose of frame 2")


def test_interpolation_between_reviewed_keyframes_keeps_manual_joints(make_window, qtbot, posed_project):
    with Project.open(posed_project) as project:
        project.history.apply(set_keypoints(CLIP, 0, {3: (300, 300)}, schema=SCHEMA))
        project.history.apply(set_keypoints(CLIP, 4, {3: (340, 340)}, schema=SCHEMA))
        project.history.apply(set_keypoints(CLIP, 2, {5: (10, 10)}, schema=SCHEMA))  # manual, in between
        project.history.apply(set_reviewed(CLIP, [0, 4]))
    window = open_at(make_window, qtbot, posed_project, frame=2)
    before = len(log(window))
    QTest.keyClick(window, Qt.Key.Key_I)
    assert len(log(window)) == before + 1
    for frame in (1, 2, 3):
        p = pose(window, frame)
        assert p.keypoints[3, :2].tolist() == pytest.approx([300 + 10 * frame, 300 + 10 * frame])
        assert p.source[3] == JointSource.INTERPOLATED
    mid = pose(window, 2)
    assert mid.keypoints[5, :2].tolist() == [10, 10] and mid.source[5] == JointSource.MANUAL
    window.undo_action.trigger()
    assert pose(window, 2).source[3] == JointSource.MODEL


def test_refused_edit_shows_why_and_stores_nothing(make_window, qtbot, posed_project):
    window = open_at(make_window, qtbot, posed_project, frame=0)
    before = len(log(window))
    window.editor.frame = 10_000  # beyond the end of the clip
    assert not window.editor.place_joint(0, 10, 10)
    assert "outside clip" in window.statusBar().currentMessage()
    assert len(log(window)) == before
    window.editor.frame = 0
    QTest.keyClick(window, Qt.Key.Key_I)  # no reviewed keyframes
    assert "reviewed keyframes" in window.statusBar().currentMessage()
    assert len(log(window)) == before


def test_undo_after_reopening_the_project(make_window, qtbot, posed_project):
    window = open_at(make_window, qtbot, posed_project)
    assert window.editor.move_joint(9, 50, 60)
    window.close()
    window = open_at(make_window, qtbot, posed_project)
    assert window.undo_stack.count() == 0
    assert window.undo_action.isEnabled()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert pose(window, 0).keypoints[9, :2].tolist() == pytest.approx(model_pose(0)[9, :2].tolist())
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert pose(window, 0).keypoints[9, :2].tolist() == [50, 60]
