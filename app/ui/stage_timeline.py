"""Stages of a clip as coloured segments, with draggable transition handles.

Two bands share the frame axis of FrameTimeline: the expert's stages (tall, named, with a
handle at each transition) and, below, the model's predicted stages (thin and hatched) when
set. Under them, feedback markers (:class:`TimelineMarker`) span the frames each feedback item
is about, coloured by severity; clicking one emits markerClicked(index). Dragging a handle only moves the preview; on release the widget emits transitionsEdited
once with the new transitions and goes back to showing what it was given, so one gesture is
one edit and the view never owns the data: the owner applies the edit and calls set_expert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from app.edits.validation import check_stages
from app.errors import EditError
from app.ui.frame_timeline import MARGIN, FrameAxis, draw_playhead

HANDLE_REACH = 5  # px either side of a transition where a press grabs its handle
EXPERT_TOP, EXPERT_HEIGHT = 4, 22
MODEL_GAP, MODEL_HEIGHT = 3, 9
MARKER_GAP, MARKER_LANE, MARKER_LANES = 3, 7, 3  # feedback markers: overlapping ranges take lanes


def even_split(stage_count: int, first: int, last: int) -> list[int]:
    """stage_count - 1 transitions splitting frames [first, last) into equal stages."""
    return [first + round(k * (last - first) / stage_count) for k in range(1, stage_count)]


def clamp_transition(transitions: Sequence[int], index: int, frame: int, frame_count: int) -> int:
    """``frame`` limited so that moving transition ``index`` there keeps every stage at least
    one frame long: between the previous transition + 1 (or 1) and the next - 1 (or T - 1)."""
    low = transitions[index - 1] + 1 if index > 0 else 1
    high = transitions[index + 1] - 1 if index + 1 < len(transitions) else frame_count - 1
    return min(max(int(frame), low), high)


@dataclass(frozen=True)
class TimelineMarker:
    """A feedback item on the timeline: its first and last frame, its text and severity in [0, 1]."""

    start: int
    end: int
    text: str
    severity: float


def marker_lanes(markers: Sequence[TimelineMarker], lanes: int = MARKER_LANES) -> list[int]:
    """The lane of each marker: the first whose markers end before it starts (the last lane
    takes what does not fit)."""
    ends: list[int] = []
    out = []
    for marker in markers:
        lane = next((k for k, end in enumerate(ends) if end < marker.start), None)
        if lane is None and len(ends) < lanes:
            lane = len(ends)
            ends.append(marker.end)
        elif lane is None:
            lane = lanes - 1  # crowded: the last lane is shared
        ends[lane] = max(ends[lane], marker.end)
        out.append(lane)
    return out


def severity_color(severity: float) -> QColor:
    """Yellow for a light point, red for a major one."""
    s = min(1.0, max(0.0, severity))
    return QColor.fromHsvF((50 - 50 * s) / 360, 0.85, 0.95)


def _text_color(background: QColor) -> QColor:
    luminance = 0.299 * background.red() + 0.587 * background.green() + 0.114 * background.blue()
    return QColor("black") if luminance > 140 else QColor("white")


class StageTimeline(QWidget):
    """Expert and model stage bands over the clip; drag a handle to move a transition.

    Signals: transitionsEdited(list[int]) once per gesture (release of a drag, or
    transition_at_playhead), with strictly increasing transitions inside 1..T-1;
    frameRequested(int) for a click (or drag) away from the handles.
    """

    transitionsEdited = Signal(list)
    frameRequested = Signal(int)
    markerClicked = Signal(int)  # index into the markers given to set_markers

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame_count = 0
        self._names: tuple[str, ...] = ()
        self._colors: tuple[QColor, ...] = ()
        self._expert: list[int] | None = None
        self._model: list[int] | None = None
        self._markers: list[TimelineMarker] = []
        self._lanes: list[int] = []
        self._current: int | None = None
        self._drag_index: int | None = None
        self._preview: list[int] | None = None
        self._seeking = False
        self._last_requested: int | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(EXPERT_TOP + EXPERT_HEIGHT + MODEL_GAP + MODEL_HEIGHT + MARKER_GAP
                              + MARKER_LANES * MARKER_LANE + 2)

    def sizeHint(self) -> QSize:
        return QSize(400, self.minimumHeight())

    # --- state from the owner ---------------------------------------------------------------

    def set_clip(self, frame_count: int, stage_names: Sequence[str], colors: Sequence[str]) -> None:
        """A new clip: its frame count and its sport's stage names and "#RRGGBB" colours."""
        if len(stage_names) != len(colors):
            raise ValueError(f"{len(stage_names)} stage names but {len(colors)} colours")
        self._frame_count = max(int(frame_count), 0)
        self._names = tuple(stage_names)
        self._colors = tuple(QColor(c) for c in colors)
        self._expert = self._model = None
        self._markers, self._lanes = [], []
        self._current = None
        self._end_drag()
        self.update()

    def set_expert(self, transitions: Sequence[int] | None) -> None:
        """The expert's transitions (K-1 frames), or None where there are none yet."""
        self._expert = None if transitions is None else self._checked(transitions, "expert")
        self._end_drag()
        self.update()

    def set_model(self, transitions: Sequence[int] | None) -> None:
        """The model's predicted transitions, or None."""
        self._model = None if transitions is None else self._checked(transitions, "model")
        self.update()

    def set_markers(self, markers: Sequence[TimelineMarker]) -> None:
        """The feedback items of the clip (ranges outside the clip are clipped to it)."""
        last = max(self._frame_count - 1, 0)
        self._markers = [TimelineMarker(min(max(m.start, 0), last), min(max(m.end, m.start, 0), last), m.text,
                                        m.severity) for m in markers]
        order = sorted(range(len(self._markers)), key=lambda i: (self._markers[i].start, self._markers[i].end))
        lanes = marker_lanes([self._markers[i] for i in order])
        self._lanes = [0] * len(self._markers)
        for i, lane in zip(order, lanes):
            self._lanes[i] = lane
        self.update()

    def markers(self) -> list[TimelineMarker]:
        return list(self._markers)

    def set_current(self, frame: int | None) -> None:
        if frame != self._current:
            self._current = frame
            self.update()

    def expert(self) -> list[int] | None:
        return None if self._expert is None else list(self._expert)

    def model(self) -> list[int] | None:
        return None if self._model is None else list(self._model)

    def shown_expert(self) -> list[int] | None:
        """What the expert band shows now: the drag preview during a drag."""
        shown = self._preview if self._preview is not None else self._expert
        return None if shown is None else list(shown)

    def _checked(self, transitions: Sequence[int], what: str) -> list[int]:
        transitions = [int(t) for t in transitions]
        try:
            check_stages(list(self._names), transitions, self._frame_count)
        except EditError as exc:
            raise ValueError(f"{what} transitions {transitions}: {exc}") from exc
        return transitions

    # --- edits ------------------------------------------------------------------------------

    def transition_at_playhead(self, index: int) -> bool:
        """Move transition ``index`` to the current frame and emit transitionsEdited.

        Without expert transitions, starts from a default split around the playhead (the
        stages before it share the frames before the playhead evenly, those after it the
        rest). Returns False, emitting nothing, when there is no playhead, the index is out of
        range, or the result would not be strictly increasing inside 1..T-1.
        """
        K = len(self._names)
        if self._current is None or not 0 <= index < K - 1:
            return False
        current = int(self._current)
        if self._expert is None:
            transitions = (even_split(index + 1, 0, current) + [current]
                           + even_split(K - 1 - index, current, self._frame_count))
        else:
            transitions = list(self._expert)
            transitions[index] = current
        try:
            check_stages(list(self._names), transitions, self._frame_count)
        except EditError:
            return False
        self.transitionsEdited.emit(transitions)
        return True

    # --- geometry -----------------------------------------------------------------------------

    def axis(self) -> FrameAxis:
        return FrameAxis(self._frame_count, MARGIN, self.width() - 2 * MARGIN)

    def expert_rect(self) -> QRect:
        return QRect(MARGIN, EXPERT_TOP, max(self.width() - 2 * MARGIN, 1), EXPERT_HEIGHT)

    def model_rect(self) -> QRect:
        return QRect(MARGIN, EXPERT_TOP + EXPERT_HEIGHT + MODEL_GAP, max(self.width() - 2 * MARGIN, 1),
                     MODEL_HEIGHT)

    def marker_rect(self, index: int) -> QRectF:
        """Where marker ``index`` is drawn: from its first frame's left edge to its last's right."""
        marker, axis = self._markers[index], self.axis()
        top = self.model_rect().bottom() + 1 + MARKER_GAP + self._lanes[index] * MARKER_LANE
        left, right = axis.x_of_boundary(marker.start), axis.x_of_boundary(marker.end + 1)
        return QRectF(left, top, max(right - left, 4.0), MARKER_LANE - 2)

    def marker_at(self, x: float, y: float) -> int | None:
        """The marker under the pointer (the most severe where several are), or None."""
        hits = [i for i in range(len(self._markers)) if self.marker_rect(i).adjusted(-2, -1, 2, 1).contains(x, y)]
        return max(hits, key=lambda i: self._markers[i].severity) if hits else None

    def handle_at(self, x: float) -> int | None:
        """Index of the expert transition whose handle is under pixel x (nearest wins)."""
        shown = self.shown_expert()
        if not shown or self._frame_count == 0:
            return None
        axis = self.axis()
        distances = [abs(axis.x_of_boundary(t) - x) for t in shown]
        best = min(range(len(shown)), key=distances.__getitem__)
        return best if distances[best] <= HANDLE_REACH else None

    def stage_at(self, frame: int, transitions: Sequence[int]) -> int:
        return sum(1 for t in transitions if t <= frame)

    # --- painting -----------------------------------------------------------------------------

    def _segments(self, transitions: Sequence[int]) -> list[tuple[int, int, int]]:
        edges = [0, *transitions, self._frame_count]
        return [(k, edges[k], edges[k + 1]) for k in range(len(edges) - 1)]

    def _segment_rect(self, band: QRect, start: int, end: int) -> QRectF:
        axis = self.axis()
        left, right = axis.x_of_boundary(start), axis.x_of_boundary(end)
        return QRectF(left, band.top(), right - left, band.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        expert_band, model_band = self.expert_rect(), self.model_rect()
        shown = self.shown_expert()
        if self._frame_count == 0 or not self._names:
            painter.fillRect(expert_band, QColor("#3A3A3A"))
            return
        if shown is None:
            painter.fillRect(expert_band, QColor("#3A3A3A"))
            painter.setPen(QColor("#BBBBBB"))
            painter.drawText(expert_band, Qt.AlignmentFlag.AlignCenter, "no expert stages yet")
        else:
            self._paint_expert(painter, expert_band, shown)
        if self._model is not None:
            self._paint_model(painter, model_band, self._model)
        for i, marker in enumerate(self._markers):
            rect = self.marker_rect(i)
            painter.fillRect(rect, severity_color(marker.severity))
            painter.fillRect(QRectF(rect.left(), rect.top(), 2, rect.height()), QColor("#202020"))
        if self._current is not None and 0 <= self._current < self._frame_count:
            draw_playhead(painter, int(self.axis().x_of_center(self._current)), 0, self.height() - 1)
        painter.end()

    def _paint_expert(self, painter: QPainter, band: QRect, transitions: Sequence[int]) -> None:
        metrics = painter.fontMetrics()
        for k, start, end in self._segments(transitions):
            rect = self._segment_rect(band, start, end)
            color = self._colors[k]
            painter.fillRect(rect, color)
            text = metrics.elidedText(self._names[k], Qt.TextElideMode.ElideRight, int(rect.width()) - 6)
            if text and text != "…":
                painter.setPen(_text_color(color))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        axis = self.axis()
        for i, t in enumerate(transitions):
            x = round(axis.x_of_boundary(t))
            active = i == self._drag_index
            painter.fillRect(QRect(x - 2, band.top() - 3, 5, band.height() + 6),
                             QColor("white") if active else QColor("#202020"))
            painter.fillRect(QRect(x - 1, band.top() - 2, 3, band.height() + 4),
                             QColor("#202020") if active else QColor("#F0F0F0"))

    def _paint_model(self, painter: QPainter, band: QRect, transitions: Sequence[int]) -> None:
        for k, start, end in self._segments(transitions):
            rect = self._segment_rect(band, start, end)
            color = self._colors[k]
            painter.fillRect(rect, color.lighter(135))
            painter.fillRect(rect, QBrush(color.darker(160), Qt.BrushStyle.BDiagPattern))
        painter.setPen(QPen(QColor("#202020"), 1))
        axis = self.axis()
        for t in transitions:
            x = round(axis.x_of_boundary(t))
            painter.drawLine(x, band.top(), x, band.bottom())

    # --- mouse --------------------------------------------------------------------------------

    def _end_drag(self) -> None:
        self._drag_index = None
        self._preview = None

    def _request(self, x: float) -> None:
        frame = self.axis().frame_at(x)
        if frame != self._last_requested:
            self._last_requested = frame
            self.frameRequested.emit(frame)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._frame_count == 0:
            super().mousePressEvent(event)
            return
        x = event.position().x()
        marker = self.marker_at(x, event.position().y())
        if marker is not None:
            self.markerClicked.emit(marker)
            event.accept()
            return
        handle = self.handle_at(x)
        if handle is not None:
            self._drag_index = handle
            self._preview = list(self._expert)
        else:
            self._seeking = True
            self._last_requested = None
            self._request(x)
        event.accept()
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        x = event.position().x()
        if self._drag_index is not None:
            frame = clamp_transition(self._preview, self._drag_index, self.axis().boundary_at(x), self._frame_count)
            if frame != self._preview[self._drag_index]:
                self._preview[self._drag_index] = frame
                self.update()
        elif self._seeking and event.buttons() & Qt.MouseButton.LeftButton:
            self._request(x)
        else:
            over = self.handle_at(x) is not None
            self.setCursor(Qt.CursorShape.SizeHorCursor if over else Qt.CursorShape.ArrowCursor)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        self._seeking = False
        if self._drag_index is None:
            return
        edited, before = self._preview, self._expert
        # Back to what the owner gave us before telling it: if it applies the edit it calls
        # set_expert (synchronously or later); if it refuses, the band shows the truth.
        self._end_drag()
        self.update()
        if edited != before:
            self.transitionsEdited.emit(list(edited))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(event.pos().x(), event.pos().y())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def tooltip_at(self, x: float, y: float) -> str:
        """"expert: flight, frames 30-59" (or "model: ...") for the band under the pointer."""
        if self._frame_count == 0 or not self._names:
            return ""
        marker = self.marker_at(x, y)
        if marker is not None:
            m = self._markers[marker]
            return f"frames {m.start}-{m.end}: {m.text}" if m.end != m.start else f"frame {m.start}: {m.text}"
        if y > self.model_rect().bottom() + MARKER_GAP / 2:
            return ""
        on_model = y >= self.model_rect().top() - MODEL_GAP / 2
        transitions = self._model if on_model else self.shown_expert()
        if transitions is None:
            return "" if on_model else "no expert stages yet"
        k = self.stage_at(self.axis().frame_at(x), transitions)
        edges = [0, *transitions, self._frame_count]
        return f"{'model' if on_model else 'expert'}: {self._names[k]}, frames {edges[k]}-{edges[k + 1] - 1}"
