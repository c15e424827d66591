"""Label-only priors on small hand-made clips with worked answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from inference.assess.metrics import r_l2, srcc
from inference.assess.priors import action_mean_prior, difficulty_prior, mean_prior, prior_report
from inference.assess.sample import ClipSample


def _clip(key, score=None, action=None, difficulty=None) -> ClipSample:
    return ClipSample(key=key, keypoints=np.zeros((5, 16, 3), np.float32), schema="mpii16",
                      score=score, action=action, difficulty=difficulty)


TRAIN = [
    _clip("a", 2.0, "105B", 1.0),
    _clip("b", 4.0, "105B", 2.0),
    _clip("c", 7.0, "205C", 3.0),
]
TEST = [
    _clip("x", 9.0, "205C", 4.0),
    _clip("y", 3.0, "105B", 1.5),
    _clip("z", 5.0, "407C", 2.0),
]


def test_difficulty_prior_worked_example():
    # difficulty centred (-1, 0, 1), score centred (-7/3, -1/3, 8/3): slope 5/2, intercept
    # 13/3 - 2 * 5/2 = -2/3.
    predicted = difficulty_prior(TRAIN, TEST)
    np.testing.assert_allclose(predicted, [-2 / 3 + 2.5 * 4.0, -2 / 3 + 2.5 * 1.5, -2 / 3 + 2.5 * 2.0])


def test_difficulty_prior_needs_difficulties_that_vary():
    assert difficulty_prior(TRAIN, [*TEST, _clip("w", 6.0, "105B", None)]) is None
    assert difficulty_prior([*TRAIN, _clip("d", 5.0, "105B", float("nan"))], TEST) is None
    flat = [_clip(k, s, "105B", 2.0) for k, s in (("a", 1.0), ("b", 3.0))]
    assert difficulty_prior(flat, TEST) is None


def test_action_mean_prior_groups_and_falls_back():
    # 105B mean (2 + 4) / 2 = 3, 205C mean 7; 407C is unseen -> overall mean 13/3.
    np.testing.assert_allclose(action_mean_prior(TRAIN, TEST), [7.0, 3.0, 13 / 3])


def test_action_mean_prior_treats_none_as_a_group_only_if_trained():
    test = [_clip("x", 5.0, None)]
    np.testing.assert_allclose(action_mean_prior(TRAIN, test), [13 / 3])
    train = [*TRAIN, _clip("d", 10.0, None), _clip("e", 8.0, None)]
    np.testing.assert_allclose(action_mean_prior(train, test), [9.0])


def test_mean_prior_is_constant_and_has_no_ranking():
    predicted = mean_prior(TRAIN, TEST)
    np.testing.assert_allclose(predicted, [13 / 3] * 3)
    assert math.isnan(srcc(predicted, [clip.score for clip in TEST]))


def test_prior_report_matches_metrics_on_each_prior():
    report = prior_report(TRAIN, TEST)
    assert set(report) == {"difficulty", "action_mean", "mean"}
    truth = [9.0, 3.0, 5.0]
    # score range over train and test: 2 .. 9.
    expected_action = [7.0, 3.0, 13 / 3]
    assert report["action_mean"]["srcc"] == pytest.approx(srcc(expected_action, truth))
    assert report["action_mean"]["r_l2"] == pytest.approx(r_l2(expected_action, truth, 2.0, 9.0))
    # difficulty ranks (3, 1, 2) equal the score ranks (3, 1, 2).
    assert report["difficulty"]["srcc"] == pytest.approx(1.0)
    # mean prior errors: 13/3 - (9, 3, 5) = (-14/3, 4/3, -2/3), over a range of 7.
    errors = np.array([-14 / 3, 4 / 3, -2 / 3]) / 7.0
    assert report["mean"]["r_l2"] == pytest.approx(100 * np.mean(errors ** 2))
    assert math.isnan(report["mean"]["srcc"])


def test_prior_report_leaves_out_difficulty_when_missing():
    test = [_clip("x", 9.0, "205C"), _clip("y", 3.0, "105B")]
    report = prior_report(TRAIN, test)
    assert set(report) == {"action_mean", "mean"}
    assert report["action_mean"]["srcc"] == pytest.approx(1.0)


def test_prior_report_refuses_unscored_clips():
    with pytest.raises(ValueError, match="test clip.*no score"):
        prior_report(TRAIN, [*TEST, _clip("w", None, "105B", 2.0)])
    with pytest.raises(ValueError, match="training clip.*no score"):
        prior_report([*TRAIN, _clip("d", None, "105B", 2.0)], TEST)
    with pytest.raises(ValueError, match="at least one test clip"):
        prior_report(TRAIN, [])
    with pytest.raises(ValueError, match="at least one training clip"):
        mean_prior([], TEST)
