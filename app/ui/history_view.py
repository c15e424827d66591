"""The edit log, newest first: undone edits greyed, dropped ones struck through."""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from app.project import Project
from app.store import queries

LIMIT = 300
UNDONE = QColor(140, 140, 140)


class HistoryView(QListWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyView")
        self.setAlternatingRowColors(True)
        self.setToolTip("Every edit is saved as it happens. Ctrl+Z undoes the newest; greyed edits are undone "
                        "(Ctrl+Shift+Z redoes them).")
        self.project: Project | None = None

    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.refresh()

    def refresh(self) -> None:
        self.clear()
        if self.project is None:
            return
        with self.project.store.reading() as session:
            entries = queries.history(session, limit=LIMIT)
        for entry in entries:
            when = entry.created_at.strftime("%H:%M:%S") if entry.created_at else ""
            who = f" · {entry.annotator}" if entry.annotator else ""
            item = QListWidgetItem(f"{entry.description}   {when}{who}")
            item.setData(256, entry.id)
            if entry.state != "done":
                item.setForeground(QBrush(UNDONE))
                item.setToolTip("Undone" if entry.state == "undone" else "Undone, then replaced by a newer edit")
            if entry.state == "dropped":
                font = QFont(item.font())
                font.setStrikeOut(True)
                item.setFont(font)
            self.addItem(item)
