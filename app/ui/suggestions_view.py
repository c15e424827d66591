"""What to correct next: the frames of the current clip most worth a correction (see
app.pose_suggestions), ranked, with their reasons. Refresh ranks them off the UI thread; while
the dock is shown it ranks again by itself when a clip opens and a moment after its poses
change (an auto-annotation run, a correction), once the changes pause. Double-clicking a row
emits ``clipFrameRequested(clip_id, frame)`` and the window goes there.

Wiring, in MainWindow::

    suggestions = SuggestionsView(parent=self)
    self.add_dock("Correct next", suggestions, Qt.DockWidgetArea.RightDockWidgetArea)
    suggestions.clipFrameRequested.connect(<open clip, seek to frame>)
    suggestions.set_clip(project, clip_id) when the clip changes; shutdown() before closing
    suggestions.poses_changed(clip_id) when a clip's working poses change
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.pose_suggestions import Suggestion, suggest_frames
from app.ui.background_call import BackgroundCalls

FRAME_ROLE = Qt.ItemDataRole.UserRole
COUNT = 15
# Ranking waits this long after the last change: a drag or a run writes many changes in a row.
SETTLE_MS = 800


class SuggestionsView(QWidget):
    clipFrameRequested = Signal(int, int)  # clip id, frame

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("suggestionsView")
        self.project = None
        self.clip_id: int | None = None
        self.suggestions: list[Suggestion] = []
        self.calls = BackgroundCalls(self)
        self.calls.done.connect(self._finished)
        self.calls.failed.connect(self._failed)
        self.settle = QTimer(self)
        self.settle.setSingleShot(True)
        self.settle.setInterval(SETTLE_MS)
        self.settle.timeout.connect(self._refresh_if_shown)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setToolTip("Rank this clip's frames again (after auto-annotation or corrections)")
        self.refresh_button.clicked.connect(self.refresh)
        self.summary = QLabel("Open a clip.", self)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Frame", "Score", "Stage", "Why"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.itemDoubleClicked.connect(self._activated)
        for column, width in enumerate((60, 50, 70)):
            self.tree.setColumnWidth(column, width)
        bar = QHBoxLayout()
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.tree)

    def set_clip(self, project, clip_id: int | None) -> None:
        self.calls.supersede()  # a ranking still running is of the clip we leave
        self.project, self.clip_id = project, clip_id
        self.settle.stop()
        self.show_suggestions([])
        self.summary.setText("Press Refresh to rank this clip's frames." if clip_id is not None else "Open a clip.")
        if clip_id is not None:
            self.settle.start()

    def poses_changed(self, clip_id: int) -> None:
        """Rank again once the current clip's poses stop changing."""
        if clip_id == self.clip_id and self.project is not None:
            self.settle.start()

    def _refresh_if_shown(self) -> None:
        # A hidden dock costs nothing; showing it again is a Refresh away.
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        if self.project is None or self.clip_id is None:
            return
        project, clip_id = self.project, self.clip_id
        self.calls.start(lambda: suggest_frames(project, clip_id, COUNT), name="suggest",
                         failure="Ranking the frames stopped")
        self.summary.setText("Ranking frames…")

    def shutdown(self, ms: int = 30_000) -> None:
        self.settle.stop()
        self.calls.wait(ms)

    @Slot(object)
    def _finished(self, suggestions: list[Suggestion]) -> None:
        self.show_suggestions(suggestions)

    @Slot(str)
    def _failed(self, reason: str) -> None:
        self.summary.setText(reason)

    def show_suggestions(self, suggestions: list[Suggestion]) -> None:
        self.suggestions = list(suggestions)
        self.tree.clear()
        for s in self.suggestions:
            item = QTreeWidgetItem(self.tree, [str(s.frame), f"{s.score:.2f}", s.stage or "", "; ".join(s.reasons)])
            item.setToolTip(3, "\n".join(s.reasons))
            item.setData(0, FRAME_ROLE, s.frame)
        self.summary.setText(f"{len(self.suggestions)} frame(s) to look at" if self.suggestions
                             else "Nothing to suggest yet.")

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        if self.clip_id is not None:
            self.clipFrameRequested.emit(self.clip_id, int(item.data(0, FRAME_ROLE)))
