"""Two windows on one project (two sessions, as two Plumb processes would be): each undoes its
own edits, sees the other's as they land, refuses an edit made on what it showed before the
other's change, and says that the other has the project open."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.edits import set_box, set_keypoints
from app.store import queries
from tests.ui.test_editing import CLIP, SCHEMA, model_pose, open_at, posed_project  # noqa: F401  (fixture)


def box_on(window, frame: int):
    with window.project.store.reading() as session:
        return queries.pose_at(session, CLIP, frame).bbox


def test_ctrl_z_undoes_this_windows_edit_and_not_the_other_windows(make_window, qtbot, posed_project):  # noqa: F811
    a = open_at(make_window, qtbot, posed_project, frame=1)
    b = open_at(make_window, qtbot, posed_project, frame=1)
    assert a.project.history.session_id != b.project.history.session_id
    a.project_watch.check()
    assert a.others_label.text().startswith("Also open in Plumb")

    assert a.undo_stack.push_edit(set_keypoints(CLIP, 1, {9: (171.0, 61.0)}, schema=SCHEMA))
    assert b.undo_stack.push_edit(set_box(CLIP, 1, (90.0, 30.0, 230.0, 225.0), schema=SCHEMA))

    # A sees B's box on the frame it shows, without reopening anything.
    a.project_watch.check()
    qtbot.waitUntil(lambda: a.editor.box.box() == pytest.approx((90.0, 30.0, 230.0, 225.0)))
    assert "Set athlete box on frame 1" in a.statusBar().currentMessage()

    a.activateWindow()
    qtbot.waitUntil(lambda: a.isActiveWindow())
    QTest.keyClick(a, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    with a.project.store.reading() as session:
        head = queries.pose_at(session, CLIP, 1).keypoints[9, :2].tolist()
    assert head == pytest.approx(model_pose(1)[9, :2].tolist()), "A's own edit was undone"
    assert box_on(a, 1) == pytest.approx((90.0, 30.0, 230.0, 225.0)), "B's box is B's to undo"


def test_undo_of_an_edit_the_other_window_changed_since_is_refused_in_the_status_bar(make_window, qtbot, posed_project):  # noqa: F811
    a = open_at(make_window, qtbot, posed_project, frame=2)
    b = open_at(make_window, qtbot, posed_project, frame=2)
    assert a.undo_stack.push_edit(set_box(CLIP, 2, (100.0, 40.0, 200.0, 200.0), schema=SCHEMA))
    # B's edit is made on the frame as B showed it, before A's box: refused, and B shows A's box.
    assert not b.undo_stack.push_edit(set_box(CLIP, 2, (110.0, 50.0, 210.0, 210.0), schema=SCHEMA))
    assert "Not applied: frame 2 of clip 1 was changed by" in b.statusBar().currentMessage()
    qtbot.waitUntil(lambda: b.editor.box.box() == pytest.approx((100.0, 40.0, 200.0, 200.0)))
    assert box_on(a, 2) == pytest.approx((100.0, 40.0, 200.0, 200.0)), "A's box was not overwritten"
    assert b.undo_stack.push_edit(set_box(CLIP, 2, (110.0, 50.0, 210.0, 210.0), schema=SCHEMA))
    a.undo_action.trigger()
    assert "was changed by" in a.statusBar().currentMessage() and "undo" in a.statusBar().currentMessage()
    assert box_on(a, 2) == pytest.approx((110.0, 50.0, 210.0, 210.0)), "nothing was changed"
    b.undo_action.trigger()
    a.undo_action.trigger()
    assert box_on(a, 2) is None, "each undid its own: the frame is as it was"


def test_on_a_server_project_the_other_windows_edit_arrives_by_notification(make_window, qtbot, posed_project,  # noqa: F811
                                                                            postgres_database, tmp_path):
    from app.project_copy import copy_project

    team = tmp_path / "team"
    copy_project(posed_project, team, postgres_database)
    a = open_at(make_window, qtbot, team, frame=1)
    b = open_at(make_window, qtbot, team, frame=1)
    a.project_watch._timer.stop()  # only the server's notification can tell A now
    assert b.undo_stack.push_edit(set_box(CLIP, 1, (90.0, 30.0, 230.0, 225.0), schema=SCHEMA))
    qtbot.waitUntil(lambda: a.editor.box.box() == pytest.approx((90.0, 30.0, 230.0, 225.0)), timeout=5000)
    assert "Set athlete box on frame 1" in a.statusBar().currentMessage()


def test_a_write_waiting_for_another_process_says_so_in_the_status_bar(make_window, qtbot, posed_project):  # noqa: F811
    import sqlite3
    import threading

    a = open_at(make_window, qtbot, posed_project, frame=1)
    other = sqlite3.connect(a.project.store.db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.5, lambda: other.execute("COMMIT"))
    messages = []
    a.statusBar().messageChanged.connect(messages.append)
    release.start()
    try:
        assert a.undo_stack.push_edit(set_box(CLIP, 1, (90.0, 30.0, 230.0, 225.0), schema=SCHEMA))
    finally:
        release.join()
        other.close()
    assert any("Waiting for another Plumb" in m for m in messages)
    assert box_on(a, 1) == pytest.approx((90.0, 30.0, 230.0, 225.0))
