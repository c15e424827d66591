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


def test_self_similarity_matrix_shows_repetition_and_follows_the_playhead(qtbot, make_window, dive_project):  # noqa: F811
    window = make_window()
    assert window.open_project(dive_project)
    window.select_clip(1)
    plots = window.angle_plots
    assert plots.similarity is None  # computed when first shown, not with every pose change
    plots.view_box.setCurrentText("Self-similarity")
    assert plots.visible_curves() == [] and plots.matrix.isVisible()
    shown = plots.similarity
    clip = window.project.clip(1)
    n = len(shown.frames)
    assert shown.shades.shape == (n, n) and n >= 2 and shown.frames[-1] < clip.frame_count
    assert np.allclose(np.diag(shown.shades), 1.0) and np.allclose(shown.shades, shown.shades.T, atol=0.05)
    assert shown.shades.min() == 0.0  # the most different frames are dark
    assert plots.matrix.image is not None and plots.matrix.image.shape == (n, n)
    window.pane.player.seek(25)
    wait_for_frame(qtbot, window, 25)
    assert plots.cursor_frame() == 25 and plots.row_cursor.isVisible() and plots.row_cursor.value() == 25
    plots.view_box.setCurrentText("Joint angles")
    assert not plots.matrix.isVisible() and not plots.row_cursor.isVisible()


def test_self_similarity_finds_a_repeated_movement():
    from app.ui.self_similarity import similarity_image
    from tests.helpers.corrected_project import stick_figure

    # Arms raised and lowered twice: frame f and frame f + 20 are the same pose and motion.
    keypoints = np.stack([stick_figure(0) for _ in range(40)])
    for f in range(40):
        lift = 40 * np.sin(2 * np.pi * f / 20)
        keypoints[f, [10, 11, 14, 15], 1] -= lift
    keypoints[:3] = np.nan  # no pose yet: the matrix starts at the first pose
    shown = similarity_image(keypoints, "mpii16", fps=25.0)
    assert shown.frames[0] == 3 and shown.frames[-1] == 39
    row = shown.shades[shown.frames.tolist().index(5)]
    at = {int(f): float(v) for f, v in zip(shown.frames, row)}
    assert at[25] > 0.9 and at[15] < 0.5  # a period later alike, half a period later not
    assert similarity_image(np.full((10, 16, 3), np.nan, np.float32), "mpii16") is None
