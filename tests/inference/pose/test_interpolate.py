"""Gap interpolation (METHODS §1 formula) and propagation of manual corrections."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference.pose.interpolate import interpolate_gaps, propagate_from_keyframes
from inference.provenance import JointSource as S


def track(T, J, seed=0):
    rng = np.random.default_rng(seed)
    kp = rng.uniform(0, 500, (T, J, 3)).astype(np.float32)
    kp[..., 2] = rng.uniform(0.1, 1, (T, J))
    return kp, np.full((T, J), S.MODEL, np.uint8)


@settings(max_examples=60, deadline=None)
@given(T=st.integers(2, 40), J=st.integers(1, 4), seed=st.integers(0, 2**16),
       density=st.floats(0.05, 0.9))
def test_fills_exactly_by_the_formula(T, J, seed, density):
    kp, src = track(T, J, seed)
    rng = np.random.default_rng(seed + 1)
    trusted = rng.random((T, J)) < density
    kp[~trusted, :2] = np.nan
    out, out_src = interpolate_gaps(kp, src, trusted)
    for j in range(J):
        anchors = np.flatnonzero(trusted[:, j])
        for k in range(T):
            if trusted[k, j]:
                assert np.array_equal(out[k, j], kp[k, j]) and out_src[k, j] == S.MODEL
                continue
            before, after = anchors[anchors < k], anchors[anchors > k]
            if len(before) == 0 or len(after) == 0:  # leading / trailing gap: untouched
                assert np.isnan(out[k, j, :2]).all() and out_src[k, j] == S.MODEL
                continue
            i, jj = before[-1], after[0]
            p_i, p_j = kp[i, j].astype(np.float64), kp[jj, j].astype(np.float64)
            expected = p_i[:2] * (jj - k) / (jj - i) + p_j[:2] * (k - i) / (jj - i)
            np.testing.assert_allclose(out[k, j, :2], expected, rtol=1e-6, atol=1e-4)
            assert out[k, j, 2] == min(kp[i, j, 2], kp[jj, j, 2])
            assert out_src[k, j] == S.INTERPOLATED


def test_hand_example_and_untrusted_values_in_a_gap_are_replaced():
    kp = np.full((5, 1, 3), np.nan, np.float32)
    kp[0, 0] = [0, 10, 0.9]
    kp[4, 0] = [40, 50, 0.6]
    kp[2, 0] = [999, 999, 0.1]  # a low-confidence guess
    src = np.array([[S.MANUAL], [S.NONE], [S.MODEL], [S.NONE], [S.MODEL]], np.uint8)
    trusted = np.array([[False], [False], [False], [False], [True]])  # manual is trusted anyway
    out, out_src = interpolate_gaps(kp, src, trusted)
    np.testing.assert_allclose(out[:, 0, :2], [[0, 10], [10, 20], [20, 30], [30, 40], [40, 50]])
    np.testing.assert_allclose(out[1:4, 0, 2], 0.6)
    assert list(out_src[:, 0]) == [S.MANUAL, S.INTERPOLATED, S.INTERPOLATED, S.INTERPOLATED, S.MODEL]
    assert np.isnan(kp[1, 0, 0]) and kp[2, 0, 0] == 999  # inputs untouched


def test_max_gap_and_trusted_nan_and_edges():
    kp = np.full((12, 1, 3), np.nan, np.float32)
    for f in (1, 4, 11):
        kp[f, 0] = [f, f, 1]
    src = np.where(np.isnan(kp[..., 0]), S.NONE, S.MODEL).astype(np.uint8)
    trusted = ~np.isnan(kp[..., 0])
    trusted[7, 0] = True  # trusted but unknown: neither filled nor an anchor
    out, out_src = interpolate_gaps(kp, src, trusted, max_gap=2)
    assert list(np.flatnonzero(out_src[:, 0] == S.INTERPOLATED)) == [2, 3]  # gap 4..11 has 6 frames
    assert np.isnan(out[[0, 5, 6, 7, 8, 9, 10], 0, :2]).all()
    out, out_src = interpolate_gaps(kp, src, trusted, max_gap=6)
    assert list(np.flatnonzero(out_src[:, 0] == S.INTERPOLATED)) == [2, 3, 5, 6, 8, 9, 10]
    assert np.isnan(out[7, 0, 0]) and np.isnan(out[0, 0, 0])
    np.testing.assert_allclose(out[8, 0, :2], [8, 8])


def test_trusted_values_are_bit_identical():
    kp, src = track(50, 5)
    rng = np.random.default_rng(3)
    trusted = rng.random((50, 5)) < 0.3
    kp[rng.random((50, 5)) < 0.3, :2] = np.nan
    src[trusted] = S.MANUAL
    out, out_src = interpolate_gaps(kp, src, trusted)
    assert out[trusted].tobytes() == kp[trusted].tobytes()
    assert np.array_equal(out_src[trusted], src[trusted])


def test_fast_on_a_long_mediapipe_track():
    kp, src = track(5000, 33)
    rng = np.random.default_rng(0)
    trusted = rng.random((5000, 33)) < 0.2
    keyframes = {f: kp[f] + 5 for f in range(0, 5000, 97)}
    start = time.perf_counter()
    interpolate_gaps(kp, src, trusted, max_gap=50)
    propagate_from_keyframes(kp, src, keyframes)
    assert time.perf_counter() - start < 2.0


def test_validates_shapes():
    kp, src = track(4, 2)
    with pytest.raises(ValueError, match="trusted"):
        interpolate_gaps(kp, src, np.ones((4, 3), bool))
    with pytest.raises(ValueError, match="source"):
        interpolate_gaps(kp, src[:3], np.ones((4, 2), bool))
    with pytest.raises(ValueError, match="outside"):
        propagate_from_keyframes(kp, src, {9: kp[0]})


# --- propagation ------------------------------------------------------------------------------

def test_propagation_hits_keyframes_and_shifts_frames_between_by_the_interpolated_offset():
    T = 11
    model = np.zeros((T, 2, 3), np.float32)
    model[:, :, 0] = np.arange(T)[:, None] * 3.0  # the model's motion
    model[:, :, 1] = 100
    model[:, :, 2] = 0.7
    src = np.full((T, 2), S.MODEL, np.uint8)
    manual = np.full((2, 3), np.nan)
    manual[0] = [model[2, 0, 0] + 10, 100, 1.0]  # joint 0 corrected on frame 2 by +10 in x
    later = np.full((2, 3), np.nan)
    later[0] = [model[8, 0, 0] - 2, 106, np.nan]  # and on frame 8 by (-2, +6)
    out, out_src = propagate_from_keyframes(model, src, {2: manual, 8: later})

    np.testing.assert_array_equal(out[2, 0], [16, 100, 1])
    np.testing.assert_array_equal(out[8, 0], [22, 106, 1])  # NaN confidence -> 1
    assert out_src[2, 0] == out_src[8, 0] == S.MANUAL
    for k in range(3, 8):
        off = np.array([10, 0]) * (8 - k) / 6 + np.array([-2, 6]) * (k - 2) / 6
        np.testing.assert_allclose(out[k, 0, :2], model[k, 0, :2] + off, atol=1e-5)
        assert out[k, 0, 2] == np.float32(0.7) and out_src[k, 0] == S.PROPAGATED
    # no extrapolation, other joints untouched
    assert np.array_equal(out[[0, 1, 9, 10], 0], model[[0, 1, 9, 10], 0])
    assert np.array_equal(out[:, 1], model[:, 1]) and (out_src[:, 1] == S.MODEL).all()
    assert (out_src[[0, 1, 9, 10], 0] == S.MODEL).all()


def test_propagation_leaves_manual_none_and_unknown_joints_and_respects_max_gap():
    T = 9
    model = np.zeros((T, 1, 3), np.float32)
    model[..., 0] = np.arange(T)[:, None]
    src = np.full((T, 1), S.MODEL, np.uint8)
    src[3, 0] = S.MANUAL
    model[5, 0, :2] = np.nan
    src[5, 0] = S.NONE
    src[6, 0] = S.INTERPOLATED
    keyframes = np.full((T, 1, 3), np.nan)
    keyframes[0, 0] = [5, 5, 1]
    keyframes[8, 0] = [13, 5, 1]
    out, out_src = propagate_from_keyframes(model, src, keyframes)
    assert out_src[3, 0] == S.MANUAL and np.array_equal(out[3, 0], model[3, 0])
    assert out_src[5, 0] == S.NONE and np.isnan(out[5, 0, 0])
    assert out_src[6, 0] == S.PROPAGATED
    np.testing.assert_allclose(out[[1, 2, 4, 6, 7], 0, :2], model[[1, 2, 4, 6, 7], 0, :2] + 5)
    _, out_src = propagate_from_keyframes(model, src, keyframes, max_gap=6)
    assert not (out_src == S.PROPAGATED).any()


def test_keyframe_without_a_model_value_is_written_but_does_not_anchor():
    model = np.zeros((5, 1, 3), np.float32)
    model[2, 0, :2] = np.nan
    src = np.full((5, 1), S.MODEL, np.uint8)
    keyframes = {0: np.array([[1.0, 1.0, 1.0]]), 2: np.array([[7.0, 7.0, 1.0]])}
    out, out_src = propagate_from_keyframes(model, src, keyframes)
    assert list(out_src[:, 0]) == [S.MANUAL, S.MODEL, S.MANUAL, S.MODEL, S.MODEL]
    np.testing.assert_array_equal(out[2, 0], [7, 7, 1])


def test_a_correction_far_larger_than_a_habit_of_the_model_is_not_spread():
    """A 100 px tall body of four joints, corrected on frames 0 and 10: joint 0 by 5 px (a
    habit: spread to the frames between) and joint 1 by 60 px (a misreading of those frames:
    written there, not spread)."""
    T = 11
    model = np.zeros((T, 4, 3), np.float32)
    model[:, :, 0] = np.arange(T)[:, None] * 4.0 + np.array([0, 20, 0, 20])
    model[:, :, 1] = np.array([0, 0, 100, 100])
    model[:, :, 2] = 0.8
    src = np.full((T, 4), S.MODEL, np.uint8)
    keyframes = np.full((T, 4, 3), np.nan)
    for f in (0, 10):
        keyframes[f, 0] = [model[f, 0, 0] + 5, model[f, 0, 1], 1]
        keyframes[f, 1] = [model[f, 1, 0] + 60, model[f, 1, 1], 1]
    out, out_src = propagate_from_keyframes(model, src, keyframes)
    np.testing.assert_allclose(out[5, 0, :2], model[5, 0, :2] + [5, 0], atol=1e-5)
    np.testing.assert_allclose(out[5, 1, :2], model[5, 1, :2], atol=1e-5)
    np.testing.assert_allclose(out[10, 1, :2], keyframes[10, 1, :2])
    assert out_src[10, 1] == S.MANUAL
