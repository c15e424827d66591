"""A coach's first minute on real videos: Open Video… and drag-and-drop without a project, and
Analyze on a clip without poses that auto-annotates first (NumberedPose, a deterministic fake
pose model, on a real decoded video)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from app.assessment.stored import latest_assessment
from app.auto_annotate import PoseOptions
from app.library_project import LIBRARY_DIR_ENV, has_poses
from app.ui.pose_worker import PoseWorker
from tests.helpers.videos import write_numbered_video
from tests.ui.test_pose_worker import SlowNumbered

OPTIONS = PoseOptions(backend="numbered", max_gap=4)


@pytest.fixture(autouse=True)
def library(tmp_path, monkeypatch):
    folder = tmp_path / "data" / "Library"
    monkeypatch.setenv(LIBRARY_DIR_ENV, str(folder))
    return folder


@pytest.fixture(autouse=True)
def no_leaked_pose_threads():
    yield
    QApplication.processEvents()
    assert PoseWorker.running() == [], "a pose thread outlived its window"


def drop(window, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    point = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(point.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    accepted = enter.isAccepted()
    event = QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    return accepted


def test_open_video_without_a_project_uses_the_library_and_drop_adds_more(qtbot, make_window, tmp_path, library,
                                                                          numbered_video):
    window = make_window()
    assert window.project is None
    clip_id = window.coach.open_videos([numbered_video])
    assert window.project is not None and window.project.root == library.resolve()
    assert (library / "project.sqlite").is_file() and window.windowTitle().startswith("Library")
    assert window.clip_list.current_clip_id() == clip_id and window.pane.clip.id == clip_id
    # The same video again shows its clip instead of refusing it.
    assert window.coach.open_videos([numbered_video]) == clip_id and len(window.project.clips()) == 1
    assert window.reporter.shown == []

    second = write_numbered_video(tmp_path / "videos" / "second.mp4", frames=20, gop=10)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a video")
    assert not drop(window, [notes])  # only videos are taken
    assert drop(window, [second])
    assert [c.name for c in window.project.clips()] == ["dive", "second"]
    assert window.pane.clip.name == "second"

    window.close_project()  # next time: the library opens again, the clips are still there
    window.coach.open_videos([second])
    assert window.project.root == library.resolve() and window.pane.clip.name == "second"


def test_analyze_without_poses_auto_annotates_first(qtbot, make_window, numbered_video):
    window = make_window(pose_options=OPTIONS, pose_backend=lambda: SlowNumbered(delay_s=0.0))
    clip_id = window.coach.open_videos([numbered_video])
    view = window.assessment_view
    assert not has_poses(window.project, clip_id)
    with qtbot.waitSignal(window.pose_runs.runFinished, timeout=20_000):
        view.analyze_button.click()
        assert window.pose_runs.is_running() and "auto-annotating first" in view.score_label.text()
    assert has_poses(window.project, clip_id)
    # Then the analysis runs on the poses just found.
    qtbot.waitUntil(lambda: not view.is_running() and "auto-annotating" not in view.score_label.text()
                    and "Analysing" not in view.score_label.text(), timeout=30_000)
    stored = latest_assessment(window.project, clip_id)
    assert stored is not None and view.score_label.text().startswith("No score: no trained score model")


def test_cancelled_auto_annotation_says_why_there_is_no_analysis(qtbot, make_window, numbered_video):
    backend = SlowNumbered(hold_at=5)
    window = make_window(pose_options=OPTIONS, pose_backend=lambda: backend)
    clip_id = window.coach.open_videos([numbered_video])
    view = window.assessment_view
    view.analyze()
    assert window.pose_runs.is_running()
    with qtbot.waitSignal(window.pose_runs.runFinished, timeout=20_000):
        window.pose_runs.cancel()
        backend.gate.set()
    assert "auto-annotation was cancelled" in view.score_label.text()
    assert latest_assessment(window.project, clip_id) is None


def test_a_video_that_will_not_open_is_reported_and_adds_nothing(qtbot, make_window, tmp_path, library):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    window = make_window()
    assert window.coach.open_videos([broken]) is None
    assert window.project is not None and window.project.clips() == []
    title, summary = window.reporter.shown[-1][:2]
    assert title == "Add Videos" and "could not be added" in summary
