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
