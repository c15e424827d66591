"""Diving faults are found where the generator put them, at about the size it gave them."""

from dataclasses import replace

import numpy as np
import pytest

from inference.assess.diving_faults import (
    ENTRY_OFF_VERTICAL,
    ENTRY_OFF_VERTICAL_MAX_DEG,
    KNEE_GAP_MAX,
    KNEES_APART,
    LARGE_SPLASH,
    LEGS_BENT,
    OVER_ROTATION,
    UNDER_ROTATION,
    measure_diving_faults,
)
from inference.assess.synthetic import synthetic_dive


def _by_name(faults):
    return {f.name: f for f in faults}


@pytest.mark.parametrize("action", ["105B", "205C", "5231D", "107C"])
def test_perfect_dive_has_no_fault(action):
    sample = synthetic_dive(1, 1.0, action).sample
    assert measure_diving_faults(sample, sample.transitions) == []


@pytest.mark.parametrize("action, seed", [("305C", 4), ("105B", 2), ("405B", 5)])
def test_poor_dive_shows_its_faults_where_they_happen(action, seed):
    dive = synthetic_dive(seed, 0.15, action)
    sample = dive.sample
    take_off_end, flight_end = sample.transitions
    assert dive.faults["knee_gap"] > KNEE_GAP_MAX and dive.faults["entry_angle_deg"] > ENTRY_OFF_VERTICAL_MAX_DEG
    faults = _by_name(measure_diving_faults(sample, sample.transitions))
    knees, entry = faults[KNEES_APART], faults[ENTRY_OFF_VERTICAL]
    assert take_off_end <= knees.start <= knees.end < flight_end
    assert flight_end <= entry.start <= entry.end < sample.num_frames
    assert knees.context == {"B": "pike", "C": "tuck"}[action[-1]]
    assert entry.value > ENTRY_OFF_VERTICAL_MAX_DEG
    # The measured sizes agree with what the generator put in.
    assert knees.value == pytest.approx(dive.faults["knee_gap"], abs=0.08)
    assert entry.value == pytest.approx(dive.faults["entry_angle_deg"], abs=12.0)
    under = faults[UNDER_ROTATION]
    assert under.value == pytest.approx(dive.faults["under_rotation_deg"], abs=10.0)
    assert (take_off_end, flight_end - 1) == (under.start, under.end)
    assert OVER_ROTATION not in faults
    for fault in faults.values():
        assert fault.value > fault.threshold and 0.0 < fault.severity <= 1.0


def test_flat_entry_is_measured_as_the_body_reaches_the_water():
    dive = synthetic_dive(1, 0.15, "205C")  # 86° short: the whole torso is under water at once
    sample = dive.sample
    flight_end = sample.transitions[1]
    assert np.isnan(sample.keypoints[flight_end, [2, 3, 12, 13], 0]).any()
    entry = _by_name(measure_diving_faults(sample, sample.transitions))[ENTRY_OFF_VERTICAL]
    assert flight_end - 2 <= entry.start <= entry.end < flight_end
    assert entry.value == pytest.approx(dive.faults["entry_angle_deg"], abs=12.0) and entry.severity == 1.0


def test_worse_dives_have_more_severe_faults():
    severities = []
    for quality in (0.6, 0.3, 0.05):
        sample = synthetic_dive(2, quality, "305C").sample
        faults = _by_name(measure_diving_faults(sample, sample.transitions))
        severities.append(faults[ENTRY_OFF_VERTICAL].severity if ENTRY_OFF_VERTICAL in faults else 0.0)
    assert severities == sorted(severities) and severities[-1] > severities[0]


def test_bent_legs_in_the_pike():
    sample = synthetic_dive(2, 0.2, "105B").sample  # this seed bends the legs a lot
    bent = _by_name(measure_diving_faults(sample, sample.transitions)).get(LEGS_BENT)
    assert bent is not None and bent.context == "pike" and bent.value > 30
    tucked = synthetic_dive(2, 0.2, "205C").sample  # same faults, but bent knees belong in a tuck
    assert LEGS_BENT not in _by_name(measure_diving_faults(tucked, tucked.transitions))


def test_over_rotation_when_the_dive_number_asks_for_less():
    sample = synthetic_dive(1, 1.0, "107C").sample  # 3½ somersaults performed
    claimed = replace(sample, action="105C")  # ... but 2½ declared
    over = _by_name(measure_diving_faults(claimed, sample.transitions))[OVER_ROTATION]
    assert over.value == pytest.approx(360.0, abs=10.0) and over.severity == 1.0


def test_splash_needs_a_reference():
    sample = synthetic_dive(1, 1.0, "105B").sample
    assert measure_diving_faults(sample, sample.transitions, splash=900.0) == []
    assert measure_diving_faults(sample, sample.transitions, splash=150.0, splash_reference=100.0) == []
    splash = _by_name(measure_diving_faults(sample, sample.transitions, splash=300.0,
                                            splash_reference=100.0))[LARGE_SPLASH]
    assert splash.value == pytest.approx(3.0) and splash.start == sample.transitions[1]
    assert splash.end == sample.num_frames - 1
    with pytest.raises(ValueError, match="non-negative"):
        measure_diving_faults(sample, sample.transitions, splash=-1.0, splash_reference=100.0)


def test_without_dive_number_only_position_and_entry():
    sample = replace(synthetic_dive(1, 0.15, "205C").sample, action=None)
    names = set(_by_name(measure_diving_faults(sample, sample.transitions)))
    assert {KNEES_APART, ENTRY_OFF_VERTICAL} <= names
    assert not names & {UNDER_ROTATION, OVER_ROTATION, LEGS_BENT}


def test_bad_inputs():
    sample = synthetic_dive(1, 1.0, "105B").sample
    with pytest.raises(ValueError, match="take-off end"):
        measure_diving_faults(sample, (50, 20))
    with pytest.raises(ValueError, match="take-off end"):
        measure_diving_faults(sample, (10, sample.num_frames + 1))
    with pytest.raises(ValueError, match="transitions"):
        measure_diving_faults(sample, (10,))
    with pytest.raises(ValueError, match="position letter"):
        measure_diving_faults(replace(sample, action="105"), sample.transitions)
    blank = replace(sample, keypoints=np.full_like(sample.keypoints, np.nan))
    with pytest.raises(ValueError, match="hips and the shoulders"):
        measure_diving_faults(blank, sample.transitions)
