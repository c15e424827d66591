"""The athlete box: drag its border to move it, a handle to resize it; one edit on release.

The box is in video-pixel scene coordinates; its border and handles keep their screen size.
Clicks inside the box (away from the border) pass through to what lies under it.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsObject, QGraphicsSceneHoverEvent,
                               QGraphicsSceneMouseEvent, QStyleOptionGraphicsItem, QWidget)

from app.ui.skeleton_items import Z_BOX

BOX_COLOR = QColor(80, 230, 140)
HANDLE = 7.0  # screen pixels
GRAB = 6.0  # screen pixels either side of the border that grab it
MIN_SIZE = 2.0  # video pixels

# Handle name -> which edges it moves (left, top, right, bottom).
HANDLES = {
    "tl": (1, 1, 0, 0), "t": (0, 1, 0, 0), "tr": (0, 1, 1, 0), "r": (0, 0, 1, 0),
    "br": (0, 0, 1, 1), "b": (0, 0, 0, 1), "bl": (1, 0, 0, 1), "l": (1, 0, 0, 0),
}
CURSORS = {"tl": Qt.CursorShape.SizeFDiagCursor, "br": Qt.CursorShape.SizeFDiagCursor,
           "tr": Qt.CursorShape.SizeBDiagCursor, "bl": Qt.CursorShape.SizeBDiagCursor,
           "t": Qt.CursorShape.SizeVerCursor, "b": Qt.CursorShape.SizeVerCursor,
           "l": Qt.CursorShape.SizeHorCursor, "r": Qt.CursorShape.SizeHorCursor,
           "move": Qt.CursorShape.SizeAllCursor}


def handle_points(rect: QRectF) -> dict[str, QPointF]:
    c = rect.center()
    return {"tl": rect.topLeft(), "t": QPointF(c.x(), rect.top()), "tr": rect.topRight(),
            "r": QPointF(rect.right(), c.y()), "br": rect.bottomRight(), "b": QPointF(c.x(), rect.bottom()),
            "bl": rect.bottomLeft(), "l": QPointF(rect.left(), c.y())}


class BoxItem(QGraphicsObject):
    boxChanged = Signal(object)  # (x1, y1, x2, y2) in video pixels, once, on release

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.setZValue(Z_BOX)
        self.setAcceptHoverEvents(True)
        self.rect = QRectF()
        self._grab: str | None = None
        self._start_rect = QRectF()
        self._start_pos = QPointF()

    def set_box(self, bbox: tuple[float, float, float, float] | None) -> None:
        if self._grab is not None:
            return  # never yank the box from under the mouse
        self.prepareGeometryChange()
        self.rect = QRectF() if bbox is None else QRectF(QPointF(bbox[0], bbox[1]), QPointF(bbox[2], bbox[3]))
        self.setVisible(bbox is not None)

    def box(self) -> tuple[float, float, float, float]:
        r = self.rect
        return (r.left(), r.top(), r.right(), r.bottom())

    def _scale(self) -> float:
        """Video pixels per screen pixel in the first view showing the scene."""
        views = self.scene().views() if self.scene() else []
        if not views:
            return 1.0
        m = views[0].transform()
        return 1.0 / max((m.m11() ** 2 + m.m12() ** 2) ** 0.5, 1e-6)

    def boundingRect(self) -> QRectF:
        pad = (HANDLE + GRAB) * self._scale()
        return self.rect.adjusted(-pad, -pad, pad, pad) if not self.rect.isNull() else QRectF()

    def hit(self, pos: QPointF) -> str | None:
        """What a press at ``pos`` grabs: a handle name, "move" (the border) or None (inside/outside)."""
        if self.rect.isNull():
            return None
        tolerance = (HANDLE / 2 + GRAB / 2) * self._scale()
        for name, point in handle_points(self.rect).items():
            if abs(pos.x() - point.x()) <= tolerance and abs(pos.y() - point.y()) <= tolerance:
                return name
        grab = GRAB * self._scale()
        outer = self.rect.adjusted(-grab, -grab, grab, grab)
        inner = self.rect.adjusted(grab, grab, -grab, -grab)
        return "move" if outer.contains(pos) and not inner.contains(pos) else None

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if self.rect.isNull():
            return
        pen = QPen(BOX_COLOR, 1.5)
        pen.setCosmetic(True)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(self.rect)
        size = HANDLE * self._scale()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BOX_COLOR)
        for point in handle_points(self.rect).values():
            painter.drawRect(QRectF(point.x() - size / 2, point.y() - size / 2, size, size))

    # --- interaction ---------------------------------------------------------------------
    def hoverMoveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        grab = self.hit(event.pos())
        if grab is None:
            self.unsetCursor()
        else:
            self.setCursor(CURSORS[grab])

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        grab = self.hit(event.pos()) if event.button() == Qt.MouseButton.LeftButton else None
        if grab is None:
            event.ignore()  # inside the box: a click for the frame, not for the box
            return
        self._grab, self._start_rect, self._start_pos = grab, QRectF(self.rect), event.pos()
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._grab is None:
            return
        delta = event.pos() - self._start_pos
        r = QRectF(self._start_rect)
        if self._grab == "move":
            r.translate(delta)
        else:
            left, top, right, bottom = HANDLES[self._grab]
            if left:
                r.setLeft(min(r.left() + delta.x(), r.right() - MIN_SIZE))
            if right:
                r.setRight(max(r.right() + delta.x(), r.left() + MIN_SIZE))
            if top:
                r.setTop(min(r.top() + delta.y(), r.bottom() - MIN_SIZE))
            if bottom:
                r.setBottom(max(r.bottom() + delta.y(), r.top() + MIN_SIZE))
        self.prepareGeometryChange()
        self.rect = r

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._grab is None:
            return
        self._grab = None
        if self.rect != self._start_rect:
            self.boxChanged.emit(self.box())
