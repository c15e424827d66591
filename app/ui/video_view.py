"""The frame on screen: a QGraphicsView whose scene is in source-video pixels.

The frame is a QGraphicsPixmapItem at the origin with z = 0, so scene coordinates are the
pixel coordinates of the source frame (pixel (x, y) covers [x, x+1) × [y, y+1)). Overlays
added by later features (skeletons, boxes) are scene items with z > 0 in the same
coordinates and scale with the frame for free.

Zoom with the wheel (around the cursor), pan by dragging with the middle button, F fits the
frame again. The view stays fitted while the window is resized until the user zooms.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPixmap, QResizeEvent, QTransform, QWheelEvent
from PySide6.QtWidgets import (QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QLabel, QPushButton,
                               QVBoxLayout, QWidget)

BACKGROUND = QColor(24, 24, 24)
ZOOM_STEP = 1.25  # per wheel notch
MAX_ZOOM = 40.0  # screen pixels per video pixel


class VideoView(QGraphicsView):
    """Shows one frame, fitted to the widget with its aspect ratio kept, zoomable and pannable."""

    backgroundClicked = Signal(QPointF)  # left click (scene position) on the frame, not on an item
    placeClicked = Signal(QPointF)  # left click while `placing` is set (e.g. placing a missing joint)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fitted = True
        self._rotation = 0
        self._pan_from: QPoint | None = None
        self.placing = False
        self.setScene(QGraphicsScene(self))
        self.pixmap_item = QGraphicsPixmapItem()
        self.pixmap_item.setZValue(0)
        self.pixmap_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.pixmap_item)
        self.setBackgroundBrush(BACKGROUND)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def show_image(self, image: QImage) -> None:
        """Replace the frame; refit only when the frame size changes (a new clip)."""
        size_changed = self.pixmap_item.pixmap().size() != image.size()
        self.pixmap_item.setPixmap(QPixmap.fromImage(image))
        if size_changed:
            self.scene().setSceneRect(QRectF(0, 0, image.width(), image.height()))
            self.fit()

    def set_rotation(self, ccw_degrees: int) -> None:
        """Apply the display rotation a file asks for (phone videos); the scene keeps stored pixels."""
        self._rotation = ccw_degrees
        self.setTransform(QTransform().rotate(-ccw_degrees))  # Qt turns clockwise for positive angles
        self.fit()

    def clear(self) -> None:
        self.pixmap_item.setPixmap(QPixmap())
        self.scene().setSceneRect(QRectF())
        self.resetTransform()

    def shown_image(self) -> QImage:
        """The frame as displayed (source resolution)."""
        return self.pixmap_item.pixmap().toImage()

    def fit(self) -> None:
        self._fitted = True
        if not self.pixmap_item.pixmap().isNull():
            self.fitInView(self.pixmap_item, Qt.AspectRatioMode.KeepAspectRatio)

    def zoom_factor(self) -> float:
        """Screen pixels per video pixel."""
        m = self.transform()
        return (m.m11() ** 2 + m.m12() ** 2) ** 0.5

    def zoom(self, factor: float, anchor: QPoint | None = None) -> None:
        """Scale by ``factor`` keeping the video pixel under ``anchor`` (viewport px) in place."""
        if self.pixmap_item.pixmap().isNull():
            return
        factor = min(factor, MAX_ZOOM / max(self.zoom_factor(), 1e-9))
        anchor = anchor if anchor is not None else self.viewport().rect().center()
        before = self.mapToScene(anchor)
        self.scale(factor, factor)
        # QGraphicsView positions the frame with its (hidden) scroll bars, not the transform.
        self._scroll_by(self.mapFromScene(before) - anchor)
        self._fitted = False

    def _scroll_by(self, delta: QPoint) -> None:
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + delta.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + delta.y())

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120.0
        if notches:
            self.zoom(ZOOM_STEP ** notches, event.position().toPoint())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            scene_pos = self.mapToScene(event.position().toPoint())
            if self.placing:
                self.placeClicked.emit(scene_pos)
                event.accept()
                return
            item = self.itemAt(event.position().toPoint())
            if item is None or item is self.pixmap_item:
                self.backgroundClicked.emit(scene_pos)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            now = event.position().toPoint()
            delta = now - self._pan_from
            self._pan_from = now
            self._scroll_by(-delta)
            self._fitted = False
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_F and not event.modifiers():
            self.fit()
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit()


class MediaMessage(QWidget):
    """Why a clip cannot be shown, and (for a moved video) a Relink… button."""

    relinkRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.relink_button = QPushButton("Relink…", self)
        self.relink_button.setToolTip("Choose where the video is now; Plumb checks it is the same file.")
        self.relink_button.clicked.connect(self.relinkRequested)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.label)
        layout.addWidget(self.relink_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        layout.setContentsMargins(40, 20, 40, 20)

    def show_message(self, text: str, *, can_relink: bool) -> None:
        self.label.setText(text)
        self.relink_button.setVisible(can_relink)
