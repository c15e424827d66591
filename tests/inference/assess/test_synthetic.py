"""Synthetic dives: stages, faults and scores follow the quality they were made with."""

import numpy as np
import pytest

from inference.assess.synthetic import WATER_Y, synthetic_dive, synthetic_library


def test_deterministic_and_quality_drives_faults_and_score():
    a, b = synthetic_dive(7, 0.9), synthetic_dive(7, 0.9)
    np.testing.assert_array_equal(a.sample.keypoints, b.sample.keypoints)
    poor = synthetic_dive(7, 0.2)
    assert poor.sample.score < a.sample.score
    for fault in ("knee_gap", "under_rotation_deg", "entry_angle_deg", "jitter_px"):
        assert poor.faults[fault] > a.faults[fault]


def test_stages_match_the_motion():
    dive = synthetic_dive(3, 1.0, "405B").sample
    t1, t2 = dive.transitions
    y = dive.keypoints[..., 1]
    assert np.isfinite(y[:t2]).all(), "nothing is under water before the entry"
    assert np.isnan(y[t2:]).any(axis=1).all(), "from the entry on, part of the body is under water"
    assert (np.nanmax(y[t2 - 1]) <= WATER_Y + 10) and np.nanmin(y[t1]) < np.nanmin(y[0])


def test_library_splits_and_actions():
    lib = synthetic_library(40, seed=2)
    splits = [d.sample.split for d in lib]
    assert splits.count("train") == 30 and splits.count("val") == 5 and splits.count("test") == 5
    assert len({d.sample.action for d in lib}) == 5
    qualities = np.array([d.quality for d in lib])
    scores = np.array([d.sample.score for d in lib])
    assert np.corrcoef(qualities, scores)[0, 1] > 0.8


def test_quality_out_of_range():
    with pytest.raises(ValueError):
        synthetic_dive(1, 1.5)
