"""Context drawn under the skeleton: onion skin of the neighbour frames and joint trails.

Both are paint-only items in video-pixel scene coordinates, fed plain arrays by the editor.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from app.ui.skeleton_items import Z_ONION, Z_TRAILS, side_colors
from inference.provenance import Visibility
from inference.skeletons import get_skeleton

PREVIOUS_COLOR = QColor(255, 90, 200)  # magenta: where it was
NEXT_COLOR = QColor(90, 255, 230)  # cyan: where it goes
TRAIL_RADIUS = 15  # frames either side of the playhead


def _bounds(points: np.ndarray) -> QRectF:
    points = points.reshape(-1, 2)
    points = points[np.isfinite(points).all(axis=1)]
    if not len(points):
        return QRectF()
    return QRectF(QPointF(*points.min(axis=0)), QPointF(*points.max(axis=0))).adjusted(-4, -4, 4, 4)


class OnionSkinItem(QGraphicsItem):
    """Faint skeletons of the previous (magenta) and next (cyan) frames."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.setZValue(Z_ONION)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._poses: list[tuple[QColor, np.ndarray]] = []  # colour, (J, 2) with NaN where not shown
        self._bones: tuple[tuple[int, int], ...] = ()
        self._rect = QRectF()

    def set_poses(self, schema: str | None, previous: tuple[np.ndarray, np.ndarray] | None,
                  following: tuple[np.ndarray, np.ndarray] | None) -> None:
        """Each pose: (keypoints (J, 3), visibility (J,)) or None."""
        poses = []
        for color, pose in ((PREVIOUS_COLOR, previous), (NEXT_COLOR, following)):
            if pose is None or schema is None:
                continue
            xy = pose[0][:, :2].astype(np.float64).copy()
            xy[pose[1] == Visibility.ABSENT] = np.nan
            poses.append((color, xy))
        self._bones = get_skeleton(schema).bones if schema else ()
        self.prepareGeometryChange()
        self._poses = poses
        self._rect = _bounds(np.concatenate([xy for _, xy in poses])) if poses else QRectF()
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for color, xy in self._poses:
            faint = QColor(color)
            faint.setAlpha(150)
            pen = QPen(faint, 1.5)
            pen.setCosmetic(True)
            painter.setPen(pen)
            path = QPainterPath()
            for a, b in self._bones:
                if np.isfinite(xy[[a, b]]).all():
                    path.moveTo(*xy[a])
                    path.lineTo(*xy[b])
            painter.drawPath(path)


class TrailItem(QGraphicsItem):
    """Each joint's path over the frames around the playhead, in its side colour, fading with distance."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.setZValue(Z_TRAILS)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._xy = np.zeros((0, 0, 2))
        self._colors: list[QColor] = []
        self._rect = QRectF()

    def set_trails(self, schema: str | None, xy: np.ndarray | None) -> None:
        """xy: float (T, J, 2) positions over consecutive frames, NaN where unknown; None clears."""
        self.prepareGeometryChange()
        if schema is None or xy is None or not len(xy):
            self._xy, self._rect = np.zeros((0, 0, 2)), QRectF()
        else:
            self._xy = np.asarray(xy, np.float64)
            self._colors = side_colors(schema)
            self._rect = _bounds(self._xy)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if not self._xy.size:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        T = self._xy.shape[0]
        for j in range(self._xy.shape[1]):
            color = QColor(self._colors[j])
            for t in range(T - 1):
                a, b = self._xy[t, j], self._xy[t + 1, j]
                if not (np.isfinite(a).all() and np.isfinite(b).all()):
                    continue
                color.setAlphaF(0.25 + 0.6 * (1 - abs(2 * (t + 0.5) / max(T - 1, 1) - 1)))
                pen = QPen(color, 1.5)
                pen.setCosmetic(True)
                painter.setPen(pen)
                painter.drawLine(QPointF(*a), QPointF(*b))
