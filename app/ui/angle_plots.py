"""Joint angles over the clip under the video, with a cursor that follows the playhead.

The curves (:func:`inference.assess.kinematics.angle_curves`) are read from the working
poses when the clip or its poses change; the cursor moves with every shown frame, and a
click or drag on the plot asks for that frame (``frameRequested``), as on the timelines.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from inference.assess.kinematics import CURVES, angle_curves

COLORS = {"knees": "#E8833A", "hips": "#4A90D9", "elbows": "#7BC96F", "trunk to vertical": "#D9D94A"}
HEIGHT = 130
MIN_HEIGHT = 60  # a small window squeezes the plot before the video


class AnglePlots(pg.PlotWidget):
    frameRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="#202124")
        self.setObjectName("anglePlots")
        self.setMinimumHeight(MIN_HEIGHT)
        self.setMaximumHeight(HEIGHT)
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setYRange(-8, 265, padding=0)  # room above 180° for the legend
        self.getAxis("left").setTicks([[(0, "0°"), (90, "90°"), (180, "180°")]])
        self.getAxis("left").setWidth(36)
        self.showGrid(x=False, y=True, alpha=0.25)
        legend = self.addLegend(offset=(40, 1), labelTextColor="#DDDDDD", labelTextSize="7pt", colCount=4)
        self._curves = {name: self.plot([], [], pen=pg.mkPen(COLORS[name], width=1.6), name=name, connect="finite")
                        for name in CURVES}
        legend.setZValue(10)
        self.cursor = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen("#FFFFFF", width=1))
        self.addItem(self.cursor)
        self._frame_count = 0
        self._dragging = False

    def set_track(self, track, frame_count: int) -> None:
        """The clip's working :class:`~app.store.records.PoseTrack` (None: no clip)."""
        if track is None or track.schema is None or len(track.frames) == 0:
            self.set_poses(None, None, frame_count)
            return
        keypoints = np.full((frame_count, *track.keypoints.shape[1:]), np.nan, np.float32)
        inside = track.frames < frame_count
        keypoints[track.frames[inside]] = track.keypoints[inside]
        self.set_poses(keypoints, track.schema, frame_count)

    def set_poses(self, keypoints: np.ndarray | None, schema: str | None, frame_count: int) -> None:
        """The clip's working poses (T, J, 3) with NaN where unknown, or None to clear."""
        self._frame_count = frame_count
        curves = angle_curves(keypoints, schema) if keypoints is not None and schema else {}
        frames = np.arange(frame_count)
        for name, item in self._curves.items():
            values = curves.get(name)
            item.setData(frames, values) if values is not None else item.setData([], [])
        self.setXRange(0, max(frame_count - 1, 1), padding=0.01)

    def set_current(self, frame: int | None) -> None:
        self.cursor.setVisible(frame is not None)
        if frame is not None:
            self.cursor.setValue(frame)

    def cursor_frame(self) -> int:
        return int(round(self.cursor.value()))

    def curve(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._curves[name].getData()
        return (np.zeros(0), np.zeros(0)) if x is None else (x, y)

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
