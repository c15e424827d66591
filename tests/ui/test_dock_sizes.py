"""A fresh window gives the Assessment dock room for its radar chart, with a project open."""

from __future__ import annotations

from app.ui.main_window import DEFAULT_SIZE
from tests.ui.test_side_by_side import two_videos  # noqa: F401  (fixture)


def test_a_fresh_window_opens_the_assessment_tall_enough_for_the_radar(qtbot, make_window, two_videos):  # noqa: F811
    folder, _, _ = two_videos
    window = make_window()
    assert window.open_project(folder)
    window.select_clip(1)
    qtbot.wait(50)
    # The label form scrolls rather than stretching the window past its default height.
    assert window.height() <= DEFAULT_SIZE[1] + 10, window.size()
    assessment = window.docks["Assessment"]
    assert assessment.height() >= 0.3 * window.height(), (assessment.height(), window.height())
    radar = window.assessment_view.radar
    assert radar.height() >= 160 and radar.width() >= 250, radar.size()  # squeezed to under 100 before
    assert window.docks["History"].width() >= 0.3 * window.width()
    labels = window.docks["Labels"]
    assert labels.height() > window.docks["History"].height()  # the form gets the room, the log less
