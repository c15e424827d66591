"""The canvas: zoom around the cursor, fit, overlays, and docks wired to the undo stack."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from app.edits import set_keypoints
from app.project import Project
from app.store import queries
from inference.provenance import JointSource, Visibility
from tests.ui.test_editing import CLIP, SCHEMA, model_pose, open_at, posed_project  # noqa: F401


def test_wheel_zoom_keeps_the_pixel_under_the_cursor_and_f_fits(make_window, qtbot, posed_project):
    window = open_at(make_window, qtbot, posed_project)
    view = window.pane.view
    fitted = view.zoom_factor()
    anchor = view.viewport().rect().center() + QPoint(30, 20)  # away from the edges, where scrolling clamps
    before = view.mapToScene(anchor)
    view.zoom(2.0, anchor)
    assert view.zoom_factor() == pytest.approx(2 * fitted)
    after = view.mapToScene(anchor)
    assert (after.x(), after.y()) == pytest.approx((before.x(), before.y()), abs=1.0)
    QTest.keyClick(window, Qt.Key.Key_F)
    assert view.zoom_factor() == pytest.approx(fitted)


def test_joint_styles_follow_source_and_visibility(make_window, qtbot, posed_project):
    with Project.open(posed_project) as project:
        project.history.apply(set_keypoints(CLIP, 0, {1: (150, 170, 0.1)}, schema=SCHEMA, source=JointSource.MODEL,
                                            visibility=Visibility.OCCLUDED))
        project.history.apply(set_keypoints(CLIP, 0, {2: (150, 140, 0.9)}, schema=SCHEMA,
                                            visibility=Visibility.ABSENT))
    window = open_at(make_window, qtbot, posed_project)
    joints = window.editor.skeleton.joints
    assert joints[1].visibility == Visibility.OCCLUDED and joints[1].opacity() < 1  # hollow, unsure
    assert not joints[2].isVisible()  # absent joints are not drawn
    assert joints[0].opacity() == 1 and joints[0].source == JointSource.MODEL


def test_onion_skin_and_trails_toggle(make_window, qtbot, posed_project):
    window = open_at(make_window, qtbot, posed_project, frame=2)
    QTest.keyClick(window, Qt.Key.Key_O)
    QTest.keyClick(window, Qt.Key.Key_T)
    assert window.editor.onion.boundingRect().width() > 0
    assert window.editor.trail.boundingRect().width() > 0
    QTest.keyClick(window, Qt.Key.Key_O)
    assert window.editor.onion.boundingRect().isNull()


def test_stage_edit_from_the_timeline_is_undoable(make_window, qtbot, posed_project):
    window = open_at(make_window, qtbot, posed_project, frame=5)
    # the clip's sport template must load: a broken template leaves the timeline without stages
    assert window._stage_names and window.stage_timeline.transition_at_playhead(0)
    with window.project.store.reading() as session:
        stages = queries.stage_boundaries(session, CLIP)
    assert stages is not None and stages.transitions[0] == 5
    window.undo_action.trigger()
    with window.project.store.reading() as session:
        assert queries.stage_boundaries(session, CLIP) is None


def test_middle_drag_pans(make_window, qtbot, posed_project):
    window = open_at(make_window, qtbot, posed_project)
    view = window.pane.view
    view.zoom(4.0)
    viewport = view.viewport()
    centre = viewport.rect().center()
    before = view.mapToScene(centre)
    QTest.mousePress(viewport, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, centre)
    QTest.mouseMove(viewport, centre + QPoint(40, 0))
    QTest.mouseRelease(viewport, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, centre + QPoint(40, 0))
    after = view.mapToScene(centre)
    assert after.x() == pytest.approx(before.x() - 40 / view.zoom_factor(), abs=1.0)  # the frame followed the mouse
    assert after.y() == pytest.approx(before.y(), abs=1.0)
