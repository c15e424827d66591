"""Temporal smoothing: less jitter, locked joints bit-identical, gaps never bridged."""

from __future__ import annotations

import time

import numpy as np
import pytest

from inference.pose.smooth import smooth_track


def noisy_sine(T=200, J=3, noise=3.0, seed=0):
    t = np.arange(T, dtype=np.float64)
    truth = np.zeros((T, J, 2))
    truth[..., 0] = 200 + 80 * np.sin(2 * np.pi * t / 60)[:, None]
    truth[..., 1] = 150 + 40 * np.cos(2 * np.pi * t / 45)[:, None]
    rng = np.random.default_rng(seed)
    kp = np.concatenate([truth + rng.normal(0, noise, truth.shape), np.full((T, J, 1), 0.9)], -1)
    return kp.astype(np.float32), truth


def rms(a, b):
    return float(np.sqrt(np.nanmean((a - b) ** 2)))


@pytest.mark.parametrize(("order", "strength"), [(0, 1.5), (1, 1.5), (2, 2.5), (2, 4.0)])
def test_reduces_jitter_on_a_noisy_sine(order, strength):
    kp, truth = noisy_sine()
    out = smooth_track(kp, None, strength=strength, order=order)
    before, after = rms(kp[..., :2], truth), rms(out[..., :2], truth)
    assert after < 0.6 * before
    jerk = lambda a: np.abs(np.diff(a[..., 0], 3, axis=0)).mean()  # noqa: E731
    assert jerk(out) < 0.2 * jerk(kp)
    assert np.array_equal(out[..., 2], kp[..., 2])


def test_local_quadratic_keeps_curvature_that_a_plain_average_flattens():
    kp, truth = noisy_sine()
    flat = rms(smooth_track(kp, None, strength=4, order=0)[..., :2], truth)
    curved = rms(smooth_track(kp, None, strength=4, order=2)[..., :2], truth)
    assert curved < 0.5 * flat


def test_quadratic_motion_is_kept_exactly_even_at_the_ends():
    t = np.arange(30, dtype=np.float64)
    kp = np.zeros((30, 1, 3), np.float32)
    kp[:, 0, 0] = 10 + 3 * t - 0.2 * t**2  # a flight parabola
    kp[:, 0, 1] = 5 + 2 * t
    kp[:, 0, 2] = 1
    out = smooth_track(kp, None, strength=3)
    np.testing.assert_allclose(out, kp, atol=1e-3)


def test_locked_joints_are_bit_identical_and_pull_their_neighbours():
    kp, truth = noisy_sine()
    rng = np.random.default_rng(1)
    locked = rng.random(kp.shape[:2]) < 0.2
    out = smooth_track(kp, locked, strength=3)
    assert out[locked].tobytes() == kp[locked].tobytes()
    assert not np.array_equal(out[~locked], kp[~locked])


def test_nan_gaps_are_not_bridged_and_stay_nan():
    kp = np.zeros((40, 1, 3), np.float32)
    kp[:, 0, 2] = 1
    kp[:18, 0, :2] = 0.0
    kp[18:22, 0, :2] = np.nan
    kp[22:, 0, :2] = 100.0  # a different level after the gap
    out = smooth_track(kp, None, strength=4)
    assert np.isnan(out[18:22, 0, :2]).all()
    np.testing.assert_allclose(out[:18, 0, :2], 0, atol=1e-4)
    np.testing.assert_allclose(out[22:, 0, :2], 100, atol=1e-4)


def test_short_runs_and_single_frames_survive():
    kp = np.full((7, 1, 3), np.nan, np.float32)
    kp[:, 0, 2] = 1
    kp[1, 0, :2] = [5, 5]  # isolated frame
    kp[3:5, 0, :2] = [[1, 1], [3, 3]]  # run of two: a line through both
    out = smooth_track(kp, None, strength=2)
    np.testing.assert_allclose(out[1, 0, :2], [5, 5])
    np.testing.assert_allclose(out[3:5, 0, :2], [[1, 1], [3, 3]], atol=1e-5)
    assert np.isnan(out[[0, 2, 5, 6], 0, :2]).all()


def test_confidence_weighting_moves_unsure_joints_more():
    kp = np.zeros((21, 2, 3), np.float32)
    kp[..., 2] = 1.0
    kp[10, :, 0] = 10.0  # an outlier on both joints...
    kp[10, 1, 2] = 0.05  # ...which joint 1's model doubted
    out = smooth_track(kp, None, strength=2, order=0)
    assert abs(out[10, 1, 0]) < abs(out[10, 0, 0])


def test_strength_zero_is_identity_and_validation():
    kp, _ = noisy_sine(T=10)
    assert smooth_track(kp, None, 0).tobytes() == kp.tobytes()
    with pytest.raises(ValueError, match="locked"):
        smooth_track(kp, np.zeros((3, 3), bool), 1)
    with pytest.raises(ValueError, match="order"):
        smooth_track(kp, None, 1, order=3)
    tiny = smooth_track(kp, None, 0.05)  # neighbours' weight underflows: nothing moves
    np.testing.assert_allclose(tiny, kp)


def test_fast_on_a_long_track():
    kp, _ = noisy_sine(T=5000, J=33)
    kp[::50, :, :2] = np.nan
    start = time.perf_counter()
    smooth_track(kp, None, strength=2)
    assert time.perf_counter() - start < 3.0
