"""Frame-exact navigation through the real window: keys, scrub bar, playback."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.ui.formatting import frame_text, timecode
from tests.ui.conftest import FRAMES, SlowSource, shown_number, wait_for_frame

LAST = FRAMES - 1


def open_clip(qtbot, make_window, project_dir, **kwargs):
    window = make_window(**kwargs)
    assert window.open_project(project_dir)
    assert window.clip_list.clip_ids() == [1]
    window.select_clip(1)
    wait_for_frame(qtbot, window, 0)
    return window


def assert_showing(window, index: int) -> None:
    assert window.pane.bar.frame_label.text() == frame_text(index, FRAMES)
    assert window.pane.bar.time_label.text() == timecode(index / 25)
    assert shown_number(window) == index  # the pixels on screen are that frame


def test_keys_step_frame_exactly(qtbot, make_window, project_dir):
    window = open_clip(qtbot, make_window, project_dir)
    assert_showing(window, 0)
    keys = [
        (Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier, 1),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier, 2),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier, 3),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier, 2),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier, 12),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier, 22),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier, 12),
        (Qt.Key.Key_End, Qt.KeyboardModifier.NoModifier, LAST),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier, LAST),  # stays on the last frame
        (Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier, LAST - 1),
        (Qt.Key.Key_Home, Qt.KeyboardModifier.NoModifier, 0),
    ]
    for key, modifier, expected in keys:
        QTest.keyClick(window.pane.view, key, modifier)
        assert window.pane.player.position == expected
        wait_for_frame(qtbot, window, expected)
        assert_showing(window, expected)
        assert window.pane.bar.slider.value() == expected


def test_arrow_keys_step_frames_while_the_clip_list_has_focus(qtbot, make_window, project_dir):
    window = open_clip(qtbot, make_window, project_dir)
    window.clip_list.setFocus()
    QTest.keyClick(window.clip_list, Qt.Key.Key_Right)
    wait_for_frame(qtbot, window, 1)
    assert shown_number(window) == 1
    QTest.keyClick(window.clip_list, Qt.Key.Key_Space)
    assert window.pane.player.is_playing()
    QTest.keyClick(window.clip_list, Qt.Key.Key_Space)
    assert not window.pane.player.is_playing()


def test_scrubbing_ends_on_the_last_request_and_drops_stale_ones(qtbot, make_window, project_dir):
    window = open_clip(qtbot, make_window, project_dir,
                       open_source=lambda path, proxy, cache: SlowSource(path, proxy, cache, delay_s=0.02))
    loader = window.pane.loader
    requests_before, decodes_before = loader.request_count, loader.decode_count
    targets = [3, 17, 40, 8, 55, 31, 12, 47, 29, 5, 36, 51, 22, 44, 9, 33]
    for value in targets:
        window.pane.bar.slider.setValue(value)  # what dragging the handle does
        QTest.qWait(2)
    wait_for_frame(qtbot, window, targets[-1])
    QTest.qWait(100)  # nothing stale arrives after the final frame
    assert window.pane.shown_index == targets[-1]
    assert shown_number(window) == targets[-1]
    assert window.pane.bar.frame_label.text() == frame_text(targets[-1], FRAMES)
    requests = loader.request_count - requests_before
    decodes = loader.decode_count - decodes_before
    assert requests == len(targets)
    assert decodes < requests


def test_play_at_double_speed_then_pause(qtbot, make_window, project_dir):
    window = open_clip(qtbot, make_window, project_dir)
    player = window.pane.player
    assert player.timer.interval() == 40  # 1000 / (25 fps * 1x)
    combo = window.pane.bar.speed_combo
    combo.setCurrentIndex(combo.findData(2.0))
    assert player.speed == 2.0
    assert player.timer.interval() == 20
    combo.setCurrentIndex(combo.findData(0.25))
    assert player.timer.interval() == 160
    combo.setCurrentIndex(combo.findData(2.0))

    QTest.keyClick(window.pane.view, Qt.Key.Key_Space)
    assert player.is_playing()
    QTest.qWait(400)  # about 20 frames at 50 frames per second
    QTest.keyClick(window.pane.view, Qt.Key.Key_Space)
    assert not player.is_playing()
    stopped_at = player.position
    assert 5 <= stopped_at < LAST
    wait_for_frame(qtbot, window, stopped_at)
    assert shown_number(window) == stopped_at
    QTest.qWait(100)
    assert player.position == stopped_at  # paused means paused


def test_playback_stops_on_the_last_frame(qtbot, make_window, project_dir):
    window = open_clip(qtbot, make_window, project_dir)
    player = window.pane.player
    player.seek(LAST - 5)
    player.set_speed(2.0)
    player.play()
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=3000)
    assert player.position == LAST
    wait_for_frame(qtbot, window, LAST)
    assert shown_number(window) == LAST


def test_speed_shortcuts_walk_the_speed_list(qtbot, make_window, project_dir):
    window = open_clip(qtbot, make_window, project_dir)
    QTest.keyClick(window.pane.view, Qt.Key.Key_BracketRight)
    assert window.pane.player.speed == 2.0
    assert window.pane.bar.speed_combo.currentData() == 2.0
    for _ in range(5):
        QTest.keyClick(window.pane.view, Qt.Key.Key_BracketLeft)
    assert window.pane.player.speed == 0.1
