"""DTW matches brute force, follows a known time warp, is fast; self-similarity and profiles."""


import numpy as np
import pytest

from inference.assess.alignment import (
    aligned_position,
    compare_along_path,
    dtw_path,
    nan_quantile,
    path_length,
    self_similarity,
    smoothness,
    tempo_deviation,
    window_around,
    worst_window,
)


def _brute_force(a: np.ndarray, b: np.ndarray, band: int | None = None) -> float:
    """Textbook cell-by-cell DTW (same steps and band rule as dtw_path)."""
    ta, tb = len(a), len(b)
    acc = np.full((ta + 1, tb + 1), np.inf)
    acc[0, 0] = 0.0
    slope = (tb - 1) / max(ta - 1, 1)
    half = None if band is None or ta == 1 or tb == 1 else max(band, slope, 1.0)
    for i in range(1, ta + 1):
        for j in range(1, tb + 1):
            if half is not None and abs((j - 1) - (i - 1) * slope) > half + 1e-9:
                continue
            cost = np.linalg.norm(a[i - 1] - b[j - 1])
            acc[i, j] = cost + min(acc[i - 1, j], acc[i, j - 1], acc[i - 1, j - 1])
    return acc[ta, tb]


@pytest.mark.parametrize("band", [None, 3])
def test_dtw_matches_brute_force(band):
    rng = np.random.default_rng(0)
    for _ in range(25):
        a = rng.normal(size=(int(rng.integers(1, 25)), 3))
        b = rng.normal(size=(int(rng.integers(1, 25)), 3))
        path, cost = dtw_path(a, b, band=band)
        total = np.linalg.norm(a[path[:, 0]] - b[path[:, 1]], axis=1).sum()
        assert total == pytest.approx(_brute_force(a, b, band), rel=1e-9, abs=1e-9)
        assert cost == pytest.approx(total / len(path))
        steps = np.diff(path, axis=0)
        assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (len(a) - 1, len(b) - 1)
        assert ((steps >= 0) & (steps <= 1)).all() and (steps.sum(1) >= 1).all()


def test_dtw_recovers_a_known_warp():
    # b is a played 1.5x slower in its second half: the path must map frames accordingly.
    t = np.linspace(0, 1, 80)
    a = np.stack([np.sin(6 * t), np.cos(4 * t)], 1)
    warp = np.concatenate([np.linspace(0, 0.5, 40), np.linspace(0.5, 1, 60)[1:]])
    b = np.stack([np.sin(6 * warp), np.cos(4 * warp)], 1)
    path, cost = dtw_path(a, b)
    pos = aligned_position(path, len(a))
    expected = np.interp(t, warp, np.arange(len(b)))
    assert np.abs(pos - expected).max() <= 2.0
    assert cost < 0.02
    slow = tempo_deviation(path, len(a), len(b), 4)
    same = tempo_deviation(np.stack([np.arange(80)] * 2, 1), 80, 80, 4)
    assert slow.max() > 0.1 and np.allclose(same, 0.0)


def test_dtw_weights_and_bad_input():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(10, 2)), rng.normal(size=(12, 2))
    _, cost = dtw_path(a, b)
    _, zero = dtw_path(a, b, weights_a=np.zeros(10))
    assert zero == 0.0 < cost
    with pytest.raises(ValueError, match="NaN"):
        dtw_path(np.full((3, 2), np.nan), b)
    with pytest.raises(ValueError, match="same features"):
        dtw_path(a, rng.normal(size=(5, 3)))
    with pytest.raises(ValueError, match="weights_a"):
        dtw_path(a, b, weights_a=np.ones(3))


def test_self_similarity_rows_are_softmaxed():
    rng = np.random.default_rng(3)
    x = np.repeat(rng.normal(size=(3, 4)), 5, axis=0)  # three held poses, five frames each
    s = self_similarity(x)
    assert s.shape == (15, 15)
    np.testing.assert_allclose(s.sum(1), 1.0, atol=1e-12)
    assert (s.argmax(1) // 5 == np.arange(15) // 5).all()  # each frame is most like its own block
    np.testing.assert_allclose(s[0, :5], s[0, 0])


def test_windows_and_profiles():
    profile = np.zeros(50)
    profile[30:34] = 1.0
    start, end = worst_window(profile, 6)
    assert end - start == 5 and start <= 30 and end >= 33
    assert worst_window(profile, 100) == (0, 49)
    assert window_around(50, 10, 2) == (0, 9) and window_around(50, 10, 49) == (40, 49)
    x = np.array([[1.0, np.nan], [3.0, np.nan], [np.nan, np.nan]])
    q = nan_quantile(x, 0.5)
    assert q[0] == 2.0 and np.isnan(q[1])


def test_smoothness_and_path_length():
    t = np.linspace(0, 1, 60)
    smooth = np.zeros((60, 2, 2))
    smooth[:, 0, 0] = np.sin(2 * np.pi * t)
    smooth[:, 1, 1] = t
    noisy = smooth + np.random.default_rng(4).normal(0, 0.02, smooth.shape)
    seen = np.ones((60, 2), bool)
    calm, shaky = smoothness(smooth, seen, 30.0), smoothness(noisy, seen, 30.0)
    assert shaky[0] > calm[0] + 1.0 and shaky[1] > calm[1]
    # Units of the coordinates do not matter.
    assert smoothness(smooth * 7.0, seen, 30.0)[0] == pytest.approx(calm[0])
    length, profile = path_length(smooth, seen)
    assert length == pytest.approx(profile.sum()) and length > 4.5  # 4 for the sine, 1 for the line
    half_seen = seen.copy()
    half_seen[::2, 1] = False  # joint 1 never seen two frames in a row
    assert path_length(smooth, half_seen)[0] == pytest.approx(
        np.linalg.norm(np.diff(smooth[:, 0], axis=0), axis=1).sum())
    assert np.isnan(smoothness(smooth, np.zeros((60, 2), bool), 30.0)[0])


def test_compare_along_path_counts_only_joints_both_see():
    a = np.zeros((4, 2, 2))
    b = np.ones((4, 2, 2))
    seen = np.ones((4, 2), bool)
    path = np.stack([np.arange(4)] * 2, 1)
    per_frame, per_joint = compare_along_path(path, a, seen, b, seen)
    np.testing.assert_allclose(per_frame, np.sqrt(2))
    b_seen = seen.copy()
    b_seen[2] = False
    per_frame, _ = compare_along_path(path, a, seen, b, b_seen)
    assert np.isnan(per_frame[2]) and per_frame[0] == pytest.approx(np.sqrt(2))
