"""Stage intervals, clip IoU, AIoU and the ordered change-point decoder."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from inference.assess.stages.aiou import aiou, clip_iou, clip_ious, stage_intervals
from inference.assess.stages.decode import best_transitions
from inference.assess.stages.prediction import one_hot_stages


def test_stage_intervals_cover_the_clip():
    assert stage_intervals((10, 25), 40) == [(0, 10), (10, 25), (25, 40)]
    assert stage_intervals((), 7) == [(0, 7)]


@pytest.mark.parametrize("bad", [(0, 10), (10, 10), (20, 10), (10, 40), (10, 41), (-1, 5)])
def test_stage_intervals_reject_disorder_and_out_of_range(bad):
    with pytest.raises(ValueError, match="increase strictly"):
        stage_intervals(bad, 40)


def test_clip_iou_by_hand():
    assert clip_iou((10, 20), (10, 20), 30) == 1.0
    # stage 0: [0,10) vs [0,12) -> 10/12; stage 1: [10,20) vs [12,20) -> 8/10; stage 2 equal.
    assert clip_iou((10, 20), (12, 20), 30) == pytest.approx((10 / 12 + 8 / 10 + 1) / 3)
    # [0,1) vs [0,28), disjoint middles, [2,30) vs [29,30).
    assert clip_iou((1, 2), (28, 29), 30) == pytest.approx((1 / 28 + 0 + 1 / 28) / 3)


def test_clip_iou_is_symmetric_and_bounded():
    rng = np.random.default_rng(3)
    for _ in range(50):
        t = int(rng.integers(3, 40))
        a = tuple(sorted(rng.choice(np.arange(1, t), size=2, replace=False).tolist()))
        b = tuple(sorted(rng.choice(np.arange(1, t), size=2, replace=False).tolist()))
        value = clip_iou(a, b, t)
        assert 0.0 <= value <= 1.0
        assert value == pytest.approx(clip_iou(b, a, t))


def test_clip_iou_needs_same_stage_count():
    with pytest.raises(ValueError, match="different numbers of stages"):
        clip_iou((5,), (5, 8), 10)


def test_aiou_counts_clips_over_threshold():
    truths = [(10, 20), (10, 20), (10, 20), (10, 20)]
    preds = [(10, 20), (12, 20), (2, 28), (1, 2)]
    lengths = [30] * 4
    ious = clip_ious(preds, truths, lengths)
    assert aiou(preds, truths, lengths, 0.5) == pytest.approx(np.mean(ious >= 0.5))
    assert aiou(preds, truths, lengths, 0.75) == 0.5
    assert aiou(preds, truths, lengths, 0.0) == 1.0
    assert aiou(preds, truths, lengths, 0.5) > aiou(preds, truths, lengths, 0.9)


def test_aiou_rejects_bad_arguments():
    with pytest.raises(ValueError, match="at least one clip"):
        aiou([], [], [], 0.5)
    with pytest.raises(ValueError, match="one length per clip"):
        aiou([(1,)], [(1,)], [3, 4], 0.5)
    with pytest.raises(ValueError, match="threshold"):
        aiou([(1,)], [(1,)], [3], 1.5)


def _brute_force(log_probs: np.ndarray) -> tuple[float, tuple[int, ...]]:
    num_frames, num_stages = log_probs.shape
    best_score, best_cut = -np.inf, None
    for cut in itertools.combinations(range(1, num_frames), num_stages - 1):
        stages = one_hot_stages(cut, num_frames, num_stages).astype(bool)
        score = float(log_probs[stages].sum())
        if score > best_score:
            best_score, best_cut = score, cut
    return best_score, best_cut


def _path_score(log_probs: np.ndarray, cut: tuple[int, ...]) -> float:
    stages = one_hot_stages(cut, *log_probs.shape).astype(bool)
    return float(log_probs[stages].sum())


@pytest.mark.parametrize("num_stages", [1, 2, 3, 4])
def test_decoder_matches_brute_force(num_stages):
    rng = np.random.default_rng(num_stages)
    for _ in range(40):
        num_frames = int(rng.integers(num_stages, 11))
        logits = rng.normal(size=(num_frames, num_stages))
        log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        cut = best_transitions(log_probs)
        assert len(cut) == num_stages - 1
        stage_intervals(cut, num_frames)
        brute_score, _ = _brute_force(log_probs)
        assert _path_score(log_probs, cut) == pytest.approx(brute_score)


def test_decoder_orders_flickering_probabilities():
    num_frames = 30
    probs = np.full((num_frames, 3), 0.05)
    probs[:10, 0] = 0.9
    probs[10:22, 1] = 0.9
    probs[22:, 2] = 0.9
    probs[5] = [0.05, 0.05, 0.9]  # a spurious "entry" frame inside take-off
    cut = best_transitions(np.log(probs))
    assert cut == (10, 22)


def test_decoder_minimal_clip_gives_one_frame_per_stage():
    assert best_transitions(np.zeros((3, 3))) == (1, 2)


def test_decoder_rejects_bad_input():
    with pytest.raises(ValueError, match="cannot split"):
        best_transitions(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="finite"):
        best_transitions(np.array([[-np.inf, 0.0], [0.0, -np.inf]]))
    with pytest.raises(ValueError, match="shape"):
        best_transitions(np.zeros(5))


def test_one_hot_stages_rows_sum_to_one():
    probs = one_hot_stages((2, 5), 7, 3)
    assert probs.shape == (7, 3)
    assert np.all(probs.sum(axis=1) == 1)
    assert probs.argmax(axis=1).tolist() == [0, 0, 1, 1, 1, 2, 2]
