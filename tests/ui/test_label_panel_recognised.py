"""The label panel shows the recognised dive beside the typed one, flags a confident
disagreement, and types the recognised number in one undoable edit (real project, real
analysis of generated dives)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.assessment.analysis import analyze
from app.datasets import project_io
from app.edits import set_clip_fields
from app.project import Project
from app.store import queries
from app.ui.label_panel import LabelPanel
from inference.action.synthetic_dives import generate_dive
from tests.helpers.assess_project import as_sequence


@pytest.fixture
def project(tmp_path):
    dives = [generate_dive("5231D", seed=1), generate_dive("403C", seed=2, lost_frames=0.7)]
    project = Project.create(tmp_path / "p")
    samples = [replace(d.sample, key=f"dive{i}", action=None, split=None) for i, d in enumerate(dives)]
    project_io.import_sequences(project, [as_sequence(s, with_score=False) for s in samples], fps=30.0)
    project.set_setting("annotator", "alice")
    yield project
    project.close()


def _panel(qtbot, project, clip_id):
    panel = LabelPanel(project, project.history.apply)
    qtbot.addWidget(panel)
    panel.resize(360, 760)
    panel.show()
    panel.set_clip(clip_id)
    return panel


def test_recognised_dive_is_shown_checked_and_typed_in_one_edit(qtbot, project):
    panel = _panel(qtbot, project, 1)
    assert "Analyze" in panel.recognised.text() and not panel.use_recognised.isVisible()
    analyze(project, 1)  # announces the new assessment: the panel reloads
    qtbot.waitUntil(lambda: "5231D" in panel.recognised.text())
    assert "nothing typed yet" in panel.recognised.text()
    assert panel.use_recognised.isVisible() and panel.use_recognised.text() == "Use 5231D"

    project.history.apply(set_clip_fields(1, dive_number="5233D"))
    qtbot.waitUntil(lambda: "⚠" in panel.recognised.text())
    assert "half twists: 1 read" in panel.recognised.text()

    before = len(_edits(project))
    panel.use_recognised.click()
    assert project.clip(1).dive_number == "5231D"
    assert len(_edits(project)) == before + 1
    qtbot.waitUntil(lambda: "✓ agrees" in panel.recognised.text())
    assert not panel.use_recognised.isVisible()
    project.history.undo()
    assert project.clip(1).dive_number == "5233D"


def test_an_unsure_reading_offers_nothing_to_type(qtbot, project):
    analyze(project, 2)
    panel = _panel(qtbot, project, 2)
    assert panel.recognised.text().startswith("unsure")
    assert not panel.use_recognised.isVisible()


def _edits(project):
    with project.store.reading() as session:
        return queries.history(session)
