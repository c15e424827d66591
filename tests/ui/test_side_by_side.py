"""The clip beside its exemplar: both videos decoded, aligned at every stage transition."""

from __future__ import annotations

import numpy as np
import pytest

from app.datasets import project_io
from app.exemplars import mark_exemplar
from app.project import Project
from app.ui.side_by_side import normalised_onto
from inference.assess.synthetic import synthetic_dive
from tests.helpers.assess_project import as_sequence
from tests.helpers.dive_video import write_dive_video


@pytest.fixture
def two_videos(tmp_path):
    poor, clean = synthetic_dive(3, 0.15, "105B").sample, synthetic_dive(4, 0.95, "105B").sample
    folder = tmp_path / "project"
    with Project.create(folder) as project:
        for sample in (poor, clean):
            project.add_video(write_dive_video(tmp_path / f"{sample.key}.mp4", sample.keypoints), name=sample.key)
        project_io.import_sequences(project, [as_sequence(s, with_score=False) for s in (poor, clean)], fps=30.0)
        project.history.apply(mark_exemplar(1, 2))
    return folder, poor.transitions, clean.transitions


def test_side_by_side_meets_at_every_stage_transition(qtbot, make_window, two_videos):
    folder, mine, theirs = two_videos
    window = make_window()
    assert window.open_project(folder)
    window.select_clip(1)
    view = window.assessment_view.open_side_by_side()
    assert view is not None and "stage by stage" in view.note.text()
    for frame, expected in zip((0, *mine), (0, *theirs)):
        with qtbot.waitSignal(view.framesShown, timeout=10_000) as shown:
            view.player.seek(frame)
        assert shown.args == [frame, expected]
        assert view.panes[0].pixmap() is not None and not view.panes[1].pixmap().isNull()
    view.overlay.setChecked(True)  # the exemplar's skeleton drawn on the athlete's frame, in its colour
    image = view.panes[0].pixmap().toImage()
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)}
    assert "#4a90d9" in colours
    window.assessment_view.close_side_by_side()


def test_normalised_overlay_puts_the_exemplar_at_the_athletes_hips_and_size():
    athlete, exemplar = synthetic_dive(3, 0.15, "105B").sample, synthetic_dive(4, 0.95, "105B").sample
    mine, theirs = athlete.keypoints[0].copy(), exemplar.keypoints[0].copy()
    theirs[:, :2] = theirs[:, :2] * 2 + 100  # a closer camera, elsewhere in the frame
    moved = normalised_onto(theirs, mine, "mpii16")
    hips = lambda p: p[[2, 3], :2].mean(0)  # noqa: E731  (mpii16 r_hip, l_hip)
    torso = lambda p: np.linalg.norm(p[[12, 13], :2].mean(0) - hips(p))  # noqa: E731
    assert np.allclose(hips(moved), hips(mine), atol=1e-3) and np.isclose(torso(moved), torso(mine), rtol=1e-4)


def test_no_exemplar_or_no_video_is_said_in_the_panel(qtbot, make_window, tmp_path):
    sample = synthetic_dive(3, 0.15, "105B").sample
    folder = tmp_path / "p"
    with Project.create(folder) as project:
        project_io.import_sequences(project, [as_sequence(sample, with_score=False)], fps=30.0)
    window = make_window()
    assert window.open_project(folder)
    window.assessment_view.set_clip(1)
    assert window.assessment_view.open_side_by_side() is None
    assert "Compare with" in window.assessment_view.train_label.text()
