"""Pose ▸ Train Pose Model…: a real project with corrected frames of a real decoded video, the
real bundled network fine-tuned in the dialog's worker thread, progress, result and Cancel."""

from __future__ import annotations

from app.pose_model import MIN_CORRECTED_FRAMES, latest_pose_model
from app.project import Project
from app.ui.pose_training_dialog import PoseTrainingDialog
from tests.helpers.corrected_project import correct, new_project

RUN_MS = 180_000


def _dialog(qtbot, root):
    project = Project.open(root)
    dialog = PoseTrainingDialog(project)
    qtbot.addWidget(dialog)
    return project, dialog


def test_too_few_corrections_are_counted_and_training_cannot_start(qtbot, tmp_path):
    root = new_project(tmp_path)
    correct(root, range(0, 7))
    project, dialog = _dialog(qtbot, root)
    assert dialog.summary.text().startswith(f"7 corrected frames; fine-tuning needs at least {MIN_CORRECTED_FRAMES}")
    assert not dialog.start_button.isEnabled()
    project.close()


def test_training_shows_each_epoch_and_the_result_beside_the_bundled_model(qtbot, tmp_path):
    root = new_project(tmp_path)
    correct(root, range(0, 60, 2))
    project, dialog = _dialog(qtbot, root)
    assert "30 corrected frames: 23 to train on, 5 held out" in dialog.summary.text()
    dialog.epochs.setValue(1)
    dialog.device.setCurrentText("cpu")
    assert dialog.start()
    assert not dialog.start(), "one run at a time"
    assert dialog.cancel_button.isEnabled() and not dialog.epochs.isEnabled()
    qtbot.waitUntil(lambda: dialog.outcome is not None or not dialog.is_running(), timeout=RUN_MS)
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=10_000)
    assert dialog.outcome is not None, dialog.status.text()
    assert "Epoch 1 of at most 1: held-out PCKh@0.5" in dialog.log.toPlainText()
    assert "mean joint error" in dialog.log.toPlainText() and "head lengths from the corrections" in dialog.status.text()
    assert dialog.status.text().startswith("Trained: PCKh@0.5") and "for the bundled model" in dialog.status.text()
    assert latest_pose_model(project) == dialog.outcome.record.path
    project.close()


def test_cancel_keeps_the_project_models_as_they_were(qtbot, tmp_path):
    root = new_project(tmp_path)
    correct(root, range(0, 60, 2))
    project, dialog = _dialog(qtbot, root)
    dialog.epochs.setValue(50)
    dialog.device.setCurrentText("cpu")
    assert dialog.start()
    dialog.cancel()
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=RUN_MS)
    assert "cancelled" in dialog.status.text() and "as they were" in dialog.status.text()
    assert dialog.outcome is None and latest_pose_model(project) is None
    project.close()
