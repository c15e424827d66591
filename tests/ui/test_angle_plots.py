"""Angle plots under the video: curves from the clip's poses, cursor on the playhead, click to seek."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt

from tests.ui.test_review_view import dive_project  # noqa: F401  (fixture)
from tests.ui.conftest import wait_for_frame


def test_plots_follow_the_playhead_and_a_click_seeks(qtbot, make_window, dive_project):  # noqa: F811
    window = make_window()
    assert window.open_project(dive_project)
    window.select_clip(1)
    plots = window.angle_plots
    frames, knees = plots.curve("knees")
    clip = window.project.clip(1)
    assert 0 < len(frames) <= clip.frame_count and frames.max() < clip.frame_count and np.nanmax(knees) > 150
    window.pane.player.seek(30)
    wait_for_frame(qtbot, window, 30)
    assert plots.cursor_frame() == 30
    # A click two thirds of the way along the plot area asks for that frame.
    box = plots.getPlotItem().vb.sceneBoundingRect()
    x = int(box.left() + box.width() * 2 / 3)
    qtbot.mouseClick(plots.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, plots.height() // 2))
    expected = round((clip.frame_count - 1) * 2 / 3)
    assert abs(window.pane.player.position - expected) <= 2
    wait_for_frame(qtbot, window, window.pane.player.position)
    assert plots.cursor_frame() == window.pane.player.position


def test_the_plot_switches_to_height_speed_and_trunk_spin(qtbot, make_window, dive_project):  # noqa: F811
    window = make_window()
    assert window.open_project(dive_project)
    window.select_clip(1)
    plots = window.angle_plots
    assert plots.visible_curves() == ["knees", "hips", "elbows", "trunk to vertical"]
    plots.view_box.setCurrentText("Height and speed")
    assert plots.visible_curves() == ["height", "speed"]
    _, height = plots.curve("height")
    assert height[0] == 0 and np.nanmax(height) > 0.2 and np.nanmin(height) < -0.5  # up from the board, then down
    low, high = plots.getPlotItem().vb.viewRange()[1]
    assert low <= np.nanmin(height) and high >= np.nanmax(height)  # the whole curve is in view
    plots.view_box.setCurrentText("Trunk spin")
    assert plots.visible_curves() == ["trunk spin"]
    window.pane.player.seek(40)
    wait_for_frame(qtbot, window, 40)
    assert plots.cursor_frame() == 40


def test_poses_on_every_other_frame_still_draw_a_line(qtbot):
    from app.ui.angle_plots import AnglePlots
    from tests.helpers.corrected_project import stick_figure

    plots = AnglePlots()
    qtbot.addWidget(plots)
    keypoints = np.full((40, 16, 3), np.nan, np.float32)
    keypoints[::2] = [stick_figure(f) for f in range(0, 40, 2)]
    keypoints[30:] = np.nan  # a long lost stretch at the end
    plots.set_poses(keypoints, "mpii16", 40)
    frames, knees = plots.curve("knees")
    assert frames.tolist() == list(range(0, 30, 2)) and np.isfinite(knees).all()
    path = plots._curves["knees"].curve.getPath()
    assert path.elementCount() == len(frames)  # one move, then a line to every later point
