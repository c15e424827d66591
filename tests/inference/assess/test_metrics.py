"""SRCC, Pearson, R-l2 and ROC AUC against worked examples and brute-force definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from inference.assess.metrics import average_ranks, pearson, r_l2, roc_auc, srcc


def _pairwise_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    pos = scores[labels == 1]
    neg = scores[labels == 0]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def test_srcc_of_same_and_reversed_order():
    assert srcc([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert srcc([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)


def test_srcc_ignores_monotone_transforms():
    rng = np.random.default_rng(3)
    pred = rng.normal(size=20)
    truth = rng.normal(size=20)
    assert srcc(np.exp(pred), truth ** 3) == pytest.approx(srcc(pred, truth))


def test_average_ranks_share_tied_positions():
    np.testing.assert_allclose(average_ranks(np.array([3.0, 1.0, 3.0, 2.0, 3.0])), [4, 1, 4, 2, 4])


def test_average_ranks_match_brute_force():
    values = np.random.default_rng(0).integers(0, 5, size=30).astype(float)
    brute = np.array([(values < v).sum() + ((values == v).sum() + 1) / 2 for v in values])
    np.testing.assert_allclose(average_ranks(values), brute)


def test_srcc_with_ties_worked_example():
    # pred ranks (1, 2.5, 2.5, 4), truth ranks (1, 2, 3, 4); centred: (-1.5, 0, 0, 1.5) and
    # (-1.5, -0.5, 0.5, 1.5): covariance sum 4.5, squares 4.5 and 5 -> 4.5 / sqrt(22.5).
    assert srcc([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(3 / math.sqrt(10))


def test_pearson_worked_example():
    # centred x (-1, 0, 1), y (-2, -1, 3): covariance sum 5, squares 2 and 14.
    assert pearson([1, 2, 3], [1, 2, 6]) == pytest.approx(5 / math.sqrt(28))


def test_undefined_correlations_are_nan():
    assert math.isnan(srcc([1.0], [2.0]))
    assert math.isnan(srcc([], []))
    assert math.isnan(srcc([5, 5, 5], [1, 2, 3]))
    assert math.isnan(pearson([1, 2, 3], [4, 4, 4]))


def test_nan_inputs_are_refused():
    with pytest.raises(ValueError, match="NaN"):
        srcc([1.0, float("nan")], [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        r_l2([1.0, 2.0], [float("nan"), 2.0], 0.0, 10.0)
    with pytest.raises(ValueError, match="NaN"):
        roc_auc([0.3, float("nan")], [0, 1])
    with pytest.raises(ValueError, match="NaN"):
        pearson([1.0, 2.0], [1.0, float("nan")])


def test_length_and_shape_mismatches_are_refused():
    with pytest.raises(ValueError, match="one prediction per clip"):
        srcc([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="1-D"):
        srcc(np.zeros((2, 2)), np.zeros((2, 2)))


def test_r_l2_worked_example():
    # errors -1 and +1 over a range of 10: mean of 0.01 and 0.01, x100 = 1.
    assert r_l2([1.0, 3.0], [2.0, 2.0], 0.0, 10.0) == pytest.approx(1.0)
    # errors 0 and 5 over a range of 5 -> mean(0, 1) x 100 = 50.
    assert r_l2([2.0, 10.0], [2.0, 5.0], 5.0, 10.0) == pytest.approx(50.0)


def test_r_l2_needs_a_score_range():
    with pytest.raises(ValueError, match="y_min < y_max"):
        r_l2([1.0], [1.0], 3.0, 3.0)
    assert math.isnan(r_l2([], [], 0.0, 1.0))


def test_roc_auc_worked_example_with_a_tie():
    # positives 0.4 and 0.8 against negatives 0.1 and 0.4: wins 1 + 0.5 + 1 + 1 = 3.5 of 4.
    assert roc_auc([0.1, 0.4, 0.4, 0.8], [0, 0, 1, 1]) == pytest.approx(0.875)


def test_roc_auc_matches_pairwise_definition():
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 6, size=40).astype(float)
    labels = rng.integers(0, 2, size=40)
    assert roc_auc(scores, labels) == pytest.approx(_pairwise_auc(scores, labels))
    assert roc_auc(-scores, labels) == pytest.approx(1.0 - _pairwise_auc(scores, labels))


def test_roc_auc_single_class_and_bad_labels():
    assert math.isnan(roc_auc([0.1, 0.2], [1, 1]))
    assert roc_auc([0.1, 0.9], [False, True]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="only 0 and 1"):
        roc_auc([0.1, 0.2], [0, 2])
