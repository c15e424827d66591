"""Stage-by-stage time alignment of two clips."""

from __future__ import annotations

from inference.assess.stage_sync import aligned_frame


def test_transitions_meet_and_stages_stretch_linearly():
    a, b = (20, 70), (30, 60)
    assert [aligned_frame(t, a, 90, b, 100) for t in (0, 20, 70)] == [0, 30, 60]
    assert aligned_frame(45, a, 90, b, 100) == 45  # halfway through flight: halfway through its flight
    assert aligned_frame(89, a, 90, b, 100) == 98  # entry stretched 20 -> 40 frames: 60 + 19/20 * 40
    assert aligned_frame(500, a, 90, b, 100) <= 99 and aligned_frame(-3, a, 90, b, 100) == 0


def test_without_matching_stages_the_clips_map_end_to_end():
    assert aligned_frame(45, (20, 70), 91, (), 181) == 90
