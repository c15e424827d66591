"""The five skill dimensions as a radar chart: the athlete's polygon over the exemplar's.

Each axis runs from the centre (0) to the rim (1), the first dimension straight up and the
others clockwise. The exemplar polygon is drawn at the value a clip exactly like its
exemplar scores (0.85 by construction of the scale, inference.assess.dimensions), so the
coach sees at a glance where the athlete falls inside it. A dimension that could not be
measured is drawn at the centre and named "not measured" on its axis label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

ATHLETE_COLOR = "#E8833A"
EXEMPLAR_COLOR = "#4A90D9"
RINGS = (0.25, 0.5, 0.75, 1.0)
LABEL_RADIUS = 1.18
COMPACT_HEIGHT = 240  # px: below this the legend is hidden


def polygon(values: Sequence[float | None]) -> np.ndarray:
    """``(N + 1, 2)`` closed polygon of ``values`` in [0, 1] (None or NaN at the centre), the
    first axis straight up, the others clockwise."""
    n = len(values)
    radii = np.array([0.0 if v is None or not math.isfinite(v) else min(1.0, max(0.0, v)) for v in values])
    angles = math.pi / 2 - 2 * math.pi * np.arange(n) / n
    points = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)
    return np.vstack([points, points[:1]])


class RadarChart(pg.PlotWidget):
    """Call :meth:`set_dimensions`; :meth:`athlete_points` and :meth:`exemplar_points` give what
    is drawn (closed polygons in chart coordinates)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="#202124")
        self.setObjectName("radarChart")
        self.setAspectLocked(True)
        self.hideAxis("left")
        self.hideAxis("bottom")
        self.setMouseEnabled(False, False)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setRange(xRange=(-2.0, 2.0), yRange=(-2.45, 1.95), padding=0)
        self.setMinimumSize(160, 100)  # it shrinks with its dock; sizeHint is what it asks for
        self._names: tuple[str, ...] = ()
        self._athlete_points = self._exemplar_points = np.zeros((0, 2))
        self._grid: list[pg.PlotDataItem] = []
        self._labels: list[pg.TextItem] = []
        fill = QColor(EXEMPLAR_COLOR)
        fill.setAlpha(60)
        self._exemplar = pg.PlotDataItem(pen=pg.mkPen(EXEMPLAR_COLOR, width=2, style=Qt.PenStyle.DashLine),
                                         fillOutline=True, brush=fill, name="exemplar")
        fill = QColor(ATHLETE_COLOR)
        fill.setAlpha(110)
        self._athlete = pg.PlotDataItem(pen=pg.mkPen(ATHLETE_COLOR, width=2.5), fillOutline=True, brush=fill,
                                        symbol="o", symbolSize=7, symbolBrush=ATHLETE_COLOR, name="athlete")
        self._legend = self.addLegend(labelTextColor="#DDDDDD", labelTextSize="8pt")
        self._legend.anchor((0.5, 1), (0.5, 1), offset=(0, -2))  # under the chart, clear of the axis labels
        self.addItem(self._exemplar)  # under the athlete
        self.addItem(self._athlete)
        self._empty = pg.TextItem("", color="#AAAAAA", anchor=(0.5, 0.5))
        self.addItem(self._empty)

    def sizeHint(self) -> QSize:
        return QSize(340, 300)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # In a short dock the legend would sit on the axis labels; the labels matter more.
        if "_legend" in self.__dict__:
            self._legend.setVisible(self.height() >= COMPACT_HEIGHT)

    def set_dimensions(self, names: Sequence[str], athlete: Sequence[float | None],
                       exemplar: Sequence[float] | None, exemplar_label: str = "exemplar") -> None:
        """The dimensions' ``names``, the athlete's values and the exemplar's (None: no exemplar
        polygon). An empty ``names`` clears the chart."""
        if len(athlete) != len(names) or (exemplar is not None and len(exemplar) != len(names)):
            raise ValueError(f"{len(names)} dimensions but {len(athlete)} athlete values"
                             + ("" if exemplar is None else f" and {len(exemplar)} exemplar values"))
        if tuple(names) != self._names:
            self._draw_grid(tuple(names))
        for label, value in zip(self._labels, athlete):
            measured = value is not None and math.isfinite(value)
            name = label.name.replace(" ", "\n", 1)  # two short lines fit beside the chart
            label.setText(f"{name}\n{value:.2f}" if measured else f"{name}\nnot measured")
        self._athlete_points = polygon(athlete) if names else np.zeros((0, 2))
        self._exemplar_points = polygon(exemplar) if names and exemplar is not None else np.zeros((0, 2))
        self._athlete.setData(self._athlete_points[:, 0], self._athlete_points[:, 1])
        self._exemplar.setData(self._exemplar_points[:, 0], self._exemplar_points[:, 1])
        self._legend.clear()
        if len(self._athlete_points):
            self._legend.addItem(self._athlete, "athlete")
        if len(self._exemplar_points):
            self._legend.addItem(self._exemplar, exemplar_label)

    def clear_chart(self, message: str = "") -> None:
        self.set_dimensions((), (), None)
        self._empty.setText(message)

    def athlete_points(self) -> np.ndarray:
        return self._athlete_points.copy()

    def exemplar_points(self) -> np.ndarray:
        return self._exemplar_points.copy()

    def _draw_grid(self, names: tuple[str, ...]) -> None:
        for item in (*self._grid, *self._labels):
            self.removeItem(item)
        self._grid, self._labels, self._names = [], [], names
        self._empty.setText("")
        if not names:
            return
        pen = pg.mkPen("#555555", width=1)
        for ring in RINGS:
            ring_points = polygon([ring] * len(names))
            self._grid.append(self.plot(ring_points[:, 0], ring_points[:, 1], pen=pen))
        spokes = polygon([1.0] * len(names))[:-1]
        for (x, y), name in zip(spokes, names):
            self._grid.append(self.plot([0, x], [0, y], pen=pen))
            label = pg.TextItem("", color="#DDDDDD", anchor=(0.5 - 0.5 * _side(x), 0.5 + 0.5 * _side(y)))
            label.name = name
            label.setPos(x * LABEL_RADIUS, y * LABEL_RADIUS)
            self.addItem(label)
            self._labels.append(label)
        for item in self._grid:
            item.setZValue(-10)

    def axis_labels(self) -> list[str]:
        return [label.toPlainText() for label in self._labels]


def _side(coordinate: float) -> float:
    """-1, 0 or 1: which side of the centre an axis end lies on (0 when nearly on the line)."""
    return 0.0 if abs(coordinate) < 0.2 else math.copysign(1.0, coordinate)
