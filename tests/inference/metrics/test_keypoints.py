"""Keypoint metrics against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from inference.metrics.keypoints import head_error, oks, oks_per_joint, pck, pckh
from inference.skeletons import COCO17


def test_pckh_counts_hits_within_half_head_size():
    gt = np.zeros((1, 16, 2))
    gt[0, :, 0] = np.arange(16) * 100
    gt[0, 8] = [0, 0]
    gt[0, 9] = [0, 20]  # head size 20 -> threshold 10 px
    pred = gt.copy()
    pred[0, 0, 0] += 9.9   # hit
    pred[0, 1, 0] += 10.1  # miss
    pred[0, 2] = np.nan    # missing prediction is a miss
    visible = np.ones((1, 16), bool)
    visible[0, 3] = False  # unlabelled: not counted even though it is a hit
    scores = pckh(pred, gt, visible)
    assert scores.per_joint[0] == 1 and scores.per_joint[1] == 0 and scores.per_joint[2] == 0
    assert np.isnan(scores.per_joint[3]) and scores.counted[3] == 0
    assert scores.overall == pytest.approx(13 / 15)  # 15 labelled, joints 1 and 2 missed


def test_pckh_leaves_out_people_without_a_labelled_head():
    """LSP-style files put unlabelled joints at placeholder coordinates: a head size taken from
    them would make the threshold arbitrary (zero, or hundreds of pixels)."""
    gt = np.zeros((3, 16, 2))
    gt[:, 9] = [0, 20]
    gt[1, 8] = [-60, 0]  # unlabelled upper neck at a placeholder: a 63 px "head"
    pred = gt.copy()
    pred[:, 0, 0] += 30  # a miss for a 20 px head
    visible = np.ones((3, 16), bool)
    visible[1, 8] = False
    visible[2, 9] = False
    scores = pckh(pred, gt, visible)
    assert scores.counted[0] == 1  # only the first person has both head joints
    assert scores.per_joint[0] == 0.0
    assert scores.overall == pytest.approx(15 / 16)


def test_pck_normalises_per_instance():
    gt = np.zeros((2, 1, 2))
    pred = np.array([[[3.0, 4.0]], [[3.0, 4.0]]])  # error 5 px
    result = pck(pred, gt, np.ones((2, 1), bool), norm=np.array([10.0, 100.0]), threshold=0.2)
    assert result.overall == 0.5  # 5 > 0.2*10 but 5 <= 0.2*100


def test_oks_matches_the_coco_formula():
    sigmas = np.array(COCO17.oks_sigmas)
    gt = np.zeros((1, 17, 2))
    pred = gt.copy()
    pred[0, 0, 0] = 10.0
    visible = np.ones((1, 17), bool)
    area = np.array([400.0])
    expected_nose = np.exp(-100 / (2 * 400 * (2 * sigmas[0]) ** 2))
    assert oks(pred, gt, visible, area, sigmas)[0] == pytest.approx((16 + expected_nose) / 17)
    per_joint = oks_per_joint(pred, gt, visible, area, sigmas)
    assert per_joint.per_joint[0] == pytest.approx(expected_nose) and per_joint.per_joint[1] == 1


def test_oks_perfect_and_missing():
    sigmas = np.array(COCO17.oks_sigmas)
    gt = np.random.default_rng(0).uniform(0, 100, (3, 17, 2))
    visible = np.ones((3, 17), bool)
    assert np.allclose(oks(gt, gt, visible, np.full(3, 900.0), sigmas), 1)
    missing = np.full_like(gt, np.nan)
    assert np.allclose(oks(missing, gt, visible, np.full(3, 900.0), sigmas), 0)
    assert np.isnan(oks(gt, gt, np.zeros((3, 17), bool), np.full(3, 900.0), sigmas)).all()


def test_head_error_tells_apart_readings_pckh_ties():
    gt = np.zeros((1, 16, 2))
    gt[0, :, 0] = np.arange(16) * 100
    gt[0, 8] = [0, 0]
    gt[0, 9] = [0, 20]  # head size 20
    visible = np.ones((1, 16), bool)
    near, nearer = gt.copy(), gt.copy()
    near[0, :, 0] += 8.0
    nearer[0, :, 0] += 2.0
    assert pckh(near, gt, visible).overall == pckh(nearer, gt, visible).overall == 1.0
    assert head_error(near, gt, visible) == pytest.approx(0.4)
    assert head_error(nearer, gt, visible) == pytest.approx(0.1)


def test_head_error_caps_each_joint_and_counts_a_missing_one_at_the_cap():
    gt = np.zeros((2, 16, 2))
    gt[:, :, 0] = np.arange(16) * 100
    gt[:, 8] = [0, 0]
    gt[:, 9] = [0, 20]
    gt[1, 9] = np.nan  # no head size: the second person is left out
    visible = np.zeros((2, 16), bool)
    visible[:, :2] = True
    pred = gt.copy()
    pred[0, 0, 0] += 1000.0  # 50 head lengths, counted as 2
    pred[0, 1] = np.nan  # not found, counted as 2
    assert head_error(pred, gt, visible, cap=2.0) == pytest.approx(2.0)
    assert np.isnan(head_error(pred, gt, np.zeros((2, 16), bool)))
