"""The frame on screen: a QGraphicsView whose scene is in source-video pixels.

The frame is a QGraphicsPixmapItem at the origin with z = 0, so scene coordinates are the
pixel coordinates of the source frame (pixel (x, y) covers [x, x+1) × [y, y+1)). Overlays
added by later features (skeletons, boxes) are scene items with z > 0 in the same
coordinates and scale with the frame for free.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QResizeEvent, QTransform
from PySide6.QtWidgets import (QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QLabel, QPushButton,
                               QVBoxLayout, QWidget)

BACKGROUND = QColor(24, 24, 24)


class VideoView(QGraphicsView):
    """Shows one frame scaled to fit the widget with its aspect ratio kept."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        if not self.pixmap_item.pixmap().isNull():
            self.fitInView(self.pixmap_item, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
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
