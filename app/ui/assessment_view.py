"""Assessment panel: the latest stored assessment of the current clip, and Analyze.

Shows the score with its spread (or why there is none), the grade, where the stages came
from and which exemplar the clip was compared with, the five skill dimensions as a radar chart
(athlete over exemplar) and as rows with the frames that lowered each, and the feedback items.
Clicking a row emits ``rangeRequested(first, last)`` so the coach watches the moment that
needs work over and over; double-clicking emits ``frameRequested(first)``. The feedback items
are also given to the timeline as markers (``markersChanged``). "Compare with…" marks the
clip's exemplar through the undo stack and analyses again. Analyze runs
:func:`app.assessment.analysis.analyze` in a worker thread (the window stays live) and shows
the stored result; a newer request supersedes a running one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.action_labels import recognised_line
from app.assessment.stored import latest_assessment
from app.errors import PlumbError
from app.exemplars import CHOSEN
from app.ui.background_call import BackgroundCalls
from app.ui.exemplar_menu import ExemplarButton
from app.ui.radar_chart import RadarChart
from app.ui.stage_timeline import TimelineMarker
from app.ui.training_run import TrainingRun, outcome_summary

FRAME_ROLE = Qt.ItemDataRole.UserRole
LAST_FRAME_ROLE = Qt.ItemDataRole.UserRole + 1
FEEDBACK_ROLE = Qt.ItemDataRole.UserRole + 2  # index of the feedback item
# A clip exactly like its exemplar scores this on every dimension (inference.assess.dimensions).
EXEMPLAR_LEVEL = 0.85


def _analyze(project, clip_id: int):
    # Imported here: the models pull in torch, which the window need not load at start-up.
    from app.assessment.analysis import analyze

    return analyze(project, clip_id)


def _default_config():
    from inference.assess.training import TrainConfig  # torch, loaded only when training starts

    return TrainConfig()


def _value(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.2f}"


def _severity(value: float | None) -> str:
    return "" if value is None else ("high" if value >= 0.66 else "medium" if value >= 0.33 else "low")


class AssessmentView(QWidget):
    frameRequested = Signal(int)
    rangeRequested = Signal(int, int)  # first and last frame of a row's moment
    markersChanged = Signal(list)  # list[TimelineMarker]: the shown feedback items
    analyzed = Signal(int)  # clip id, after a finished analysis
    reportWritten = Signal(str)  # the report file, once written
    trained = Signal(str, object)  # task, TrainOutcome (or None when the run failed or was cancelled)

    def __init__(self, parent: QWidget | None = None, *,
                 train_config: Callable[[], Any] | None = None,
                 push_edit: Callable[[Any], Any] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assessmentView")
        self.project = None
        self.clip_id: int | None = None
        self.calls = BackgroundCalls(self)
        self.calls.done.connect(self._finished)
        self.calls.failed.connect(self._failed)
        self._train_config = train_config
        self.training: TrainingRun | None = None

        # One menu button: the panel shares the window's width with the video.
        self.train_button = QToolButton(self)
        self.train_button.setText("Train")
        self.train_button.setToolTip("Train a model on the project's labelled clips, in the background")
        self.train_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.train_button)
        menu.setToolTipsVisible(True)
        self.train_button.setMenu(menu)
        self.train_buttons = {task: menu.addAction(f"Train {task} model") for task in ("stages", "score", "action")}
        self.train_buttons["stages"].setToolTip("Bi-GRU stage segmenter on the clips with expert stages")
        self.train_buttons["score"].setToolTip("Score model on the scored clips, measured on the test split")
        self.train_buttons["action"].setToolTip("Action classifier on the clips with an action or dive number, "
                                                "measured on the test split against the commonest action")
        for task, action in self.train_buttons.items():
            action.triggered.connect(lambda _checked=False, t=task: self.train(t))
        self.train_progress = QProgressBar(self)
        self.train_progress.setMaximumWidth(160)
        self.train_progress.hide()
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel_training)
        self.cancel_button.hide()
        self.train_label = QLabel("", self)
        self.train_label.setObjectName("trainingStatus")
        self.train_label.hide()

        self.analyze_button = QPushButton("Analyze", self)
        self.analyze_button.setToolTip("Stages, score, skill dimensions and feedback of this clip")
        self.analyze_button.clicked.connect(self.analyze)
        self.report_button = QPushButton("Report…", self)
        self.report_button.setToolTip("Write a coach report of this clip (HTML or PDF): score, key frames, "
                                      "radar chart, feedback with pictures, joint angles")
        self.report_button.clicked.connect(lambda _checked=False: self.export_report())
        self.reports = BackgroundCalls(self)
        self.reports.done.connect(self._report_done)
        self.reports.failed.connect(self._report_failed)
        self.side_button = QPushButton("Side by side", self)
        self.side_button.setToolTip("This clip beside its exemplar, aligned stage by stage")
        self.side_button.clicked.connect(lambda _checked=False: self.open_side_by_side())
        self.side_by_side = None
        self.compare_button = ExemplarButton(self)
        self.compare_button.chosen.connect(self.compare_with)
        self._push_edit = push_edit
        # (project, clip id) -> True when it started something the analysis must wait for
        # (auto-annotation of a clip without poses); it calls analyze() again when done.
        self.poses_first: Callable[[Any, int], bool] | None = None
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(80)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.score_label = QLabel("No clip.", self)
        self.score_label.setObjectName("assessmentScore")
        self.score_label.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Item", "Value", "Frames", "Detail"])
        self.tree.setColumnWidth(0, 190)
        self.tree.setColumnWidth(1, 120)
        self.tree.setColumnWidth(2, 64)
        self.tree.itemDoubleClicked.connect(self._activated)
        self.tree.itemClicked.connect(self._clicked)
        self.radar = RadarChart(self)
        self._feedback: list[dict[str, Any]] = []

        bar = QHBoxLayout()
        bar.addWidget(self.analyze_button)
        bar.addWidget(self.compare_button)
        bar.addWidget(self.side_button)
        bar.addWidget(self.report_button)
        bar.addWidget(self.busy)
        bar.addStretch(1)
        bar.addWidget(self.train_button)
        bar.addWidget(self.train_progress)
        bar.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.train_label)
        layout.addWidget(self.score_label)
        body = QHBoxLayout()
        body.addWidget(self.tree, 1)
        body.addWidget(self.radar)
        layout.addLayout(body, 1)
        self._update_enabled()

    # --- state ---------------------------------------------------------------------------
    def set_project(self, project) -> None:
        self.close_side_by_side()
        self.project = project
        self.compare_button.set_project(project)
        self._say("")
        self.set_clip(None)

    def set_clip(self, clip_id: int | None) -> None:
        self.clip_id = clip_id
        self.compare_button.set_clip(clip_id)
        self.calls.supersede()  # a result for another clip is not shown here
        self.busy.hide()
        stored = latest_assessment(self.project, clip_id) if self.project and clip_id is not None else None
        self.show_assessment(stored)
        self._update_enabled()

    def _update_enabled(self) -> None:
        self.analyze_button.setEnabled(self.project is not None and self.clip_id is not None)
        self.compare_button.setEnabled(self.project is not None and self.clip_id is not None)
        self.report_button.setEnabled(self.project is not None and self.clip_id is not None)
        self.side_button.setEnabled(self.project is not None and self.clip_id is not None)
        training = self.training is not None and self.training.is_running()
        self.train_button.setEnabled(self.project is not None and not training)
        for action in self.train_buttons.values():
            action.setEnabled(self.project is not None and not training)

    # --- training ------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.train_label.setText(text)
        self.train_label.setVisible(bool(text))

    def train(self, task: str) -> bool:
        """Train a ``task`` model in the background; False while another run is going."""
        if self.project is None or (self.training is not None and self.training.is_running()):
            return False
        config = self._train_config() if self._train_config else _default_config()
        run = TrainingRun(self.project, task, config)
        run.progress.connect(self._train_progress, Qt.ConnectionType.QueuedConnection)
        # Bound methods, not lambdas: a queued call runs in its receiver's thread, and a lambda
        # would be called in the worker's thread, whose event loop has stopped by then.
        run.finished.connect(self._train_finished, Qt.ConnectionType.QueuedConnection)
        run.failed.connect(self._train_failed, Qt.ConnectionType.QueuedConnection)
        run.thread.finished.connect(self._update_enabled, Qt.ConnectionType.QueuedConnection)
        self.training = run
        self.train_progress.setRange(0, config.epochs)
        self.train_progress.setValue(0)
        self.train_progress.show()
        self.cancel_button.show()
        self._say(f"Training the {task} model…")
        run.start()
        self._update_enabled()
        return True

    def cancel_training(self) -> None:
        if self.training is not None:
            self.training.cancel()
            self._say("Cancelling after this epoch…")

    @Slot(int, int, float)
    def _train_progress(self, epoch: int, epochs: int, metric: float) -> None:
        self.train_progress.setValue(epoch)
        self._say(f"Epoch {epoch} of at most {epochs}: validation {metric:.3f}")

    @Slot(object)
    def _train_finished(self, outcome) -> None:
        task = self.training.task
        self._end_training(outcome_summary(task, outcome.metrics))
        self.trained.emit(task, outcome)

    @Slot(str)
    def _train_failed(self, message: str) -> None:
        self._end_training(message)
        self.trained.emit(self.training.task, None)

    def _end_training(self, text: str) -> None:
        self.train_progress.hide()
        self.cancel_button.hide()
        self._say(text)
        self._update_enabled()

    # --- analysis ------------------------------------------------------------------------
    def analyze(self) -> None:
        if self.project is None or self.clip_id is None:
            return
        project, clip_id = self.project, self.clip_id
        if self.poses_first is not None and self.poses_first(project, clip_id):
            return
        self.calls.start(lambda: _analyze(project, clip_id), name="analyze", failure="Analysis stopped")
        self.busy.show()
        self.score_label.setText("Analysing…")

    def compare_with(self, exemplar_id: int | None) -> bool:
        """Make ``exemplar_id`` the exemplar of the clip (None: Plumb's choice) and analyse again."""
        if self.project is None or self.clip_id is None or self._push_edit is None:
            return False
        from app.exemplars import mark_exemplar

        if not self._push_edit(mark_exemplar(self.clip_id, exemplar_id)):
            return False
        self.compare_button.set_clip(self.clip_id)
        self.analyze()
        return True

    def open_side_by_side(self):
        """Show the clip beside its exemplar (the coach's, else Plumb's); None, saying why, when
        there is no exemplar or a video is missing."""
        if self.project is None or self.clip_id is None:
            return None
        from app.exemplars import exemplar_of
        from app.ui.side_by_side import open_side_by_side

        self.close_side_by_side()
        try:
            choice = exemplar_of(self.project, self.clip_id)
            if choice is None:
                self._say("No exemplar to compare with: choose one with Compare with…")
                return None
            self.side_by_side = open_side_by_side(self.project, self.clip_id, choice.clip_id, self)
        except PlumbError as exc:
            self._say(str(exc))
            return None
        return self.side_by_side

    def close_side_by_side(self) -> None:
        if self.side_by_side is not None:
            self.side_by_side.close()
            self.side_by_side = None

    def export_report(self, path: str | None = None) -> bool:
        """Write the clip's coach report to ``path`` (asked for when None) in the background."""
        if self.project is None or self.clip_id is None:
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Coach Report", f"clip-{self.clip_id}.pdf",
                                                  "PDF (*.pdf);;Web page (*.html)")
            if not path:
                return False
        project, clip_id = self.project, self.clip_id

        def write() -> str:
            from app.reports.coach_report import write_report  # matplotlib: only when a report is made

            return str(write_report(project, clip_id, path))

        self.reports.start(write, name="report", failure="No report")
        self.report_button.setEnabled(False)
        self._say(f"Writing the report to {path}…")
        return True

    @Slot(object)
    def _report_done(self, path: str) -> None:
        self._say(f"Report written to {path}.")
        self._update_enabled()
        self.reportWritten.emit(path)

    @Slot(str)
    def _report_failed(self, reason: str) -> None:
        self._say(reason)
        self._update_enabled()

    def is_running(self) -> bool:
        return self.calls.is_running()

    def shutdown(self, ms: int = 60_000) -> None:
        """Cancel training and join running work (call before the project closes)."""
        if self.training is not None:
            self.training.cancel()
            self.training.wait(ms)
        self.calls.wait(ms)
        self.reports.wait(ms)

    @Slot(object)
    def _finished(self, result) -> None:
        self.busy.hide()
        self.show_assessment(latest_assessment(self.project, result.clip_id), note=result.score_note)
        self.analyzed.emit(result.clip_id)

    @Slot(str)
    def _failed(self, reason: str) -> None:
        self.busy.hide()
        self.score_label.setText(reason)

    # --- showing -------------------------------------------------------------------------
    def show_assessment(self, stored: dict[str, Any] | None, note: str | None = None) -> None:
        self.tree.clear()
        self._feedback = []
        self.radar.clear_chart()
        try:
            if self.clip_id is None:
                self.score_label.setText("No clip.")
            elif stored is None:
                self.score_label.setText("Not analysed yet: press Analyze.")
            else:
                self._show(stored, note)
        finally:
            self.markersChanged.emit([TimelineMarker(f["start_frame"], f["end_frame"], f"{f['text']} {f['fix']}",
                                                     float(f.get("severity") or 0.0)) for f in self._feedback])

    def _show(self, stored: dict[str, Any], note: str | None) -> None:
        notes = stored.get("notes") or {}
        if stored["score"] is None:
            why = notes.get("score") or "no trained score model yet (plumb train PROJECT --task score)"
            headline = f"No score: {why}."
        else:
            spread = f" ± {stored['spread']:.2f}" if stored.get("spread") is not None else ""
            headline = f"Score {stored['score']:.2f}{spread}  ·  {stored.get('grade') or ''}"
        stages = stored.get("stages") or {}
        if stages:
            headline += f"\nStages from {stages.get('source', '?')}: " + ", ".join(
                f"{name} {start}" for name, start in zip(stages["names"], [0, *stages["transitions"]]))
        recognised = recognised_line(stored.get("action"))
        if recognised:
            headline += f"\n{recognised}"
        exemplar = notes.get("exemplar")
        if exemplar:
            headline += f"\nCompared with {exemplar['name']} ({exemplar['how']})."
        if notes.get("dimensions") and not stored.get("dimensions"):
            headline += f"\nNo skill dimensions: {notes['dimensions']}."
        note = note or (notes.get("score") if stored["score"] is not None else None)
        if note and stored["score"] is not None:
            headline += f"\n{note}"
        self.score_label.setText(headline)
        dimensions = stored.get("dimensions")
        if dimensions:
            group = QTreeWidgetItem(self.tree, ["Skill", _value(dimensions["overall"]), "",
                                                "weighted sum of the five dimensions"])
            for d in dimensions["items"]:
                start, end = d["worst_frames"]
                item = QTreeWidgetItem(group, [d["name"], _value(d["value"]), f"{start}–{end}", d["evidence"]])
                item.setToolTip(3, d["evidence"])
                item.setData(0, FRAME_ROLE, start)
                item.setData(0, LAST_FRAME_ROLE, end)
            group.setExpanded(True)
            chosen = exemplar is not None and exemplar["how"] == CHOSEN
            label = f"exemplar {exemplar['name']}" if chosen else "best clips of this action"
            self.radar.set_dimensions([d["name"] for d in dimensions["items"]],
                                      [d["value"] for d in dimensions["items"]],
                                      [EXEMPLAR_LEVEL] * len(dimensions["items"]), label)
        else:
            self.radar.clear_chart("no skill dimensions")
        self._feedback = list(stored.get("feedback") or [])
        if self._feedback:
            group = QTreeWidgetItem(self.tree, [f"Feedback ({len(self._feedback)})", "", "", ""])
            for index, f in enumerate(self._feedback):
                frames = f"{f['start_frame']}–{f['end_frame']}" if f["start_frame"] != f["end_frame"] \
                    else str(f["start_frame"])
                item = QTreeWidgetItem(group, [f["topic"], _severity(f.get("severity")), frames,
                                               f"{f['text']} {f['fix']}"])
                item.setToolTip(3, f"{f['text']}\n{f['fix']}")
                item.setData(0, FRAME_ROLE, f["start_frame"])
                item.setData(0, LAST_FRAME_ROLE, f["end_frame"])
                item.setData(0, FEEDBACK_ROLE, index)
            group.setExpanded(True)

    def feedback_row(self, index: int) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for k in range(group.childCount()):
                if group.child(k).data(0, FEEDBACK_ROLE) == index:
                    return group.child(k)
        return None

    def activate_feedback(self, index: int) -> None:
        """Select feedback item ``index`` (e.g. its timeline marker was clicked) and play its frames."""
        row = self.feedback_row(index)
        if row is not None:
            self.tree.setCurrentItem(row)
            self.tree.scrollToItem(row)
            self._clicked(row, 0)

    def dimension_rows(self) -> dict[str, str]:
        """Dimension name -> its value column, as shown (for checks and accessibility)."""
        out = {}
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            if group.text(0) == "Skill":
                out = {group.child(k).text(0): group.child(k).text(1) for k in range(group.childCount())}
        return out

    def _clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        first, last = item.data(0, FRAME_ROLE), item.data(0, LAST_FRAME_ROLE)
        if first is not None and last is not None:
            self.rangeRequested.emit(int(first), int(last))

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        frame = item.data(0, FRAME_ROLE)
        if frame is not None:
            self.frameRequested.emit(int(frame))
