"""FrameTimeline: a real widget, offscreen; pixels checked on a grabbed image."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from app.attention import FrameStatus
from app.ui.frame_timeline import STATUS_COLORS, FrameTimeline, StatusLegend, status_strip


@pytest.fixture
def timeline(qtbot) -> FrameTimeline:
    widget = FrameTimeline()
    qtbot.addWidget(widget)
    widget.resize(408, 18)  # a 400 px strip between the 4 px margins
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def statuses_of(n: int) -> np.ndarray:
    out = np.full(n, FrameStatus.MODEL, np.uint8)
    out[10:20] = FrameStatus.LOST
    out[50:60] = FrameStatus.MANUAL
    out[80:90] = FrameStatus.LOW_CONFIDENCE
    return out


def pixel(widget: FrameTimeline, x: int) -> str:
    image = widget.grab().toImage()
    ratio = image.devicePixelRatio()
    return QColor(image.pixel(int(x * ratio), int(widget.strip_rect().center().y() * ratio))).name().upper()


def test_paints_each_frame_in_its_status_colour(timeline):
    timeline.set_clip(100)
    timeline.set_statuses(statuses_of(100))
    axis = timeline.axis()
    for frame, status in [(5, FrameStatus.MODEL), (15, FrameStatus.LOST), (55, FrameStatus.MANUAL),
                          (85, FrameStatus.LOW_CONFIDENCE)]:
        assert pixel(timeline, int(axis.x_of_center(frame))) == STATUS_COLORS[status], frame


def test_a_single_urgent_frame_survives_when_frames_outnumber_pixels(timeline):
    statuses = np.full(5000, FrameStatus.MODEL, np.uint8)
    statuses[2501] = FrameStatus.LOST
    timeline.set_clip(5000)
    timeline.set_statuses(statuses)
    x = int(timeline.axis().x_of_center(2501))
    assert pixel(timeline, x) == STATUS_COLORS[FrameStatus.LOST]
    assert pixel(timeline, x - 20) == STATUS_COLORS[FrameStatus.MODEL]
    assert list(status_strip(np.array([1, 6, 1, 1], np.uint8), 2)) == [6, 1]


def test_repaint_of_5000_frames_is_fast(timeline):
    timeline.set_clip(5000)
    timeline.set_statuses(np.random.default_rng(0).integers(0, 7, 5000).astype(np.uint8))
    timeline.grab()  # builds the cached strip
    start = time.perf_counter()
    for f in range(20):
        timeline.set_current(f * 100)
        timeline.grab()
    assert (time.perf_counter() - start) / 20 < 0.01
    start = time.perf_counter()
    timeline.set_statuses(np.zeros(5000, np.uint8))
    timeline.grab()
    assert time.perf_counter() - start < 0.02


def test_click_and_drag_request_frames(qtbot, timeline):
    timeline.set_clip(100)
    axis = timeline.axis()
    seen: list[int] = []
    timeline.frameRequested.connect(seen.append)
    y = timeline.height() // 2
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(axis.x_of_center(37)), y))
    assert seen == [37]
    seen.clear()
    QTest.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(axis.x_of_center(10)), y))
    for frame in (10, 11, 11, 40):
        QTest.mouseMove(timeline, QPoint(int(axis.x_of_center(frame)), y))
    QTest.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(axis.x_of_center(40)), y))
    assert seen == [10, 11, 40]
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(timeline.width() + 50, y))
    assert seen[-1] == 99  # clamped into the clip


def test_playhead_and_tooltip(timeline):
    timeline.set_clip(100)
    timeline.set_statuses(statuses_of(100))
    x = int(timeline.axis().x_of_center(30))
    assert pixel(timeline, x) == STATUS_COLORS[FrameStatus.MODEL]
    timeline.set_current(30)
    assert pixel(timeline, x) == "#FFFFFF"
    assert timeline.tooltip_at(timeline.axis().x_of_center(15)) == "frame 15: athlete lost"
    assert timeline.tooltip_at(timeline.axis().x_of_center(55)) == "frame 55: manual"


def test_wrong_length_is_refused_and_no_clip_paints(timeline):
    timeline.set_clip(10)
    with pytest.raises(ValueError, match="9 statuses for a clip of 10"):
        timeline.set_statuses(np.zeros(9, np.uint8))
    timeline.set_clip(0)
    timeline.grab()
    assert timeline.tooltip_at(10) == ""


def test_legend_names_every_status(qtbot):
    legend = StatusLegend()
    qtbot.addWidget(legend)
    from PySide6.QtWidgets import QLabel
    texts = {label.text() for label in legend.findChildren(QLabel)}
    assert {"model", "interpolated", "low confidence", "athlete lost", "manual", "reviewed", "no pose"} <= texts
