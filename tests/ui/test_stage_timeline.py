"""StageTimeline: drags with real mouse events, one edit per gesture, clamping, model band."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from app.sports_templates import load_sport
from app.ui.stage_timeline import StageTimeline, clamp_transition, even_split

T = 100


@pytest.fixture
def stages(qtbot) -> StageTimeline:
    widget = StageTimeline()
    qtbot.addWidget(widget)
    widget.resize(408, widget.sizeHint().height())  # 400 px for 100 frames: 4 px a frame
    diving = load_sport("diving")
    widget.set_clip(T, diving.stage_names, diving.colors)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def record(widget: StageTimeline) -> tuple[list, list]:
    edits: list = []
    seeks: list = []
    widget.transitionsEdited.connect(edits.append)
    widget.frameRequested.connect(seeks.append)
    return edits, seeks


def drag(widget: StageTimeline, from_x: float, to_xs: list[float]) -> None:
    y = widget.expert_rect().center().y()
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, pos=QPoint(round(from_x), y))
    for x in to_xs:
        QTest.mouseMove(widget, QPoint(round(x), y))
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(round(to_xs[-1]), y))


def color_at(widget: StageTimeline, x: float, y: int) -> QColor:
    image = widget.grab().toImage()
    ratio = image.devicePixelRatio()
    return QColor(image.pixel(int(x * ratio), int(y * ratio)))


def test_drag_previews_then_emits_exactly_one_edit_on_release(stages):
    stages.set_expert([30, 60])
    edits, seeks = record(stages)
    axis = stages.axis()
    y = stages.expert_rect().center().y()
    QTest.mousePress(stages, Qt.MouseButton.LeftButton, pos=QPoint(round(axis.x_of_boundary(30)), y))
    for frame in (33, 38, 42):
        QTest.mouseMove(stages, QPoint(round(axis.x_of_boundary(frame)), y))
    assert stages.shown_expert() == [42, 60] and edits == []  # preview only
    QTest.mouseRelease(stages, Qt.MouseButton.LeftButton, pos=QPoint(round(axis.x_of_boundary(42)), y))
    assert edits == [[42, 60]] and seeks == []
    # The band shows what the owner gives it, not the preview: it applies the edit or not.
    assert stages.shown_expert() == [30, 60]
    stages.set_expert(edits[0])
    assert stages.expert() == [42, 60]


def test_drag_clamps_so_every_stage_keeps_a_frame(stages):
    stages.set_expert([30, 60])
    edits, _ = record(stages)
    axis = stages.axis()
    drag(stages, axis.x_of_boundary(30), [axis.x_of_boundary(80)])  # past the next transition
    drag(stages, axis.x_of_boundary(60), [stages.width() + 40])  # past the clip's end
    drag(stages, axis.x_of_boundary(30), [-40])  # before the first frame
    assert edits == [[59, 60], [30, 99], [1, 60]]
    assert clamp_transition([30, 60], 1, 10, T) == 31


def test_a_drag_that_ends_where_it_began_emits_nothing(stages):
    stages.set_expert([30, 60])
    edits, _ = record(stages)
    x = stages.axis().x_of_boundary(60)
    drag(stages, x, [x + 30, x])
    assert edits == []


def test_click_away_from_handles_requests_the_frame(stages):
    stages.set_expert([30, 60])
    edits, seeks = record(stages)
    axis = stages.axis()
    QTest.mouseClick(stages, Qt.MouseButton.LeftButton,
                     pos=QPoint(round(axis.x_of_center(45)), stages.expert_rect().center().y()))
    drag(stages, axis.x_of_center(10), [axis.x_of_center(12), axis.x_of_center(12), axis.x_of_center(20)])
    assert seeks == [45, 10, 12, 20] and edits == []


def test_model_band_is_drawn_hatched_beside_the_expert_band(stages):
    diving = load_sport("diving")
    band = stages.model_rect()
    y = band.center().y()
    x = stages.axis().x_of_center(80)  # inside "entry" for both
    background = color_at(stages, x, y)
    stages.set_expert([30, 60])
    assert color_at(stages, x, y) == background  # no model yet: nothing in the model band
    assert color_at(stages, x, stages.expert_rect().top() + 2) == QColor(diving.colors[2])
    stages.set_model([35, 70])
    entry = QColor(diving.colors[2])
    row = {color_at(stages, x + dx, y).name() for dx in range(8)}
    assert row <= {entry.lighter(135).name(), entry.darker(160).name()} and len(row) == 2  # hatched
    assert stages.tooltip_at(stages.axis().x_of_center(65), y) == "model: flight, frames 35-69"
    assert stages.tooltip_at(stages.axis().x_of_center(65), 8) == "expert: entry, frames 60-99"


def test_model_only_and_invalid_transitions(stages):
    stages.set_model([20, 50])
    assert stages.expert() is None
    stages.grab()
    assert stages.tooltip_at(10, 8) == "no expert stages yet"
    with pytest.raises(ValueError, match="expert transitions"):
        stages.set_expert([50, 50])
    with pytest.raises(ValueError, match="model transitions"):
        stages.set_model([0, 50])


def test_transition_at_playhead_moves_one_transition(stages):
    stages.set_expert([30, 60])
    edits, _ = record(stages)
    stages.set_current(45)
    assert stages.transition_at_playhead(0) is True
    assert stages.transition_at_playhead(1) is True
    assert edits == [[45, 60], [30, 45]]
    stages.set_current(70)
    assert stages.transition_at_playhead(0) is False  # would pass the next transition
    assert stages.transition_at_playhead(2) is False  # diving has two transitions
    stages.set_current(0)
    assert stages.transition_at_playhead(0) is False  # a stage before frame 0 cannot exist
    assert len(edits) == 2


def test_transition_at_playhead_without_expert_stages_starts_a_split(stages):
    edits, _ = record(stages)
    assert stages.transition_at_playhead(0) is False  # no playhead yet
    stages.set_current(70)
    assert stages.transition_at_playhead(0) is True
    stages.set_current(40)
    assert stages.transition_at_playhead(1) is True
    assert stages.transition_at_playhead(0) is True
    assert edits == [[70, 85], [20, 40], [40, 70]]
    stages.set_current(99)
    assert stages.transition_at_playhead(1) is True and edits[-1] == [50, 99]
    assert stages.transition_at_playhead(0) is False  # nothing left for the last stage
    assert even_split(3, 0, 90) == [30, 60]


def test_playhead_is_drawn(stages):
    stages.set_expert([30, 60])
    x = stages.axis().x_of_center(45)
    y = stages.expert_rect().bottom() - 1
    assert color_at(stages, x, y) != QColor("white")
    stages.set_current(45)
    assert color_at(stages, x, y) == QColor("white")
