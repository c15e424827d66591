"""The coach's review in the window: radar chart, feedback markers that loop their moment,
the stages the analysis found, and "Compare with…" on a real project with a real video."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.datasets import project_io
from app.project import Project
from app.ui.radar_chart import RadarChart, polygon
from inference.assess.synthetic import synthetic_dive
from tests.helpers.assess_project import as_sequence
from tests.helpers.videos import write_numbered_video


@pytest.fixture
def dive_project(tmp_path):
    """A poor 105B with its video (clip 1) and a clean one without video (clip 2), no scores,
    no expert stages: only the coach can say which is the model dive."""
    poor, clean = synthetic_dive(3, 0.15, "105B"), synthetic_dive(4, 0.95, "105B")
    video = write_numbered_video(tmp_path / "poor.mp4", frames=poor.sample.num_frames, fps=30, gop=10)
    folder = tmp_path / "project"
    with Project.create(folder) as project:
        project.add_video(video, name=poor.sample.key)
        project_io.import_sequences(project, [as_sequence(d.sample, with_score=False, with_stages=False)
                                              for d in (poor, clean)], fps=30.0)
    return folder


def test_polygon_starts_up_and_goes_clockwise_with_unmeasured_at_the_centre():
    points = polygon([1.0, 0.5, None, 0.5, 1.0])
    assert points.shape == (6, 2) and np.allclose(points[0], points[-1])
    assert np.allclose(points[0], [0, 1])
    assert points[1, 0] > 0 and np.isclose(np.hypot(*points[1]), 0.5)  # clockwise: to the right
    assert np.allclose(points[2], [0, 0])


def test_radar_chart_draws_the_athlete_inside_the_exemplar(qtbot):
    chart = RadarChart()
    qtbot.addWidget(chart)
    chart.set_dimensions(["a", "b b", "c"], [0.2, 0.9, float("nan")], [0.85] * 3, "exemplar X")
    assert np.allclose(np.hypot(*chart.athlete_points()[:3].T), [0.2, 0.9, 0.0])
    assert np.allclose(np.hypot(*chart.exemplar_points().T), 0.85)
    assert chart.axis_labels() == ["a\n0.20", "b\nb\n0.90", "c\nnot measured"]
    chart.clear_chart("nothing")
    assert len(chart.athlete_points()) == 0


def test_review_compare_radar_markers_loop_and_found_stages(qtbot, make_window, dive_project):
    window = make_window()
    assert window.open_project(dive_project)
    window.select_clip(1)
    view = window.assessment_view
    assert [(c, checked) for _, c, checked in view.compare_button.choices()] == [(None, True), (2, False)]
    with qtbot.waitSignal(view.analyzed, timeout=60_000):
        assert view.compare_with(2)  # through the undo stack, then analysed again
    qtbot.waitUntil(lambda: not view.is_running())
    assert window.project.clip(1).exemplar_clip_id == 2
    assert "Compared with" in view.score_label.text() and "chosen by the coach" in view.score_label.text()
    assert "No score: no trained score model" in view.score_label.text()

    from app.assessment.stored import latest_assessment
    stored = latest_assessment(window.project, 1)
    values = [d["value"] for d in stored["dimensions"]["items"]]
    assert np.allclose(view.radar.athlete_points(), polygon(values))
    assert np.allclose(np.hypot(*view.radar.exemplar_points().T), 0.85)

    # The stages the analysis found from the body's motion fill the predicted band.
    assert window.stage_timeline.model() == stored["stages"]["transitions"]
    assert window.stage_timeline.expert() is None

    markers = window.stage_timeline.markers()
    feedback = stored["feedback"]
    assert [(m.start, m.end) for m in markers] == [(f["start_frame"], f["end_frame"]) for f in feedback]
    longest = max(range(len(markers)), key=lambda i: markers[i].end - markers[i].start)
    first, last = markers[longest].start, markers[longest].end
    assert last - first >= 5
    seen: list[int] = []
    window.pane.player.positionChanged.connect(seen.append)
    centre = window.stage_timeline.marker_rect(longest).center().toPoint()
    assert window.stage_timeline.marker_at(centre.x(), centre.y()) is not None
    qtbot.mouseClick(window.stage_timeline, Qt.MouseButton.LeftButton, pos=centre)
    clicked = window.stage_timeline.marker_at(centre.x(), centre.y())
    first, last = markers[clicked].start, markers[clicked].end
    assert window.pane.player.loop == (first, last) and window.pane.player.is_playing()
    assert view.tree.currentItem().text(2).startswith(str(first))
    # It plays the range and starts it again instead of running on.
    qtbot.waitUntil(lambda: any(b < a for a, b in zip(seen, seen[1:])), timeout=10_000)
    assert all(first <= frame <= last for frame in seen)
    window.pane.player.seek(0 if first > 0 else last + 1)  # elsewhere: the loop ends
    assert window.pane.player.loop is None
    window.pane.player.pause()

    window.undo_stack.undo()  # the exemplar goes back to Plumb's choice
    assert window.project.clip(1).exemplar_clip_id is None


def test_report_button_writes_the_report_in_the_background(qtbot, make_window, dive_project, tmp_path):
    window = make_window()
    assert window.open_project(dive_project)
    window.select_clip(1)
    view = window.assessment_view
    out = tmp_path / "out" / "dive.html"
    with qtbot.waitSignal(view.reportWritten, timeout=60_000) as written:
        assert view.export_report(str(out))
    assert written.args == [str(out)] and "Report written" in view.train_label.text()
    page = out.read_text()
    assert "id='feedback'" in page and "knees apart" in page
    view.shutdown()


def test_a_short_radar_hides_its_legend_to_keep_the_axis_labels_readable(qtbot):
    chart = RadarChart()
    qtbot.addWidget(chart)
    chart.set_dimensions(["a", "b", "c"], [0.2, 0.9, 0.5], [0.85] * 3)
    chart.resize(340, 300)
    chart.show()
    qtbot.waitUntil(lambda: chart._legend.isVisible())
    chart.resize(340, 160)
    qtbot.waitUntil(lambda: not chart._legend.isVisible())
