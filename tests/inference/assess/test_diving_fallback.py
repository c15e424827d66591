"""Model-free dive stages from body motion, on synthetic dives with known stages."""

from __future__ import annotations

import numpy as np
import pytest

from inference.assess.stages.aiou import aiou, clip_iou
from inference.assess.stages.diving_fallback import diving_stages
from inference.assess.synthetic import synthetic_dive, synthetic_library


@pytest.fixture(scope="module")
def library():
    return [d.sample for d in synthetic_library(60, seed=4)]


def _aiou_of(samples, change=lambda kp: kp, threshold=0.5):
    preds = [diving_stages(change(s.keypoints.copy()), s.schema, s.fps).transitions for s in samples]
    return aiou(preds, [s.transitions for s in samples], [s.num_frames for s in samples], threshold)


def test_rules_find_synthetic_stages(library):
    assert _aiou_of(library, threshold=0.5) >= 0.8
    assert _aiou_of(library, threshold=0.75) >= 0.7


def test_transitions_land_within_a_frame_or_two(library):
    for sample in library[:15]:
        found = diving_stages(sample.keypoints, sample.schema, sample.fps).transitions
        assert np.abs(np.subtract(found, sample.transitions)).max() <= 2, sample.key


def test_prediction_is_one_hot_and_consistent(library):
    sample = library[0]
    prediction = diving_stages(sample.keypoints, sample.schema, sample.fps)
    probs = prediction.per_frame_probs
    assert probs.shape == (sample.num_frames, 3) and probs.dtype == np.float32
    assert np.all(probs.sum(axis=1) == 1)
    stage = probs.argmax(axis=1)
    assert np.flatnonzero(np.diff(stage)).tolist() == [t - 1 for t in prediction.transitions]
    assert 0.0 <= prediction.confidence <= 1.0
    assert prediction.stage_names == sample.stage_names


def test_mirrored_dive_gives_the_same_stages(library):
    for sample in library[:5]:
        mirrored = sample.keypoints.copy()
        mirrored[..., 0] = 1280.0 - mirrored[..., 0]
        assert (diving_stages(mirrored, sample.schema).transitions
                == diving_stages(sample.keypoints, sample.schema).transitions)


def test_isolated_missed_joints_do_not_move_the_entry(library):
    rng = np.random.default_rng(0)

    def drop(kp):
        missed = rng.random(kp.shape[:2]) < 0.1
        kp[missed, :2] = np.nan
        return kp

    assert _aiou_of(library[:30], drop, threshold=0.75) >= 0.8


def test_joint_lost_in_the_air_is_not_an_entry():
    sample = synthetic_dive(seed=2, quality=0.8).sample
    take_off, entry = sample.transitions
    occluded = sample.keypoints.copy()
    occluded[take_off + 5:, 10, :2] = np.nan  # the right wrist, gone for good mid-flight
    found = diving_stages(occluded, sample.schema).transitions
    assert abs(found[1] - entry) <= 2


def test_a_hop_before_the_take_off_is_ignored():
    sample = synthetic_dive(seed=3, quality=0.9).sample
    hopped = sample.keypoints.copy()
    hopped[3:7, :, 1] -= 25.0  # the whole body off the board for a few early frames
    found = diving_stages(hopped, sample.schema).transitions
    assert abs(found[0] - sample.transitions[0]) <= 1


def test_entry_without_vanishing_joints_uses_the_head_down_rule():
    sample = synthetic_dive(seed=5, quality=0.7).sample
    take_off, entry = sample.transitions
    # A pose model that keeps guessing: each underwater joint stuck just below where it sank.
    guessed = sample.keypoints.copy()
    for j in range(guessed.shape[1]):
        sunk = np.flatnonzero(~np.isfinite(guessed[:, j, 0]))
        if sunk.size:
            guessed[sunk, j] = guessed[sunk[0] - 1, j] + np.array([0.0, 10.0, -0.6], np.float32)
    prediction = diving_stages(guessed, sample.schema)
    assert clip_iou(prediction.transitions, (take_off, entry), sample.num_frames) >= 0.75
    assert prediction.confidence < diving_stages(sample.keypoints, sample.schema).confidence


def test_clip_ending_before_the_water_puts_entry_at_the_end():
    sample = synthetic_dive(seed=6, quality=0.7).sample
    take_off, entry = sample.transitions
    prediction = diving_stages(sample.keypoints[:entry], sample.schema)
    assert prediction.transitions[0] == pytest.approx(take_off, abs=1)
    assert prediction.transitions[1] >= entry - 4


def test_frame_rate_is_respected():
    dives = [synthetic_dive(seed=s, quality=0.6, fps=60.0).sample for s in range(6)]
    assert _aiou_of(dives, threshold=0.75) >= 0.8


def test_bad_input_is_refused(library):
    sample = library[0]
    with pytest.raises(ValueError, match="shape"):
        diving_stages(sample.keypoints[..., :2], sample.schema)
    with pytest.raises(ValueError, match="at least 3 frames"):
        diving_stages(sample.keypoints[:2], sample.schema)
    with pytest.raises(ValueError, match="hips and the shoulders"):
        diving_stages(np.full_like(sample.keypoints, np.nan), sample.schema)
    with pytest.raises(ValueError, match="3 stages"):
        diving_stages(sample.keypoints, sample.schema, stage_names=("a", "b"))
