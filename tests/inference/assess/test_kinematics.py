"""Joint angle curves on generated dives whose body positions are known."""

from __future__ import annotations

import numpy as np

from inference.assess.kinematics import CURVES, angle_curves
from inference.assess.synthetic import synthetic_dive


def test_angle_curves_read_a_standing_body_a_pike_and_unknown_frames():
    dive = synthetic_dive(4, 0.95, "105B").sample
    curves = angle_curves(dive.keypoints, dive.schema)
    assert tuple(curves) == CURVES and all(c.shape == (dive.num_frames,) for c in curves.values())
    assert curves["knees"][0] > 170 and curves["hips"][0] > 170 and curves["trunk to vertical"][0] < 10
    flight = slice(*dive.transitions)
    assert np.nanmin(curves["hips"][flight]) < 90  # the pike closes the hips
    hidden = ~np.isfinite(dive.keypoints[:, :, 0]).any(axis=1)
    assert np.isnan(curves["knees"][hidden]).all()


def test_motion_curves_rise_fall_and_spin_the_way_of_the_dive():
    from inference.assess.kinematics import MOTION_CURVES, body_height, motion_curves

    dive = synthetic_dive(4, 0.95, "105B").sample
    standing = dive.keypoints[0, 0, 1] - dive.keypoints[0, 9, 1]  # ankle to head top, upright on the board
    assert 0.85 * standing < body_height(dive.keypoints, dive.schema) < 1.2 * standing
    curves = motion_curves(dive.keypoints, dive.schema, dive.fps)
    assert tuple(curves) == MOTION_CURVES
    take_off, entry = dive.transitions
    assert curves["height"][0] == 0 and np.nanmax(curves["height"][take_off:entry]) > 0.2  # it flies up
    assert np.nanmin(curves["height"][take_off:entry]) < -0.5  # then falls below the board
    assert np.nanmedian(curves["speed"][take_off:entry]) > 0.5  # body heights per second
    # 2½ somersaults over the flight: the trunk turns about 900° / flight time on average.
    flight_s = (entry - take_off) / dive.fps
    mean_spin = abs(np.nanmean(curves["trunk spin"][take_off:entry]))
    assert 0.6 * 900 / flight_s < mean_spin < 1.4 * 900 / flight_s
