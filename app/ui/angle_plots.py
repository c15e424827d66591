"""Joint angles and body motion over the clip under the video, with a cursor on the playhead.

Four views, chosen in the corner box: the joint angles (knees, hips, elbows, trunk to
vertical), the hip centre's height and speed in body heights, the trunk's rotation speed
(:mod:`inference.assess.kinematics`) and the self-similarity matrix
(:mod:`app.ui.self_similarity`, computed when first shown). The curves are read from the
working poses when the clip or its poses change; the cursor moves with every shown frame
(on the matrix, a cross at the playhead's row and column), and a click or drag on the plot
asks for that frame (``frameRequested``), as on the timelines.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtWidgets import QComboBox, QSizePolicy, QWidget

from app.ui.self_similarity import SimilarityImage, similarity_image
from inference.assess.kinematics import CURVES, MOTION_CURVES, angle_curves, motion_curves

# Frames without a pose that a curve is drawn across (interpolation-sized gaps).
MAX_JOINED_GAP = 5

SELF_SIMILARITY = "Self-similarity"
VIEWS = {"Joint angles": CURVES, "Height and speed": ("height", "speed"), "Trunk spin": ("trunk spin",),
         SELF_SIMILARITY: ()}
UNITS = {"Joint angles": "degrees", "Height and speed": "body heights, per second",
         "Trunk spin": "degrees per second",
         SELF_SIMILARITY: "frame against frame, bright where pose and motion are alike"}
COLORS = {"knees": "#E8833A", "hips": "#4A90D9", "elbows": "#7BC96F", "trunk to vertical": "#D9D94A",
          "height": "#4A90D9", "speed": "#E8833A", "trunk spin": "#D9D94A"}
LABELS = {"height": "height (body heights)", "speed": "speed (body heights/s)", "trunk spin": "trunk spin (°/s)"}
HEIGHT = 130
MIN_HEIGHT = 60  # a small window squeezes the plot before the video
MATRIX_HEIGHT = 280  # the matrix needs rows as well as columns


class AnglePlots(pg.PlotWidget):
    frameRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="#202124")
        self.setObjectName("anglePlots")
        self.setMinimumHeight(MIN_HEIGHT)
        self.setMaximumHeight(HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.getAxis("left").setWidth(36)
        self.showGrid(x=False, y=True, alpha=0.25)
        self._legend = self.addLegend(offset=(40, 1), labelTextColor="#DDDDDD", labelTextSize="7pt", colCount=4)
        self._legend.setZValue(10)
        self._curves = {name: self.plot([], [], pen=pg.mkPen(COLORS[name], width=1.6), connect="finite")
                        for name in (*CURVES, *MOTION_CURVES)}
        self.matrix = pg.ImageItem(axisOrder="row-major")
        self.matrix.setColorMap(pg.colormap.get("viridis"))
        self.matrix.setVisible(False)
        self.addItem(self.matrix)
        self.cursor = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen("#FFFFFF", width=1))
        self.addItem(self.cursor)
        self.row_cursor = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen("#FFFFFF", width=1))
        self.row_cursor.setVisible(False)
        self.addItem(self.row_cursor)
        self._poses: tuple[np.ndarray, str, float] | None = None
        self.similarity: SimilarityImage | None = None
        self._similarity_stale = True
        self.view_box = QComboBox(self)
        self.view_box.addItems(list(VIEWS))
        self.view_box.setToolTip("What the plot shows")
        self.view_box.currentTextChanged.connect(self.set_view)
        self._frame_count = 0
        self._dragging = False
        self.view = ""
        self.set_view(next(iter(VIEWS)))

    def sizeHint(self) -> QSize:
        return QSize(400, HEIGHT)

    # --- data ------------------------------------------------------------------------------
    def set_track(self, track, frame_count: int, fps: float = 30.0) -> None:
        """The clip's working :class:`~app.store.records.PoseTrack` (None: no clip)."""
        if track is None or track.schema is None or len(track.frames) == 0:
            self.set_poses(None, None, frame_count, fps)
            return
        keypoints = np.full((frame_count, *track.keypoints.shape[1:]), np.nan, np.float32)
        inside = track.frames < frame_count
        keypoints[track.frames[inside]] = track.keypoints[inside]
        self.set_poses(keypoints, track.schema, frame_count, fps)

    def set_poses(self, keypoints: np.ndarray | None, schema: str | None, frame_count: int,
                  fps: float = 30.0) -> None:
        """The clip's working poses (T, J, 3) with NaN where unknown, or None to clear."""
        self._frame_count = frame_count
        self._poses = (keypoints, schema, fps) if keypoints is not None and schema else None
        self._similarity_stale = True
        if self.view == SELF_SIMILARITY:
            self._show_similarity()
        curves = {}
        if keypoints is not None and schema:
            curves = {**angle_curves(keypoints, schema), **motion_curves(keypoints, schema, fps)}
        frames = np.arange(frame_count)
        for name, item in self._curves.items():
            values = curves.get(name)
            if values is None:
                item.setData([], [])
                continue
            # Only frames with a value are drawn, joined across short gaps: poses placed on
            # every other frame would otherwise draw no line at all, while a long lost stretch
            # stays a visible break.
            known = np.isfinite(values)
            x, y = frames[known], np.asarray(values)[known]
            joined = np.append(np.diff(x) <= MAX_JOINED_GAP, False)
            item.setData(x, y, connect=joined)
        self.setXRange(0, max(frame_count - 1, 1), padding=0.01)
        self._fit_y()

    def set_view(self, view: str) -> None:
        """Show one of :data:`VIEWS`."""
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
        self.view = view
        if self.view_box.currentText() != view:
            self.view_box.setCurrentText(view)
        self._legend.clear()
        for name, item in self._curves.items():
            shown = name in VIEWS[view]
            item.setVisible(shown)
            if shown:
                self._legend.addItem(item, LABELS.get(name, name))
        self.getAxis("left").setLabel("")
        self.setToolTip(f"{view} ({UNITS[view]}); click or drag to go to a frame")
        on_matrix = view == SELF_SIMILARITY
        self.setMaximumHeight(MATRIX_HEIGHT if on_matrix else HEIGHT)
        self.matrix.setVisible(on_matrix)
        self.row_cursor.setVisible(on_matrix and self.cursor.isVisible())
        if on_matrix:
            self._show_similarity()
        self._fit_y()

    def _show_similarity(self) -> None:
        if self._similarity_stale:
            self.similarity = None if self._poses is None else similarity_image(*self._poses)
            self._similarity_stale = False
        if self.similarity is None:
            self.matrix.clear()
            return
        frames = self.similarity.frames
        step = float(frames[1] - frames[0]) if len(frames) > 1 else 1.0
        self.matrix.setImage(self.similarity.shades, levels=(0.0, 1.0))
        side = step * len(frames)
        self.matrix.setRect(QRectF(frames[0] - step / 2, frames[0] - step / 2, side, side))

    def _fit_y(self) -> None:
        axis = self.getAxis("left")
        if self.view == SELF_SIMILARITY:
            axis.setTicks(None)
            self.setYRange(0, max(self._frame_count - 1, 1), padding=0.01)
            return
        if self.view == "Joint angles":
            self.setYRange(-8, 265, padding=0)  # room above 180° for the legend
            axis.setTicks([[(0, "0°"), (90, "90°"), (180, "180°")]])
            return
        axis.setTicks(None)
        values = [self._curves[name].getData()[1] for name in VIEWS[self.view]]
        finite = np.concatenate([v[np.isfinite(v)] for v in values if v is not None and len(v)] or [np.zeros(0)])
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        span = max(high - low, 1e-6)
        self.setYRange(low - 0.05 * span, high + 0.45 * span, padding=0)  # the top for the legend

    # --- playhead and mouse ----------------------------------------------------------------
    def set_current(self, frame: int | None) -> None:
        self.cursor.setVisible(frame is not None)
        self.row_cursor.setVisible(frame is not None and self.view == SELF_SIMILARITY)
        if frame is not None:
            self.cursor.setValue(frame)
            self.row_cursor.setValue(frame)

    def cursor_frame(self) -> int:
        return int(round(self.cursor.value()))

    def curve(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._curves[name].getData()
        return (np.zeros(0), np.zeros(0)) if x is None else (x, y)

    def visible_curves(self) -> list[str]:
        return [name for name, item in self._curves.items() if item.isVisible()]

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        box = self.__dict__.get("view_box")  # the first resize comes while the plot is being built
        if box is not None:
            hint = box.sizeHint()
            box.setGeometry(self.width() - hint.width() - 4, 2, hint.width(), hint.height())

    def _frame_at(self, x: float) -> int:
        view = self.getPlotItem().vb.mapSceneToView(self.mapToScene(int(x), 0))
        return int(min(max(round(view.x()), 0), max(self._frame_count - 1, 0)))

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._frame_count:
            self._dragging = True
            self.frameRequested.emit(self._frame_at(event.position().x()))
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._dragging and event.buttons() & Qt.MouseButton.LeftButton:
            self.frameRequested.emit(self._frame_at(event.position().x()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        self._dragging = False
        super().mouseReleaseEvent(event)
