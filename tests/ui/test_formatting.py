"""Qt-free text of the interface."""

from __future__ import annotations

from app.ui.formatting import fps_text, frame_text, timecode


def test_text_helpers():
    assert timecode(0) == "00:00:00.000"
    assert timecode(3723.4567) == "01:02:03.457"
    assert timecode(-1) == "00:00:00.000"
    assert fps_text(25.0) == "25" and fps_text(30000 / 1001) == "29.97"
    assert frame_text(3, 60) == "Frame 3 / 59"
