"""The assessment panel: Analyze off the UI thread, stored results shown, rows jump to frames."""

from __future__ import annotations

from app.ui.assessment_view import AssessmentView
from tests.helpers.assess_project import synthetic_project


def test_analyze_shows_dimensions_and_feedback_and_rows_seek(qtbot, tmp_path):
    project = synthetic_project(tmp_path / "p", 10, seed=2)
    view = AssessmentView()
    qtbot.addWidget(view)
    view.set_project(project)
    assert not view.analyze_button.isEnabled()
    clip = project.clips()[0]
    view.set_clip(clip.id)
    assert "Not analysed yet" in view.score_label.text() and view.analyze_button.isEnabled()
    with qtbot.waitSignal(view.analyzed, timeout=30_000) as blocker:
        view.analyze()
    assert blocker.args == [clip.id]
    qtbot.waitUntil(lambda: not view.is_running())  # the worker thread winds down after its result
    assert "no trained score model" in view.score_label.text()
    assert "Stages from expert" in view.score_label.text()
    groups = {view.tree.topLevelItem(i).text(0).split(" ")[0]: view.tree.topLevelItem(i)
              for i in range(view.tree.topLevelItemCount())}
    skill = groups["Skill"]
    rows = view.dimension_rows()
    assert list(rows)[0] == "temporal precision" and len(rows) == 5
    assert all(0 <= float(v.split()[0]) <= 1 for v in rows.values())
    row = skill.child(1)
    start = int(row.text(2).split("–")[0])
    with qtbot.waitSignal(view.frameRequested) as seek:
        view.tree.itemDoubleClicked.emit(row, 0)
    assert seek.args == [start]

    view.set_clip(project.clips()[1].id)
    assert "Not analysed yet" in view.score_label.text()
    view.set_clip(clip.id)  # the stored assessment comes back without re-running
    assert view.tree.topLevelItemCount() == len(groups)
    view.set_project(None)
    project.close()


def test_failed_analysis_is_reported_in_the_panel(qtbot, tmp_path):
    project = synthetic_project(tmp_path / "p", 3, seed=5)
    with project.store.transaction() as tx:
        from app.store.models import PoseFrame
        tx.session.query(PoseFrame).filter(PoseFrame.clip_id == 2).delete()
    view = AssessmentView()
    qtbot.addWidget(view)
    view.set_project(project)
    view.set_clip(2)
    view.analyze()
    qtbot.waitUntil(lambda: not view.is_running() and "stopped" in view.score_label.text(), timeout=30_000)
    assert "no poses" in view.score_label.text()
    view.shutdown()
    project.close()
