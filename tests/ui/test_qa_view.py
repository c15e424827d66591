"""The label-check panel: rows grouped by kind from a real project, filter, refresh off the UI thread, signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.project import Project
from app.store.models import Clip
from app.ui.qa_view import QaView
from tests.app.factories import add_clip_row
from tests.app.test_label_qa import add_labels, add_stages, pose, write_layer


@pytest.fixture
def project(tmp_path: Path):
    with Project.create(tmp_path / "qa") as p:
        wrong = add_clip_row(p.store, name="wrong-total", frame_count=40)
        add_labels(p, wrong, [8.0, 8.5, 9.0], 3.0, 72.0)
        stages = add_clip_row(p.store, name="stages", frame_count=40)
        add_stages(p, stages, [5, 30, 12])
        posed = add_clip_row(p.store, name="posed", frame_count=40)
        frames = [pose(0.3 * f) for f in range(40)]
        for f in (17, 18):
            frames[f][10, 0] = -80.0
        write_layer(p, posed, range(40), frames)
        with p.store.transaction() as tx:
            tx.session.get(Clip, wrong).dive_number = "409Q"
        yield p


def test_refresh_shows_grouped_rows_and_double_click_emits(qtbot, project):
    view = QaView(project)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.checked, timeout=10_000) as blocker:
        view.refresh()
    assert blocker.args[0] == len(view.problems) >= 4
    assert not view.busy.isVisible()
    groups = [view.tree.topLevelItem(i).text(0) for i in range(view.tree.topLevelItemCount())]
    assert groups[:3] == ["judging-rule (1)", "dive-number (1)", "stages-order (1)"]
    assert any(g.startswith("joint-outside-frame (1)") for g in groups)
    assert view.problem_rows() == len(view.problems)

    outside = next(view.tree.topLevelItem(i) for i in range(view.tree.topLevelItemCount())
                   if view.tree.topLevelItem(i).text(0).startswith("joint-outside")).child(0)
    assert outside.text(1) == "17–18" and "r_wrist" in outside.text(3)
    with qtbot.waitSignal(view.clipFrameRequested) as blocker:
        view.tree.itemDoubleClicked.emit(outside, 0)
    assert blocker.args == [3, 17]
    judging = view.tree.topLevelItem(0).child(0)
    with qtbot.waitSignal(view.clipFrameRequested) as blocker:
        view.tree.itemDoubleClicked.emit(judging, 0)
    assert blocker.args == [1, 0]


def test_kind_filter(qtbot, project):
    view = QaView(project)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.checked, timeout=10_000):
        view.refresh()
    index = view.kind_filter.findData("dive-number")
    assert view.kind_filter.itemText(index) == "dive-number (1)"
    view.kind_filter.setCurrentIndex(index)
    assert view.tree.topLevelItemCount() == 1 and view.problem_rows() == 1
    view.kind_filter.setCurrentIndex(0)
    assert view.problem_rows() == len(view.problems)


def test_a_newer_refresh_supersedes_and_clean_project_says_so(qtbot, tmp_path):
    with Project.create(tmp_path / "clean") as p:
        view = QaView(p)
        qtbot.addWidget(view)
        view.refresh()
        with qtbot.waitSignal(view.checked, timeout=10_000) as blocker:
            view.refresh()
        assert blocker.args == [0] and view.summary.text() == "No problems found."
        view.shutdown()
        qtbot.waitUntil(lambda: not view.is_running(), timeout=5_000)
        assert np.isscalar(view.problem_rows())


def test_main_window_opens_the_clip_and_frame_of_a_listed_problem(qtbot, tmp_path):
    from app.ui.dialogs import RecordingReporter
    from app.ui.main_window import MainWindow
    from app.ui.settings import AppSettings
    from tests.helpers.videos import write_numbered_video

    project = Project.create(tmp_path / "p")
    project.add_video(write_numbered_video(tmp_path / "a.mp4", frames=30))
    clip = project.add_video(write_numbered_video(tmp_path / "b.mp4", frames=30, fps=30))
    project.close()
    window = MainWindow(AppSettings(tmp_path / "settings.ini"), RecordingReporter())
    qtbot.addWidget(window)
    window.open_project(tmp_path / "p")
    assert window.docks["Label checks"].widget() is window.qa_view
    window.qa_view.clipFrameRequested.emit(clip.id, 17)
    qtbot.waitUntil(lambda: window.pane.clip is not None and window.pane.clip.id == clip.id
                    and window.pane.player.position == 17)
    window.close_project()
    window.close()
