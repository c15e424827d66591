"""The project's clips: name, frame count, frame rate, size and a VFR badge."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from app.store.records import ClipRecord
from app.ui.formatting import VFR_EXPLANATION, clip_tooltip, fps_text

COLUMNS = ("Clip", "Frames", "FPS", "Size", "")
CLIP_ID = Qt.ItemDataRole.UserRole
VFR_COLOUR = QColor("#b35900")


class ClipList(QTreeWidget):
    clipSelected = Signal(int)  # clip id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(COLUMNS)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSortingEnabled(False)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.currentItemChanged.connect(self._current_changed)

    def set_clips(self, clips: list[ClipRecord]) -> None:
        """Show ``clips``, keeping the current clip selected (without announcing it again)."""
        current = self.current_clip_id()
        self.blockSignals(True)
        try:
            self.clear()
            for clip in clips:
                item = self._item(clip)
                self.addTopLevelItem(item)
                if clip.id == current:
                    self.setCurrentItem(item)
        finally:
            self.blockSignals(False)

    def select_clip(self, clip_id: int) -> bool:
        """Make ``clip_id`` current (announcing it); False when the list does not hold it."""
        for row in range(self.topLevelItemCount()):
            item = self.topLevelItem(row)
            if item.data(0, CLIP_ID) == clip_id:
                self.setCurrentItem(item)
                return True
        return False

    def current_clip_id(self) -> int | None:
        item = self.currentItem()
        return None if item is None else item.data(0, CLIP_ID)

    def clip_ids(self) -> list[int]:
        return [self.topLevelItem(row).data(0, CLIP_ID) for row in range(self.topLevelItemCount())]

    def _item(self, clip: ClipRecord) -> QTreeWidgetItem:
        item = QTreeWidgetItem([clip.name, str(clip.frame_count), fps_text(clip.fps),
                                f"{clip.width}×{clip.height}", "VFR" if clip.is_vfr else ""])
        item.setData(0, CLIP_ID, clip.id)
        tooltip = clip_tooltip(clip)
        for column in range(len(COLUMNS)):
            item.setToolTip(column, tooltip)
        for column in (1, 2):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if clip.is_vfr:
            item.setForeground(4, QBrush(VFR_COLOUR))
            item.setToolTip(4, VFR_EXPLANATION)
            font = item.font(4)
            font.setBold(True)
            item.setFont(4, font)
        return item

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is not None:
            self.clipSelected.emit(current.data(0, CLIP_ID))
