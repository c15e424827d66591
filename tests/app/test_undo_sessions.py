"""Undo is yours: each window (session) undoes its own edits; an edit that someone has changed
since is refused with who and when; two real processes on one SQLite file lose nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.edits import EditHistory, set_box, set_keypoints
from app.edits.external import ExternalEdits
from app.edits.presence import live_sessions, register, unregister
from app.errors import EditError, ProjectError
from app.store import queries
from app.store.events import PosesChanged
from app.store.store import Store
from tests.app.factories import add_clip_row
from tests.conftest import REPO


@pytest.fixture
def store(tmp_path):
    store = Store.create(tmp_path / "project.sqlite")
    add_clip_row(store)
    yield store
    store.close()


def box(store, frame):
    with store.reading() as session:
        found = queries.pose_at(session, 1, frame)
        return None if found is None else found.bbox


def joint(store, frame):
    with store.reading() as session:
        return queries.pose_at(session, 1, frame).keypoints[9, :2].tolist()


def test_each_window_undoes_its_own_edits(store):
    anna, ben = EditHistory(store, lambda: "anna"), EditHistory(store, lambda: "ben")
    register(store, ben.session_id, "ben")
    anna.apply(set_box(1, 1, (1, 1, 20, 20), schema="mpii16"))
    ben.apply(set_box(1, 2, (2, 2, 30, 30), schema="mpii16"))
    assert anna.undo_description() == "Set athlete box on frame 1"
    anna.undo()
    assert box(store, 1) is None and box(store, 2) == pytest.approx((2, 2, 30, 30))
    assert anna.undo() is None, "ben's edit is not anna's to undo"
    assert ben.undo().description == "Set athlete box on frame 2"


def test_undo_of_an_edit_changed_since_is_refused_with_who_and_when(store):
    anna, ben = EditHistory(store, lambda: "anna"), EditHistory(store, lambda: "ben")
    anna.apply(set_keypoints(1, 3, {9: (10, 10)}, schema="mpii16"))
    anna.apply(set_keypoints(1, 3, {9: (20, 20)}, schema="mpii16"))
    ben.apply(set_keypoints(1, 3, {9: (30, 30)}, schema="mpii16"))
    with pytest.raises(EditError, match=r'Cannot undo "Move joint 9 on frame 3": frame 3 of clip 1 was changed by ben at \d\d:\d\d:\d\d'):
        anna.undo()
    assert joint(store, 3) == [30, 30], "nothing was changed"
    assert anna.can_undo(), "the refused edit is still there to undo once ben's is undone"
    ben.undo()
    anna.undo()
    assert joint(store, 3) == [10, 10]


def test_redo_after_someone_else_changed_the_target_is_refused(store):
    anna, ben = EditHistory(store, lambda: "anna"), EditHistory(store, lambda: "ben")
    anna.apply(set_box(1, 4, (1, 1, 20, 20), schema="mpii16"))
    anna.undo()
    ben.apply(set_box(1, 4, (5, 5, 50, 50), schema="mpii16"))
    with pytest.raises(EditError, match="Cannot redo .* was changed by ben"):
        anna.redo()
    assert box(store, 4) == pytest.approx((5, 5, 50, 50))


def test_after_a_restart_the_annotator_undoes_edits_of_ended_sessions_but_not_of_open_windows(store):
    ended, open_window = EditHistory(store, lambda: "anna"), EditHistory(store, lambda: "anna")
    register(store, open_window.session_id, "anna")
    ended.apply(set_box(1, 5, (1, 1, 20, 20), schema="mpii16"))
    open_window.apply(set_box(1, 6, (1, 1, 20, 20), schema="mpii16"))
    restarted = EditHistory(store, lambda: "anna")
    assert restarted.undo().description == "Set athlete box on frame 5"
    assert restarted.undo() is None, "the other open window's edit is left alone"
    unregister(store, open_window.session_id)
    with store.reading() as session:
        assert live_sessions(session) == []
    assert restarted.undo().description == "Set athlete box on frame 6"


def test_the_command_line_undoes_the_annotators_edits_from_any_session(store):
    EditHistory(store, lambda: "anna").apply(set_box(1, 7, (1, 1, 20, 20), schema="mpii16"))
    EditHistory(store, lambda: "ben").apply(set_box(1, 8, (1, 1, 20, 20), schema="mpii16"))
    cli = EditHistory(store, lambda: "anna", scope="annotator")
    assert cli.undo().description == "Set athlete box on frame 7"
    assert cli.undo() is None


def test_two_processes_interleave_edits_and_undos_and_lose_nothing(store, tmp_path):
    child = subprocess.Popen([sys.executable, "-m", "tests.app.session_child", str(store.db_path), "ben"],
                             cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(command: str) -> str:
        child.stdin.write(command + "\n")
        child.stdin.flush()
        return child.stdout.readline().strip()

    try:
        assert child.stdout.readline().strip() == "ready"
        anna = EditHistory(store, lambda: "anna")
        seen = ExternalEdits(store, anna)
        announced = []
        store.events.subscribe(PosesChanged, announced.append)
        anna.apply(set_box(1, 1, (1, 1, 20, 20), schema="mpii16"))
        assert seen.check() == [], "anna's own edit is not news to anna"
        assert ask("box 2 5") == "ok"
        assert seen.check() == ["ben Set athlete box on frame 2"]
        assert announced[-1].clip_id == 1 and 2 in announced[-1].frames
        assert seen.check() == [], "nothing new since"
        anna.apply(set_box(1, 3, (3, 3, 20, 20), schema="mpii16"))
        assert ask("undo") == "Set athlete box on frame 2"
        assert seen.check() == ["ben undid Set athlete box on frame 2"]
        assert box(store, 2) is None and box(store, 1) is not None and box(store, 3) is not None
        assert anna.undo().description == "Set athlete box on frame 3"
        assert anna.undo_description() == "Set athlete box on frame 1", "ben's undone edit is not anna's"
        # The same joint, anna first: her undo would throw away ben's move, so it is refused.
        anna.apply(set_keypoints(1, 9, {9: (40, 40)}, schema="mpii16"))
        assert ask("joint 9 70") == "ok"
        with pytest.raises(EditError, match="was changed by ben"):
            anna.undo()
        assert ask("undo") == "Move joint 9 on frame 9"
        assert anna.undo().description == "Move joint 9 on frame 9"
        assert ask("quit") == ""
        child.wait(timeout=30)
    finally:
        child.kill()
        seen.close()
    assert store.integrity_check() == "ok"
    with store.reading() as session:
        states = [(e.description, e.state, e.annotator) for e in queries.history(session, limit=20)][::-1]
    # Each one's new edit dropped only their own undone edits from redo.
    assert states == [
        ("Set athlete box on frame 1", "done", "anna"),
        ("Set athlete box on frame 2", "dropped", "ben"),
        ("Set athlete box on frame 3", "dropped", "anna"),
        ("Move joint 9 on frame 9", "undone", "anna"),
        ("Move joint 9 on frame 9", "undone", "ben"),
    ]


def test_a_write_that_waits_for_another_process_says_so_then_goes_through(store):
    import sqlite3
    import threading

    other = sqlite3.connect(store.db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
    release = threading.Timer(2.0, lambda: other.execute("COMMIT"))
    notices = []
    store.waiting = lambda: notices.append("waiting")
    release.start()
    try:
        EditHistory(store, lambda: "anna").apply(set_box(1, 1, (1, 1, 20, 20), schema="mpii16"))
    finally:
        release.join()
        other.close()
    assert notices == ["waiting"], "told once, after about a second"
    assert box(store, 1) == pytest.approx((1, 1, 20, 20)), "and the edit went through"


def test_a_write_that_waits_past_the_timeout_is_a_clear_refusal(store, monkeypatch):
    import sqlite3

    import app.store.database as database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 1500)
    monkeypatch.setattr(database, "WAIT_NOTICE_MS", 500)
    other = sqlite3.connect(store.db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    store.waiting = lambda: None
    try:
        with pytest.raises(ProjectError, match="another Plumb has been writing to the project"):
            EditHistory(store, lambda: "anna").apply(set_box(1, 1, (1, 1, 20, 20), schema="mpii16"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert box(store, 1) is None


def test_an_edit_on_a_place_changed_since_the_window_showed_it_is_refused_once(store):
    anna, ben = EditHistory(store, lambda: "anna"), EditHistory(store, lambda: "ben")
    anna.apply(set_keypoints(1, 3, {9: (5, 5)}, schema="mpii16"))
    watch = ExternalEdits(store, anna)  # anna's window now shows the project as it is
    register(store, ben.session_id, "ben")
    shown = []
    unsubscribe = store.events.subscribe(PosesChanged, shown.append)
    try:
        ben.apply(set_keypoints(1, 3, {9: (30, 30)}, schema="mpii16"))
        shown.clear()
        with pytest.raises(EditError, match=r"Not applied: frame 3 of clip 1 was changed by ben \(Plumb on .+\) "
                                             r"at \d\d:\d\d:\d\d \(\"Move joint 9 on frame 3\"\)"):
            anna.apply(set_keypoints(1, 3, {9: (10, 10)}, schema="mpii16"))
        assert joint(store, 3) == [30, 30], "ben's work is not overwritten"
        assert shown, "anna's views are told to show ben's change"
        anna.apply(set_keypoints(1, 3, {9: (10, 10)}, schema="mpii16"))  # made on what is shown now
        assert joint(store, 3) == [10, 10]

        ben.apply(set_keypoints(1, 4, {9: (40, 40)}, schema="mpii16"))
        anna.apply(set_keypoints(1, 5, {9: (50, 50)}, schema="mpii16"))  # another frame: no conflict
        assert watch.check()[-1] == "ben Move joint 9 on frame 4"
        anna.apply(set_keypoints(1, 4, {9: (41, 41)}, schema="mpii16"))  # seen by the watch: goes through
        assert joint(store, 4) == [41, 41]
    finally:
        unsubscribe()
        watch.close()
    ben.apply(set_keypoints(1, 6, {9: (60, 60)}, schema="mpii16"))
    anna.apply(set_keypoints(1, 6, {9: (61, 61)}, schema="mpii16"))  # no window watching: no check
    assert joint(store, 6) == [61, 61]
