"""Training from the assessment panel: progress per epoch, a summary beside the priors, Cancel."""

from __future__ import annotations

from app.assessment.registry import latest_model
from app.ui.assessment_view import AssessmentView
from inference.assess.training import TrainConfig
from tests.helpers.assess_project import synthetic_project


def _panel(qtbot, project, epochs: int = 6, patience: int = 3) -> AssessmentView:
    view = AssessmentView(train_config=lambda: TrainConfig(epochs=epochs, patience=patience, device="cpu"))
    qtbot.addWidget(view)
    view.set_project(project)
    return view


def test_train_score_model_shows_progress_and_the_priors(qtbot, tmp_path):
    project = synthetic_project(tmp_path / "p", 24, seed=3)
    view = _panel(qtbot, project)
    with qtbot.waitSignal(view.trained, timeout=120_000) as blocker:
        assert view.train("score")
        assert not view.train("stages"), "one run at a time"
        assert not view.train_buttons["stages"].isEnabled()
    task, outcome = blocker.args
    assert task == "score" and outcome is not None and latest_model(project, "score").id == outcome.record.id
    assert "test SRCC" in view.train_label.text() and "priors" in view.train_label.text()
    qtbot.waitUntil(lambda: view.train_buttons["stages"].isEnabled())
    assert not view.train_progress.isVisible()
    view.shutdown()
    project.close()


def test_cancel_saves_nothing_and_too_few_clips_says_why(qtbot, tmp_path):
    project = synthetic_project(tmp_path / "p", 24, seed=4)
    view = _panel(qtbot, project, epochs=500, patience=500)
    view.train("score")
    qtbot.waitUntil(lambda: view.train_progress.value() >= 1, timeout=60_000)
    with qtbot.waitSignal(view.trained, timeout=60_000) as blocker:
        view.cancel_training()
    assert blocker.args[1] is None and "cancelled; nothing was saved" in view.train_label.text()
    assert latest_model(project, "score") is None
    view.shutdown()
    project.close()

    small = synthetic_project(tmp_path / "q", 5, seed=5)
    view.set_project(small)
    with qtbot.waitSignal(view.trained, timeout=60_000):
        view.train("score")
    assert "at least 12" in view.train_label.text()
    view.shutdown()
    small.close()


def test_train_action_model_from_the_panel(qtbot, tmp_path):
    from tests.helpers.action_poses import action_project

    project = action_project(tmp_path / "p", 6, athletes=3)
    view = _panel(qtbot, project)
    with qtbot.waitSignal(view.trained, timeout=120_000) as blocker:
        view.train_buttons["action"].trigger()
    task, outcome = blocker.args
    assert task == "action" and outcome is not None and latest_model(project, "action").id == outcome.record.id
    assert "Action model trained: test accuracy" in view.train_label.text()
    assert "commonest action" in view.train_label.text()
    view.shutdown()
    project.close()
