"""Feedback names the frames, the stage and a fix, in judges' words, adapted to the level."""

import re

import pytest

from inference.assess.dimensions import compute_dimensions
from inference.assess.diving_faults import ENTRY_OFF_VERTICAL, KNEES_APART, Fault, measure_diving_faults
from inference.assess.feedback import DIMENSION_THRESHOLDS, LEVELS, feedback, stage_of, threshold
from inference.assess.synthetic import synthetic_dive, synthetic_library


@pytest.fixture(scope="module")
def poor_dive():
    refs = [d.sample for d in sorted(synthetic_library(16, 4, actions=("305C",)), key=lambda d: -d.quality)[:4]]
    sample = synthetic_dive(4, 0.15, "305C").sample
    report = compute_dimensions(sample, refs)
    return sample, report, measure_diving_faults(sample, sample.transitions)


def _frames_in_text(text: str) -> tuple[int, int]:
    match = re.search(r"frames? (\d+)(?:-(\d+))?", text)
    assert match, text
    return int(match.group(1)), int(match.group(2) or match.group(1))


def test_one_item_per_weak_dimension_and_per_fault(poor_dive):
    sample, report, faults = poor_dive
    items = feedback(report, faults)
    weak = [d.name for d in report.dimensions if d.value < threshold(d.name)]
    assert weak, "a 0.15-quality dive is weak somewhere"
    assert sorted(i.topic for i in items) == sorted(weak + [f.name for f in faults])
    assert [i.severity for i in items] == sorted((i.severity for i in items), reverse=True)
    for item in items:
        assert (item.start_frame, item.end_frame) == _frames_in_text(item.text)
        assert 0 <= item.start_frame <= item.end_frame < sample.num_frames
        assert item.stage in sample.stage_names and item.stage in item.text
        assert item.fix and item.fix[0].isupper() and 0 < item.severity <= 1


def test_fault_items_speak_like_judges(poor_dive):
    sample, report, faults = poor_dive
    items = {i.topic: i for i in feedback(report, faults)}
    knees = items[KNEES_APART]
    assert knees.text.startswith("Knees apart in the tuck (frames ") and "torso lengths between the knees" in knees.text
    assert knees.stage == "flight" and "grab the shins" in knees.fix
    entry = items[ENTRY_OFF_VERTICAL]
    assert re.match(r"Entry \d+° off vertical \(frames \d+-\d+, entry\)", entry.text)
    assert "flat hands" in entry.fix


def test_level_moves_thresholds_and_wording(poor_dive):
    _, report, faults = poor_dive
    taus = [threshold("spatial accuracy", level) for level in LEVELS]
    assert taus == sorted(taus) and taus[0] < taus[-1]
    novice, expert = feedback(report, faults, level="novice"), feedback(report, faults, level="expert")
    # The expert is told about a gap the novice is spared.
    assert len([i for i in novice if i.topic in DIMENSION_THRESHOLDS]) < len(
        [i for i in expert if i.topic in DIMENSION_THRESHOLDS])
    assert novice[0].fix != expert[0].fix
    with pytest.raises(ValueError, match="novice"):
        feedback(report, faults, level="olympian")


def test_other_sports_get_generic_dimension_items_only(poor_dive):
    _, report, faults = poor_dive
    items = feedback(report, faults, sport="gymnastics")
    assert items and all(i.topic in {d.name for d in report.dimensions} for i in items)
    assert not any("board" in i.fix or "dive" in i.fix for i in items)


def test_good_dive_gets_little_feedback():
    dives = sorted(synthetic_library(16, 4, actions=("305C",)), key=lambda d: -d.quality)
    refs = [d.sample for d in dives[:4]]
    report = compute_dimensions(dives[0].sample, refs)
    faults = measure_diving_faults(dives[0].sample, dives[0].sample.transitions)
    assert all(i.severity < 0.5 for i in feedback(report, faults))


def test_stage_of_and_unknown_stages(poor_dive):
    _, report, _ = poor_dive
    names = ("take-off", "flight", "entry")
    assert stage_of(0, 5, (20, 60), names, 80) == "take-off"
    assert stage_of(15, 40, (20, 60), names, 80) == "flight"
    assert stage_of(15, 40, None, names, 80) == ""
    fault = Fault(KNEES_APART, 0.4, 0.2, "torso lengths", 30, 40, 0.5, "pike")
    items = feedback(report, [fault], stage_names=())  # stage names that do not fit the transitions
    item = next(i for i in items if i.topic == KNEES_APART)
    assert item.stage == "" and "(frames 30-40)" in item.text
