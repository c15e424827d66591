"""The dive reader on generated dives whose numbers are known, and on poses too poor to read."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from inference.action.dive_reading import UNSURE, read_dive
from inference.action.synthetic_dives import EVERY_KIND, generate_dive
from inference.skeletons import convert


def _read(dive, **kwargs):
    return read_dive(dive.sample.keypoints, dive.sample.schema, dive.sample.transitions, camera=dive.camera,
                     **kwargs)


@pytest.mark.parametrize("code", EVERY_KIND)
def test_every_group_and_position_is_read(code):
    # Three and a half twists are counted at 60 frames a second: at 30 a half twist lasts
    # about three frames and the reader says it is unsure.
    fps = 60.0 if code == "5337D" else 30.0
    for water_on_right in (True, False):
        dive = generate_dive(code, seed=0, water_on_right=water_on_right, fps=fps)
        reading = _read(dive)
        assert reading.code == dive.dive.code, (reading.unsure, {k: p.value for k, p in reading.parts.items()})
        assert reading.confidence >= UNSURE
        for part in reading.parts.values():
            first, last = part.frames
            assert 0 <= first <= last < dive.sample.num_frames


def test_parts_say_which_frames_decided_them():
    dive = generate_dive("407C", seed=1)
    take_off, flight_end = dive.sample.transitions
    reading = _read(dive)
    first, last = reading.parts["somersaults"].frames
    assert first <= take_off and last >= flight_end - 1
    first, last = reading.parts["position"].frames
    assert take_off <= first <= last < flight_end
    assert "tuck" in reading.parts["position"].evidence


def test_a_panning_camera_is_taken_out_with_its_motion():
    dive = generate_dive("305B", seed=2, camera_follow=True)
    assert _read(dive).code == "305B"
    # Without the camera's motion the pan hides the travel away from the board.
    still = read_dive(dive.sample.keypoints, "mpii16", dive.sample.transitions)
    assert still.parts["group"].confidence < _read(dive).parts["group"].confidence


def test_a_single_head_for_feet_frame_is_ignored():
    dive = generate_dive("205C", seed=3)
    keypoints = dive.sample.keypoints.copy()
    take_off, flight_end = dive.sample.transitions
    middle = (take_off + flight_end) // 2
    hips = keypoints[middle, [2, 3], :2].mean(0)
    keypoints[middle, :, :2] = 2 * hips - keypoints[middle, :, :2]  # turned half a turn
    assert read_dive(keypoints, "mpii16", dive.sample.transitions).code == "205C"


def test_left_right_swaps_do_not_add_twists():
    dive = generate_dive("5231D", seed=4)
    keypoints = dive.sample.keypoints.copy()
    take_off, flight_end = dive.sample.transitions
    mirror = [5, 4, 3, 2, 1, 0, 6, 7, 8, 9, 15, 14, 13, 12, 11, 10]
    for t in range(take_off + 2, flight_end - 2, 5):
        keypoints[t] = keypoints[t, mirror]
    assert read_dive(keypoints, "mpii16", dive.sample.transitions).parts["twists"].value == 1


def test_another_skeleton_reads_the_same():
    dive = generate_dive("107B", seed=5)
    coco = convert(dive.sample.keypoints, "mpii16", "coco17").keypoints
    assert read_dive(coco, "coco17", dive.sample.transitions).code == "107B"


def test_poses_lost_through_the_flight_give_unsure_not_a_guess():
    dive = generate_dive("109C", seed=6, lost_frames=0.6)
    reading = _read(dive)
    assert reading.code is None
    assert reading.unsure
    assert reading.confidence < UNSURE


def test_a_twist_too_fast_for_the_frame_rate_is_unsure_or_right():
    reading = _read(generate_dive("5337D", seed=0, fps=25.0))
    assert reading.code in (None, "5337D")
    assert reading.code is not None or reading.parts["twists"].confidence < UNSURE


def test_a_flight_too_short_to_read_is_unsure():
    dive = generate_dive("101A", seed=7)
    take_off = dive.sample.transitions[0]
    reading = read_dive(dive.sample.keypoints, "mpii16", (take_off, take_off + 3))
    assert reading.code is None and reading.guess is None
    assert "at least" in reading.unsure


def test_a_view_from_the_front_says_twists_cannot_be_told():
    dive = generate_dive("5132D", seed=8, yaw_deg=70.0)
    reading = _read(dive)
    assert reading.code is None
    assert reading.parts["twists"].value is None
    assert "side" in reading.parts["twists"].evidence


def test_bad_arguments_are_refused():
    dive = generate_dive("403C", seed=9)
    with pytest.raises(ValueError, match="transitions"):
        read_dive(dive.sample.keypoints, "mpii16", (50, 10))
    with pytest.raises(ValueError, match="camera"):
        read_dive(dive.sample.keypoints, "mpii16", dive.sample.transitions, camera=np.zeros((3, 2, 3)))
    with pytest.raises(ValueError, match="poses"):
        read_dive(dive.sample.keypoints[..., :2], "mpii16", dive.sample.transitions)


def test_the_reading_is_plain_json():
    reading = _read(generate_dive("6243D", seed=10))
    data = json.loads(json.dumps(reading.to_json()))
    assert data["label"] == "6243D"
    assert data["parts"]["twists"]["value"] == 3
    assert data["description"].startswith("armstand back")
    assert all(math.isfinite(p["confidence"]) for p in data["parts"].values())
