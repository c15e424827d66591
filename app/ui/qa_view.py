"""Label quality panel: the problems of app.label_qa.check_project, grouped by kind.

A tree with one top-level row per kind ("judging-rule (122)") and one row per problem (clip,
frames, severity, message); a kind filter; Refresh runs the checks in a worker QThread (a
project of thousands of clips takes seconds) with a busy bar, dropping a result that a newer
refresh has superseded. Double-clicking a problem emits ``clipFrameRequested(clip_id, frame)``
(its first frame, or 0 for clip-level problems); the window opens that clip at that frame.

Wiring, in MainWindow once a project is open::

    qa = QaView(project)
    self.add_dock("Label checks", qa, Qt.DockWidgetArea.BottomDockWidgetArea)
    qa.clipFrameRequested.connect(<open clip, seek to frame>)
    # and qa.shutdown() when the project closes (joins a running check)
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.label_qa import KINDS, Problem, check_project, count_by_kind
from app.ui.background_call import BackgroundCalls

ALL_KINDS = "All kinds"
CLIP_ROLE = Qt.ItemDataRole.UserRole
FRAME_ROLE = Qt.ItemDataRole.UserRole + 1
ERROR_COLOR = QColor("#b3261e")
WARNING_COLOR = QColor("#8a5a00")


class QaView(QWidget):
    clipFrameRequested = Signal(int, int)  # clip id, frame
    checked = Signal(int)                  # number of problems, after each finished refresh

    def __init__(self, project=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qaView")
        self.project = project
        self.problems: list[Problem] = []
        self.calls = BackgroundCalls(self)
        self.calls.done.connect(self._finished)
        self.calls.failed.connect(self._failed)

        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setToolTip("Run the label checks again over every clip")
        self.refresh_button.clicked.connect(self.refresh)
        self.kind_filter = QComboBox(self)
        self.kind_filter.addItem(ALL_KINDS)
        self.kind_filter.currentIndexChanged.connect(self._populate)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # indeterminate
        self.busy.setMaximumWidth(120)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.summary = QLabel("Not checked yet.", self)

        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Kind / clip", "Frames", "Severity", "Message"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.itemDoubleClicked.connect(self._activated)
        self.tree.setColumnWidth(0, 260)
        self.tree.setColumnWidth(1, 80)
        self.tree.setColumnWidth(2, 70)

        bar = QHBoxLayout()
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.kind_filter)
        bar.addWidget(self.busy)
        bar.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.tree)

    # --- running the checks --------------------------------------------------------------
    def set_project(self, project) -> None:
        self.project = project
        self.set_problems([])
        self.summary.setText("Not checked yet.")

    def refresh(self, clip_ids=None) -> None:
        """Run the checks off the UI thread; a newer refresh supersedes a running one."""
        if self.project is None:
            return
        project = self.project
        self.calls.start(lambda: check_project(project, clip_ids), name="label-qa",
                         failure="The label checks stopped")
        self.busy.show()
        self.summary.setText("Checking labels…")

    def is_running(self) -> bool:
        return self.calls.is_running()

    def shutdown(self, ms: int = 30_000) -> None:
        """Join running checks (call before the project closes)."""
        self.calls.wait(ms)

    @Slot(object)
    def _finished(self, problems: list[Problem]) -> None:
        self.busy.hide()
        self.set_problems(problems)
        self.checked.emit(len(problems))

    @Slot(str)
    def _failed(self, reason: str) -> None:
        self.busy.hide()
        self.summary.setText(reason)

    # --- showing -------------------------------------------------------------------------
    def set_problems(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        counts = count_by_kind(self.problems)
        current = self.current_kind()
        self.kind_filter.blockSignals(True)
        self.kind_filter.clear()
        self.kind_filter.addItem(ALL_KINDS, None)
        for kind in KINDS:
            if kind in counts:
                self.kind_filter.addItem(f"{kind} ({counts[kind]})", kind)
        index = self.kind_filter.findData(current) if current else 0
        self.kind_filter.setCurrentIndex(max(index, 0))
        self.kind_filter.blockSignals(False)
        clips = len({p.clip_id for p in self.problems})
        self.summary.setText("No problems found." if not self.problems else
                             f"{len(self.problems)} problem(s) in {clips} clip(s)")
        self._populate()

    def current_kind(self) -> str | None:
        return self.kind_filter.currentData()

    def _populate(self) -> None:
        kind_shown = self.current_kind()
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        for p in self.problems:
            if kind_shown and p.kind != kind_shown:
                continue
            group = groups.get(p.kind)
            if group is None:
                group = groups[p.kind] = QTreeWidgetItem(self.tree, [p.kind])
                group.setFirstColumnSpanned(False)
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
            frames = "" if p.frames is None else (str(p.frames[0]) if p.frames[0] == p.frames[1]
                                                   else f"{p.frames[0]}–{p.frames[1]}")
            item = QTreeWidgetItem(group, [f"{p.clip_id}  {p.clip_name}", frames, p.severity, p.message])
            item.setToolTip(3, p.message)
            item.setForeground(2, QBrush(ERROR_COLOR if p.severity == "error" else WARNING_COLOR))
            item.setData(0, CLIP_ROLE, p.clip_id)
            item.setData(0, FRAME_ROLE, p.frames[0] if p.frames else 0)
        for kind, group in groups.items():
            group.setText(0, f"{kind} ({group.childCount()})")
            group.setExpanded(True)

    def problem_rows(self) -> int:
        return sum(self.tree.topLevelItem(i).childCount() for i in range(self.tree.topLevelItemCount()))

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        clip_id = item.data(0, CLIP_ROLE)
        if clip_id is not None:
            self.clipFrameRequested.emit(int(clip_id), max(0, int(item.data(0, FRAME_ROLE))))
