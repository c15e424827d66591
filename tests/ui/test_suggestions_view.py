"""The "Correct next" dock: the current clip's suggestions, double-click goes to the frame."""

from __future__ import annotations

import numpy as np
import pytest

from app.cli import main
from app.project import Project
from app.store.models import WORKING_LAYER
from app.store.pose_rows import upsert
from inference.provenance import JointSource
from tests.app.test_frame_suggestions import J, walking
from tests.helpers.videos import write_numbered_video


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "p"
    assert main(["new", str(root)]) == 0
    assert main(["add", str(root), str(write_numbered_video(tmp_path / "clip.mp4", frames=40))]) == 0
    return root


def test_the_window_lists_suggestions_and_goes_to_the_frame(project, qtbot, tmp_path) -> None:
    from app.ui.main_window import MainWindow
    from app.ui.settings import AppSettings
    from tests.ui.conftest import RecordingReporter

    kp = walking(40)
    kp[23, :, 2] = 0.05
    with Project.open(project) as p, p.store.transaction() as tx:
        rows: dict = {}
        for f in range(40):
            upsert(tx.session, rows, clip_id=1, layer=WORKING_LAYER, frame=f, schema="mpii16", keypoints=kp[f],
                   visibility=np.full(J, 2, np.uint8), source=np.full(J, JointSource.MODEL, np.uint8), bbox=None)
    window = MainWindow(AppSettings(tmp_path / "settings.ini"), RecordingReporter())
    qtbot.addWidget(window)
    window.open_project(project)
    assert window.select_clip(1)
    view = window.suggestions_view
    view.refresh()
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() > 0, timeout=10_000)
    top = view.tree.topLevelItem(0)
    assert top.text(0) == "23" and "unsure joint" in top.text(3)
    view.tree.itemDoubleClicked.emit(top, 0)
    qtbot.waitUntil(lambda: window.pane.player.position == 23, timeout=10_000)
    window.close_project()
    window.close()
