"""A thin strip with one colour per frame (its pose status), a playhead, and click/drag to seek.

The strip is one QImage, one pixel per frame (or, for clips with more frames than pixels, one
pixel per column showing the most urgent status among its frames, so a single lost frame is
never hidden), drawn scaled: a repaint of a 5,000-frame clip costs one drawImage.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygon
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolTip, QWidget

from app.attention import STATUS_LABELS, FrameStatus

MARGIN = 4  # px left and right, shared with StageTimeline so the two strips line up

STATUS_COLORS: dict[FrameStatus, str] = {
    FrameStatus.NO_POSE: "#4D4D4D",  # dark grey: nothing there
    FrameStatus.MODEL: "#8FB8DE",  # pale blue: model output, looks fine
    FrameStatus.INTERPOLATED: "#C9A0DC",  # lavender: filled between trusted frames
    FrameStatus.LOW_CONFIDENCE: "#E69F00",  # orange: check it
    FrameStatus.LOST: "#D55E00",  # vermillion: the model lost the athlete
    FrameStatus.MANUAL: "#66C2A5",  # light green: joints placed by hand
    FrameStatus.REVIEWED: "#1A9850",  # green: checked by a person
}

# When one pixel column covers several frames, the most urgent status shows.
_URGENCY = (FrameStatus.NO_POSE, FrameStatus.MODEL, FrameStatus.REVIEWED, FrameStatus.MANUAL,
            FrameStatus.INTERPOLATED, FrameStatus.LOW_CONFIDENCE, FrameStatus.LOST)
_RANK = np.zeros(256, np.uint8)
_RANK[list(_URGENCY)] = np.arange(len(_URGENCY))
_BY_RANK = np.array(list(_URGENCY), np.uint8)
_ARGB = np.full(256, 0xFF000000, np.uint32)
for _status, _hex in STATUS_COLORS.items():
    _ARGB[_status] = 0xFF000000 | int(_hex[1:], 16)


class FrameAxis:
    """Frames 0..frame_count-1 laid over a pixel span [left, left + width): frame f covers
    [x_of_boundary(f), x_of_boundary(f + 1))."""

    def __init__(self, frame_count: int, left: float, width: float) -> None:
        self.frame_count = max(int(frame_count), 0)
        self.left = float(left)
        self.width = max(float(width), 1.0)

    def x_of_boundary(self, frame: float) -> float:
        return self.left + frame * self.width / max(self.frame_count, 1)

    def x_of_center(self, frame: int) -> float:
        return self.x_of_boundary(frame + 0.5)

    def frame_at(self, x: float) -> int:
        """The frame under pixel x, clamped into the clip."""
        f = int((x - self.left) * self.frame_count // self.width)
        return min(max(f, 0), max(self.frame_count - 1, 0))

    def boundary_at(self, x: float) -> int:
        """The frame boundary nearest to pixel x (0..frame_count)."""
        f = int(round((x - self.left) * self.frame_count / self.width))
        return min(max(f, 0), self.frame_count)


def status_strip(statuses: np.ndarray, columns: int) -> np.ndarray:
    """uint8 (min(T, columns),): the statuses to paint, one per frame when they fit, else the
    most urgent status of the frames under each of ``columns`` pixel columns."""
    statuses = np.asarray(statuses, np.uint8)
    T = statuses.size
    if T <= columns or T == 0:
        return statuses
    starts = (np.arange(columns) * T) // columns
    return _BY_RANK[np.maximum.reduceat(_RANK[statuses], starts)]


def draw_playhead(painter: QPainter, x: int, top: int, bottom: int) -> None:
    """A white line with a dark outline and a small triangle at the top: readable on any colour."""
    painter.setPen(QPen(QColor(0, 0, 0, 200), 3))
    painter.drawLine(x, top, x, bottom)
    painter.setPen(QPen(QColor("white"), 1))
    painter.drawLine(x, top, x, bottom)
    painter.setPen(QPen(QColor(0, 0, 0, 200), 1))
    painter.setBrush(QColor("white"))
    painter.drawPolygon(QPolygon([QPoint(x - 4, top), QPoint(x + 4, top), QPoint(x, top + 4)]))


class FrameTimeline(QWidget):
    """Every frame's pose status as a coloured strip; click or drag to seek.

    Views observe: the owner calls set_statuses when poses change and set_current when the
    player moves; the strip emits frameRequested and never changes the frame itself.
    """

    frameRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame_count = 0
        self._statuses = np.zeros(0, np.uint8)
        self._current: int | None = None
        self._image: QImage | None = None  # cached strip, rebuilt on new statuses or a resize
        self._image_columns = -1
        self._last_requested: int | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(14)

    def sizeHint(self) -> QSize:
        return QSize(400, 18)

    # --- state from the owner ---------------------------------------------------------------

    def set_clip(self, frame_count: int) -> None:
        self._frame_count = max(int(frame_count), 0)
        self._statuses = np.zeros(self._frame_count, np.uint8)
        self._current = None
        self._invalidate()

    def set_statuses(self, statuses: np.ndarray) -> None:
        """statuses: uint8 (T,) FrameStatus values, T = the clip's frame count."""
        statuses = np.asarray(statuses, np.uint8).reshape(-1)
        if statuses.size != self._frame_count:
            raise ValueError(f"{statuses.size} statuses for a clip of {self._frame_count} frames")
        self._statuses = statuses.copy()
        self._invalidate()

    def set_current(self, frame: int | None) -> None:
        if frame == self._current:
            return
        old, self._current = self._current, frame
        for f in (old, frame):
            if f is not None:
                x = int(self.axis().x_of_center(f))
                self.update(QRect(x - 6, 0, 13, self.height()))

    def current(self) -> int | None:
        return self._current

    # --- geometry and text --------------------------------------------------------------------

    def axis(self) -> FrameAxis:
        return FrameAxis(self._frame_count, MARGIN, self.width() - 2 * MARGIN)

    def strip_rect(self) -> QRect:
        return QRect(MARGIN, 3, max(self.width() - 2 * MARGIN, 1), max(self.height() - 5, 1))

    def tooltip_at(self, x: float) -> str:
        """"frame N: status" for the frame under pixel x ("" when there is no clip)."""
        if self._frame_count == 0:
            return ""
        f = self.axis().frame_at(x)
        return f"frame {f}: {STATUS_LABELS[FrameStatus(int(self._statuses[f]))]}"

    # --- painting -----------------------------------------------------------------------------

    def _invalidate(self) -> None:
        self._image = None
        self.update()

    def _strip_image(self, columns: int) -> QImage:
        if self._image is None or self._image_columns != columns:
            shown = status_strip(self._statuses, columns)
            argb = np.ascontiguousarray(_ARGB[shown])
            self._image = QImage(argb.tobytes(), max(shown.size, 1), 1, 4 * max(shown.size, 1),
                                 QImage.Format.Format_RGB32).copy()
            self._image_columns = columns
        return self._image

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.strip_rect()
        if self._frame_count == 0:
            painter.fillRect(rect, QColor(STATUS_COLORS[FrameStatus.NO_POSE]))
            return
        # Nearest-neighbour scaling keeps frame edges crisp.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(rect, self._strip_image(rect.width()))
        if self._current is not None and 0 <= self._current < self._frame_count:
            draw_playhead(painter, int(self.axis().x_of_center(self._current)), 0, self.height() - 1)
        painter.end()

    def resizeEvent(self, event) -> None:
        self._image = None
        super().resizeEvent(event)

    # --- mouse --------------------------------------------------------------------------------

    def _request(self, x: float) -> None:
        if self._frame_count == 0:
            return
        f = self.axis().frame_at(x)
        if f != self._last_requested:
            self._last_requested = f
            self.frameRequested.emit(f)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._last_requested = None
            self._request(event.position().x())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._request(event.position().x())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._last_requested = None
        super().mouseReleaseEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(event.pos().x())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


class StatusLegend(QWidget):
    """A small row of colour swatches naming each frame status, to sit beside the strip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        order = (FrameStatus.MODEL, FrameStatus.INTERPOLATED, FrameStatus.LOW_CONFIDENCE, FrameStatus.LOST,
                 FrameStatus.MANUAL, FrameStatus.REVIEWED, FrameStatus.NO_POSE)
        for status in order:
            swatch = QLabel()
            swatch.setFixedSize(10, 10)
            swatch.setStyleSheet(f"background: {STATUS_COLORS[status]}; border: 1px solid #222;")
            label = QLabel(STATUS_LABELS[status])
            font = label.font()
            font.setPointSizeF(max(font.pointSizeF() - 1, 7))
            label.setFont(font)
            layout.addWidget(swatch)
            layout.addWidget(label)
        layout.addStretch(1)
