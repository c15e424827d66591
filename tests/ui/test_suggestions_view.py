"""The "Correct next" dock: Refresh lists the current clip's suggestions off the UI thread, a
ranking of a clip left behind is dropped, and double-clicking a row shows that frame."""

from __future__ import annotations

import numpy as np
import pytest

from app.project import Project
from app.store.models import WORKING_LAYER
from app.store.pose_rows import upsert
from app.ui.suggestions_view import SuggestionsView
from inference.provenance import JointSource
from tests.app.test_pose_suggestions import walking_track
from tests.ui.conftest import FRAMES, shown_number, wait_for_frame

UNSURE, STRETCHED = 23, 41


@pytest.fixture
def posed_project(project_dir):
    """The window tests' project (clip 1, a numbered video) with a walk on it: one frame with an
    unsure knee, one with the right forearm pulled to twice its length."""
    kp = walking_track(FRAMES).keypoints
    kp[UNSURE, 4, 2] = 0.1
    kp[STRETCHED, 10, :2] = kp[STRETCHED, 11, :2] + 2 * (kp[STRETCHED, 10, :2] - kp[STRETCHED, 11, :2])
    with Project.open(project_dir) as project, project.store.transaction() as tx:
        rows: dict = {}
        for f in range(FRAMES):
            upsert(tx.session, rows, clip_id=1, layer=WORKING_LAYER, frame=f, schema="mpii16", keypoints=kp[f],
                   visibility=np.full(16, 2, np.uint8), source=np.full(16, JointSource.MODEL, np.uint8), bbox=None)
    return project_dir


def rows(view: SuggestionsView) -> list[list[str]]:
    return [[view.tree.topLevelItem(i).text(c) for c in range(4)] for i in range(view.tree.topLevelItemCount())]


def test_refresh_lists_suggestions_and_double_click_asks_for_the_frame(posed_project, qtbot) -> None:
    view = SuggestionsView()
    qtbot.addWidget(view)
    with Project.open(posed_project) as project:
        view.set_clip(project, 1)
        view.refresh()
        qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 2, timeout=10_000)
        view.shutdown()
    (stretched, score, stage, why), unsure = rows(view)
    assert stretched == str(STRETCHED) and float(score) > 0.9 and stage == ""
    assert why.startswith("right forearm 2.0× its usual length; right wrist ")
    assert unsure == [str(UNSURE), "0.33", "", "left knee confidence 0.10"]
    assert view.summary.text() == "2 frame(s) to look at"
    with qtbot.waitSignal(view.clipFrameRequested) as asked:
        view.tree.itemDoubleClicked.emit(view.tree.topLevelItem(1), 0)
    assert asked.args == [1, UNSURE]


def test_a_ranking_of_the_clip_left_behind_is_dropped(posed_project, qtbot) -> None:
    view = SuggestionsView()
    qtbot.addWidget(view)
    with Project.open(posed_project) as project:
        view.set_clip(project, 1)
        view.refresh()
        view.set_clip(project, None)  # before the ranking can report: its result is stale
        view.shutdown()
        qtbot.wait(50)  # let the queued result arrive, and be dropped
    assert rows(view) == [] and view.summary.text() == "Open a clip."


def test_double_click_in_the_window_shows_the_frame(posed_project, make_window, qtbot) -> None:
    window = make_window()
    window.open_project(posed_project)
    assert window.select_clip(1)
    view = window.suggestions_view
    view.refresh()
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 2, timeout=10_000)
    view.tree.itemDoubleClicked.emit(view.tree.topLevelItem(1), 0)
    wait_for_frame(qtbot, window, UNSURE)
    assert window.pane.player.position == UNSURE and shown_number(window) == UNSURE


def test_the_shown_dock_ranks_on_opening_and_again_after_a_correction(posed_project, make_window, qtbot) -> None:
    window = make_window()
    window.open_project(posed_project)
    assert window.select_clip(1)
    view = window.suggestions_view
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 2, timeout=10_000)  # no Refresh pressed
    assert rows(view)[0][0] == str(STRETCHED)
    window.show_clip_frame(1, STRETCHED)
    wait_for_frame(qtbot, window, STRETCHED)
    kp = walking_track(FRAMES).keypoints
    assert window.editor.move_joint(10, float(kp[STRETCHED, 10, 0]), float(kp[STRETCHED, 10, 1]))
    qtbot.waitUntil(lambda: [r[0] for r in rows(view)] == [str(UNSURE)], timeout=10_000)
