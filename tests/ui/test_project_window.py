"""Projects through the window: new/open, adding (and refusing) videos, relinking, VFR clips."""

from __future__ import annotations

import shutil
import time

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.project import Project
from app.ui.clip_pane import NO_CLIP_TEXT
from app.ui.formatting import VFR_EXPLANATION, timecode
from tests.helpers.videos import vfr_pts_ms, write_numbered_video, write_text_file, write_zero_byte
from tests.ui.conftest import FRAMES, shown_number, wait_for_frame


def clip_names(folder) -> list[str]:
    with Project.open(folder) as project:
        return [clip.name for clip in project.clips()]


def test_new_project_then_add_videos_shows_them_in_the_list(qtbot, make_window, tmp_path, numbered_video):
    window = make_window()
    assert not window.add_videos_action.isEnabled()
    assert window.new_project(tmp_path / "fresh")
    assert window.windowTitle() == "fresh — Plumb"
    assert window.add_videos_action.isEnabled()
    added = window.add_videos([numbered_video])
    assert [clip.name for clip in added] == ["dive"]
    item = window.clip_list.topLevelItem(0)
    assert [item.text(c) for c in range(5)] == ["dive", str(FRAMES), "25", "320×240", ""]
    assert window.clip_list.current_clip_id() == added[0].id  # the first clip opens at once
    wait_for_frame(qtbot, window, 0)
    assert shown_number(window) == 0
    assert window.reporter.shown == []


def test_bad_files_are_refused_with_reasons_and_good_ones_added(qtbot, make_window, tmp_path, numbered_video):
    window = make_window()
    window.new_project(tmp_path / "p")
    empty = write_zero_byte(tmp_path / "empty.mp4")
    notes = write_text_file(tmp_path / "notes.mp4")
    added = window.add_videos([empty, numbered_video, notes])
    assert [clip.name for clip in added] == ["dive"]
    [(title, message)] = window.reporter.shown
    assert title == "Add Videos"
    assert message.startswith("2 of 3 videos could not be added; 1 was added.")
    assert "empty.mp4:" in message and "notes.mp4:" in message
    assert window.clip_list.clip_ids() == [added[0].id]
    window.close()
    assert clip_names(tmp_path / "p") == ["dive"]


def test_only_bad_files_write_no_clip(qtbot, make_window, tmp_path):
    window = make_window()
    window.new_project(tmp_path / "p")
    assert window.add_videos([write_zero_byte(tmp_path / "empty.mp4")]) == []
    [(title, message)] = window.reporter.shown
    assert title == "Add Videos" and "empty.mp4:" in message
    assert window.clip_list.clip_ids() == []
    assert window.pane.message.label.text() == NO_CLIP_TEXT
    window.close()
    assert clip_names(tmp_path / "p") == []


def test_adding_the_same_video_twice_is_refused(qtbot, make_window, project_dir, numbered_video):
    window = make_window()
    window.open_project(project_dir)
    assert window.add_videos([numbered_video]) == []
    [(_, message)] = window.reporter.shown
    assert "already in this project" in message


def test_add_videos_without_a_project_says_what_to_do(qtbot, make_window, numbered_video):
    window = make_window()
    assert window.add_videos([numbered_video]) == []
    [(title, message)] = window.reporter.shown
    assert title == "Add Videos" and "Open or create a project first" in message


def test_opening_a_folder_that_is_no_project_reports_it(qtbot, make_window, tmp_path):
    window = make_window()
    (tmp_path / "plain").mkdir()
    assert not window.open_project(tmp_path / "plain")
    [(title, message)] = window.reporter.shown
    assert title == "Open Project" and "is not a Plumb project" in message
    assert window.project is None and window.windowTitle() == "Plumb"


def test_creating_a_project_where_one_exists_reports_it(qtbot, make_window, project_dir):
    window = make_window()
    assert not window.new_project(project_dir)
    [(title, message)] = window.reporter.shown
    assert title == "New Project" and "already holds a Plumb project" in message


def test_missing_video_shows_a_message_and_relinks(qtbot, make_window, project_dir, numbered_video, tmp_path):
    moved = tmp_path / "elsewhere" / "dive-renamed.mp4"
    moved.parent.mkdir()
    shutil.move(numbered_video, moved)
    window = make_window()
    window.open_project(project_dir)
    window.select_clip(1)
    pane = window.pane
    assert pane.stack.currentWidget() is pane.message
    assert "is missing" in pane.message.label.text()
    assert pane.message.relink_button.isVisibleTo(window)
    assert pane.loader is None and not pane.bar.isEnabled()

    wrong = write_numbered_video(tmp_path / "other.mp4", frames=10)
    assert not window.relink_clip(1, wrong)
    [(title, message)] = window.reporter.shown
    assert title == "Relink Video" and "content differs" in message
    assert pane.stack.currentWidget() is pane.message

    assert window.relink_clip(1, moved)
    assert pane.stack.currentWidget() is pane.view
    wait_for_frame(qtbot, window, 0)
    QTest.keyClick(pane.view, Qt.Key.Key_End)
    wait_for_frame(qtbot, window, FRAMES - 1)
    assert shown_number(window) == FRAMES - 1
    window.close()
    with Project.open(project_dir) as project:
        assert project.video_path(project.clip(1)) == moved.resolve()


def test_relink_button_asks_for_the_file(qtbot, make_window, project_dir, numbered_video, tmp_path, monkeypatch):
    moved = tmp_path / "moved.mp4"
    shutil.move(numbered_video, moved)
    monkeypatch.setattr("app.ui.dialogs.ask_relink_file", lambda parent, name, old: str(moved))
    window = make_window()
    window.open_project(project_dir)
    window.select_clip(1)
    QTest.mouseClick(window.pane.message.relink_button, Qt.MouseButton.LeftButton)
    wait_for_frame(qtbot, window, 0)
    assert shown_number(window) == 0


def test_vfr_clip_has_a_badge_and_timecodes_from_timestamps(qtbot, make_window, tmp_path):
    video = write_numbered_video(tmp_path / "vfr.mkv", frames=24, vfr=True)
    window = make_window()
    window.new_project(tmp_path / "p")
    [clip] = window.add_videos([video])
    assert clip.is_vfr
    assert window.clip_list.topLevelItem(0).text(4) == "VFR"
    wait_for_frame(qtbot, window, 0)
    assert window.pane.bar.vfr_badge.isVisibleTo(window)
    assert window.statusBar().currentMessage() == VFR_EXPLANATION
    pts = vfr_pts_ms(24, 25)
    current = 0
    for index in (1, 2, 3, 7):
        for _ in range(index - current):
            QTest.keyClick(window.pane.view, Qt.Key.Key_Right)
        current = index
        wait_for_frame(qtbot, window, index)
        assert shown_number(window) == index
        assert window.pane.bar.time_label.text() == timecode(pts[index] / 1000)


def test_switching_clips_stops_the_previous_decoder(qtbot, make_window, project_dir, tmp_path):
    second = write_numbered_video(tmp_path / "second.mp4", frames=20, size=(160, 120))
    window = make_window()
    window.open_project(project_dir)
    [clip2] = window.add_videos([second])
    window.select_clip(1)
    wait_for_frame(qtbot, window, 0)
    first_loader = window.pane.loader
    window.select_clip(clip2.id)
    assert not first_loader.is_running()
    wait_for_frame(qtbot, window, 0)
    assert window.pane.view.shown_image().width() == 160
    QTest.keyClick(window.pane.view, Qt.Key.Key_End)
    wait_for_frame(qtbot, window, 19)
    assert shown_number(window) == 19


def test_adding_a_long_gop_video_builds_its_seek_index_and_reopens_with_it(
        qtbot, make_window, tmp_path, numbered_video, monkeypatch):
    monkeypatch.setattr("app.media.access_proxy.needs_access_proxy", lambda info: True)
    window = make_window()
    window.new_project(tmp_path / "p")
    with qtbot.waitSignal(window.proxies.built, timeout=20000) as built:
        [clip] = window.add_videos([numbered_video])
    assert built.args == [clip.id]
    assert window.project.access_proxy_path(clip).is_file()
    qtbot.waitUntil(lambda: window.pane.loader is not None and window.pane.shown_index == 0)
    QTest.keyClick(window.pane.view, Qt.Key.Key_End)
    wait_for_frame(qtbot, window, FRAMES - 1)
    assert shown_number(window) == FRAMES - 1
    assert "Seek index of clip" in window.statusBar().currentMessage()


def test_closing_the_window_cancels_a_running_seek_index_build(
        qtbot, make_window, tmp_path, numbered_video, monkeypatch):
    import app.media.access_proxy as access_proxy

    real_build = access_proxy.build_access_proxy

    def slow_build(video, proxy, *, progress, cancel):  # 60 frames take over a second
        return real_build(video, proxy, progress=lambda *a: (time.sleep(0.02), progress(*a)), cancel=cancel)

    monkeypatch.setattr(access_proxy, "needs_access_proxy", lambda info: True)
    monkeypatch.setattr(access_proxy, "build_access_proxy", slow_build)
    window = make_window()
    window.new_project(tmp_path / "p")
    with qtbot.waitSignal(window.proxies.progress, timeout=20000):
        [clip] = window.add_videos([numbered_video])
    proxy = window.project.access_proxy_path(clip)
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 0.5
    assert not window.proxies.is_running()
    assert not proxy.exists() and not list(proxy.parent.glob("*.partial"))


def test_vfr_playback_follows_presentation_times(qtbot, make_window, tmp_path):
    video = write_numbered_video(tmp_path / "vfr.mkv", frames=24, vfr=True)
    window = make_window()
    window.new_project(tmp_path / "p")
    window.add_videos([video])
    wait_for_frame(qtbot, window, 0)
    player = window.pane.player
    pts = [t / 1000 for t in vfr_pts_ms(24, 25)]
    for index, start in enumerate(pts):
        assert player.frame_at(0, start) == index
        assert player.frame_at(0, start - 0.001) == max(index - 1, 0)
    assert player.frame_at(3, pts[7] - pts[3]) == 7


def test_file_shortcuts_ask_then_act(qtbot, make_window, tmp_path, numbered_video, monkeypatch):
    monkeypatch.setattr("app.ui.dialogs.ask_new_project_folder", lambda parent: str(tmp_path / "keyed"))
    monkeypatch.setattr("app.ui.dialogs.ask_video_files", lambda parent: [str(numbered_video)])
    window = make_window()
    ctrl = Qt.KeyboardModifier.ControlModifier
    QTest.keyClick(window.pane.view, Qt.Key.Key_N, ctrl)
    assert window.project is not None and window.project.root == (tmp_path / "keyed").resolve()
    QTest.keyClick(window.pane.view, Qt.Key.Key_A, ctrl | Qt.KeyboardModifier.ShiftModifier)
    assert window.clip_list.clip_ids() == [1]
    wait_for_frame(qtbot, window, 0)
    window.close_project()
    monkeypatch.setattr("app.ui.dialogs.ask_project_folder", lambda parent: str(tmp_path / "keyed"))
    QTest.keyClick(window.pane.view, Qt.Key.Key_O, ctrl)
    assert window.clip_list.clip_ids() == [1]
    QTest.keyClick(window.pane.view, Qt.Key.Key_Q, ctrl)
    assert not window.isVisible() and window.project is None


def test_cancelled_dialogs_change_nothing(qtbot, make_window, project_dir, monkeypatch):
    monkeypatch.setattr("app.ui.dialogs.ask_project_folder", lambda parent: None)
    monkeypatch.setattr("app.ui.dialogs.ask_video_files", lambda parent: [])
    window = make_window()
    assert not window.open_project()
    assert window.open_project(project_dir)
    assert window.add_videos() == []
    assert window.clip_list.clip_ids() == [1] and window.reporter.shown == []
