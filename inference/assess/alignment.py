"""Movements over time: alignment, self-similarity and per-frame profiles (METHODS §4).

The numeric tools the skill dimensions are built from, free of any judgement:

* :func:`dtw_path`: dynamic time warping between two feature sequences, optionally inside a
  Sakoe-Chiba band, so a query frame can be compared with the reference frame doing the
  same thing even when one athlete is faster in places.
* :func:`aligned_position`: where each query frame lands in the reference along a path.
* :func:`self_similarity`: ``S_ij = -||F_i - F_j||`` softmaxed over each row, which shows
  rhythm and repetition as blocks and off-diagonal stripes.
* :func:`tempo_deviation`, :func:`compare_along_path`, :func:`excess_speed`: what a path
  says about two clips, frame by frame.
* :func:`worst_window`, :func:`window_around`, :func:`mean_per_frame`: where a per-frame
  profile is worst, and per-frame means along a path.
* :func:`smoothness` (jerk, speed steadiness) and :func:`path_length` of joint trajectories.
* :func:`nan_mean`, :func:`nan_quantile`: NaN-aware statistics for small arrays.
"""

from __future__ import annotations

import math

import numpy as np


def _sequence(x: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 1:
        raise ValueError(f"{name} must be a (T, F) array with T >= 1, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} has NaN or infinite values; fill missing joints first "
                         "(inference.assess.features.normalise does)")
    return arr


def pairwise_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(Ta, Tb)`` Euclidean distances between the rows of ``a`` ``(Ta, F)`` and ``b`` ``(Tb, F)``."""
    # einsum rather than a BLAS product: these matrices are small, and a threaded BLAS on a
    # busy machine can take milliseconds to wake its threads for each one.
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * np.einsum("ik,jk->ij", a, b)
    return np.sqrt(np.maximum(sq, 0.0))


def _band_limits(ta: int, tb: int, band: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Per row of the cost matrix, the first and one-past-last column inside the band."""
    if band is None or ta == 1 or tb == 1:
        return np.zeros(ta, int), np.full(ta, tb)
    slope = (tb - 1) / (ta - 1)
    # Narrower than the slope, consecutive rows would share no column and no path would exist.
    half = max(float(band), slope, 1.0)
    centre = np.arange(ta) * slope
    lo = np.clip(np.ceil(centre - half - 1e-9), 0, tb - 1).astype(int)
    hi = np.clip(np.floor(centre + half + 1e-9) + 1, 1, tb).astype(int)
    return lo, hi


def dtw_path(a: np.ndarray, b: np.ndarray, *, weights_a: np.ndarray | None = None,
             band: int | None = None) -> tuple[np.ndarray, float]:
    """Dynamic time warping between ``a`` ``(Ta, F)`` and ``b`` ``(Tb, F)``.

    The local cost is the Euclidean distance between frames, multiplied by ``weights_a``
    ``(Ta,)`` when given (a frame of ``a`` that was not seen then pulls the alignment less).
    Steps are (1, 0), (0, 1) and (1, 1), all at the local cost of the cell they enter.
    ``band`` is the half-width, in frames of ``b``, of a Sakoe-Chiba band around the line
    from (0, 0) to (Ta-1, Tb-1); it is widened to the slope of that line so a path exists.

    Each row is solved in closed form: with ``m_j = min(D[i-1, j], D[i-1, j-1])`` and ``C``
    the running sum of the row's costs, ``D[i, j] = C_j + min_{k<=j}(m_k - C_{k-1})``, so the
    work is numpy per row instead of Python per cell.

    Returns:
        path: ``(P, 2)`` int pairs ``(i, j)`` from ``(0, 0)`` to ``(Ta-1, Tb-1)``, both indices
            non-decreasing.
        cost: the mean local cost along the path (the accumulated cost divided by ``P``), so
            sequences of different lengths compare.
    """
    a, b = _sequence(a, "a"), _sequence(b, "b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"a and b need the same features per frame, got {a.shape[1]} and {b.shape[1]}")
    ta, tb = a.shape[0], b.shape[0]
    local = pairwise_distance(a, b)
    if weights_a is not None:
        w = np.asarray(weights_a, dtype=np.float64).reshape(-1)
        if w.shape[0] != ta or not np.isfinite(w).all() or (w < 0).any():
            raise ValueError(f"weights_a must be {ta} finite non-negative numbers, one per frame of a")
        local = local * w[:, None]
    lo, hi = _band_limits(ta, tb, band)
    run = np.cumsum(local, axis=1)
    before = run - local
    # Column 0 of ``acc`` is a +inf border so the diagonal predecessor of column 0 needs no
    # special case; cell (i, j) of the matrix lives in acc[i, j + 1].
    acc = np.full((ta, tb + 1), np.inf)
    acc[0, lo[0] + 1:hi[0] + 1] = run[0, lo[0]:hi[0]] - before[0, lo[0]]
    for i in range(1, ta):
        s, e = lo[i], hi[i]
        best_prev = np.minimum(acc[i - 1, s + 1:e + 1], acc[i - 1, s:e])
        # The running-sum offset of the band's first column cancels out of the closed form.
        acc[i, s + 1:e + 1] = run[i, s:e] + np.minimum.accumulate(best_prev - before[i, s:e])
    acc = acc[:, 1:]
    path = _backtrack(acc)
    return path, float(acc[-1, -1] / len(path))


def _backtrack(acc: np.ndarray) -> np.ndarray:
    i, j = acc.shape[0] - 1, acc.shape[1] - 1
    steps = [(i, j)]
    while i > 0 or j > 0:
        if i == 0:
            j -= 1
        elif j == 0:
            i -= 1
        else:
            diag, up, left = acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1]
            # Ties go to the diagonal: equal cost, and the path stays closest to lockstep.
            if diag <= up and diag <= left:
                i, j = i - 1, j - 1
            elif up <= left:
                i -= 1
            else:
                j -= 1
        steps.append((i, j))
    return np.array(steps[::-1], dtype=int)


def aligned_position(path: np.ndarray, length_a: int) -> np.ndarray:
    """``(Ta,)`` float: the mean ``b`` frame that each frame of ``a`` is matched with."""
    path = np.asarray(path, dtype=int)
    counts = np.bincount(path[:, 0], minlength=length_a)
    sums = np.bincount(path[:, 0], weights=path[:, 1], minlength=length_a)
    return sums / np.maximum(counts, 1)


def self_similarity(values: np.ndarray) -> np.ndarray:
    """``(T, T)`` temporal self-similarity of ``values`` ``(T, F)``: ``S_ij = -||F_i - F_j||``,
    softmaxed over each row (rows sum to 1; the diagonal is each row's largest entry)."""
    x = _sequence(values, "values")
    logits = -pairwise_distance(x, x)
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


def worst_window(profile: np.ndarray, width: int) -> tuple[int, int]:
    """First and last frame (inclusive) of the ``width``-frame window with the highest mean of
    ``profile`` ``(T,)``; NaN entries count as 0. The whole clip when it is shorter."""
    p = np.nan_to_num(np.asarray(profile, dtype=np.float64).reshape(-1), nan=0.0)
    t = p.shape[0]
    if t == 0:
        raise ValueError("worst_window needs at least one frame")
    width = int(min(max(width, 1), t))
    sums = np.convolve(p, np.ones(width), mode="valid")
    start = int(np.argmax(sums))
    return start, start + width - 1


def window_width(num_frames: int, share: float = 0.12, minimum: int = 5) -> int:
    """A window of about ``share`` of the clip, at least ``minimum`` frames (at most the clip)."""
    return int(min(num_frames, max(minimum, math.ceil(share * num_frames))))


def mean_per_frame(frame_index: np.ndarray, values: np.ndarray, length: int) -> np.ndarray:
    """``(length,)`` mean of ``values`` ``(P,)`` over the path steps whose frame is each index
    (``frame_index`` ``(P,)``, e.g. ``path[:, 0]``); NaN values are skipped, NaN where none is left."""
    ok = np.isfinite(values)
    total = np.bincount(frame_index[ok], weights=values[ok], minlength=length)
    count = np.bincount(frame_index[ok], minlength=length)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def nan_mean(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    """Mean over ``axis`` ignoring NaN; NaN, without a warning, where nothing is left."""
    ok = np.isfinite(x)
    count = ok.sum(axis=axis)
    return np.where(count > 0, np.where(ok, x, 0.0).sum(axis=axis) / np.maximum(count, 1), np.nan)


def nan_quantile(x: np.ndarray, q: float) -> np.ndarray:
    """Quantile ``q`` over axis 0 ignoring NaN (linear interpolation, numpy's default method),
    NaN where a column has no value. numpy's nanquantile is slow on small arrays."""
    x = np.sort(np.asarray(x, dtype=np.float64), axis=0)  # NaN sorts last
    n = np.isfinite(x).sum(0)
    pos = q * np.maximum(n - 1, 0)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
    low, high = np.take_along_axis(x, lo[None], 0)[0], np.take_along_axis(x, hi[None], 0)[0]
    return np.where(n > 0, low + (pos - lo) * (high - low), np.nan)


def smoothness(coords: np.ndarray, seen: np.ndarray, fps: float) -> tuple[float, float, np.ndarray, np.ndarray]:
    """How smoothly joints ``coords`` ``(T, J, 2)`` move, using only steps where ``seen``
    ``(T, J)`` holds at every frame involved.

    Returns:
        log_jerk: mean over joints of the log dimensionless jerk ``log(D^4 mean|j|^2 / mean|v|^2)``
            (``D`` the clip's duration, ``j`` and ``v`` from finite differences at ``fps``); it
            does not depend on the units of the coordinates.
        unsteadiness: mean over joints of the frame-to-frame change of speed over the mean speed.
        jerk_profile, unsteadiness_profile: ``(T,)`` per-frame shares of each.
        Both numbers are NaN when no joint is seen for 4 frames in a row while moving.
    """
    t = coords.shape[0]
    d1 = np.diff(coords, axis=0) * fps
    d3 = np.diff(coords, n=3, axis=0) * fps ** 3
    ok1 = seen[1:] & seen[:-1]
    ok2, ok3 = ok1[1:] & ok1[:-1], ok1[2:] & ok1[1:-1] & ok1[:-2]
    v2 = np.where(ok1, (d1 ** 2).sum(-1), 0.0).sum(0) / np.maximum(ok1.sum(0), 1)
    j2 = np.where(ok3, (d3 ** 2).sum(-1), 0.0)
    use = (ok3.sum(0) >= 3) & (v2 > 1e-12)
    if not use.any():
        return math.nan, math.nan, np.zeros(t), np.zeros(t)
    # A joint moving at constant velocity has no jerk at all; the floor keeps its log finite.
    dimensionless = (t / fps) ** 4 * j2[:, use].sum(0) / ok3[:, use].sum(0) / v2[use]
    log_jerk = float(np.mean(np.log(np.maximum(dimensionless, 1e-3))))
    jerk_f = np.zeros(t)
    jerk_f[1:-2] += 0.5 * (j2[:, use] / v2[use]).mean(1)
    jerk_f[2:-1] += 0.5 * (j2[:, use] / v2[use]).mean(1)
    speed = np.linalg.norm(d1, axis=-1)
    change = np.where(ok2, np.abs(np.diff(speed, axis=0)), 0.0)
    mean_speed = np.where(ok1, speed, 0.0).sum(0) / np.maximum(ok1.sum(0), 1)
    steady = (mean_speed > 1e-12) & (ok2.sum(0) >= 2)
    unsteady = float(np.mean(change[:, steady].sum(0) / ok2[:, steady].sum(0) / mean_speed[steady]))
    unsteady_f = np.zeros(t)
    unsteady_f[1:-1] = (change[:, steady] / mean_speed[steady]).mean(1)
    return log_jerk, unsteady, jerk_f, unsteady_f


def path_length(coords: np.ndarray, seen: np.ndarray) -> tuple[float, np.ndarray]:
    """Total path of the joints ``coords`` ``(T, J, 2)`` over the steps both ends of which are
    ``seen`` ``(T, J)``, each joint's path scaled up to the whole clip when some steps are
    unseen; and its ``(T,)`` per-frame profile (0 at frame 0)."""
    step = np.linalg.norm(np.diff(coords, axis=0), axis=-1)
    ok = seen[1:] & seen[:-1]
    n = ok.sum(0)
    moved = np.where(ok, step, 0.0)
    total = (moved.sum(0) * (coords.shape[0] - 1) / np.maximum(n, 1))[n > 0].sum()
    return float(total), np.concatenate(([0.0], moved.sum(1)))


def window_around(num_frames: int, width: int, centre: int) -> tuple[int, int]:
    """First and last frame of a ``width``-frame window centred on ``centre``, kept in the clip."""
    width = int(min(max(width, 1), num_frames))
    start = int(np.clip(centre - width // 2, 0, num_frames - width))
    return start, start + width - 1


def tempo_deviation(path: np.ndarray, length_a: int, length_b: int, half: int) -> np.ndarray:
    """``(Ta,)`` ``|log(local slope / overall slope)|`` of a DTW path: the local slope over
    ``half`` frames either side of each frame of ``a`` (clipped to 0.1-10 times the overall
    slope), 0 where ``a`` keeps ``b``'s tempo."""
    pos = aligned_position(path, length_a)
    idx = np.arange(length_a)
    ahead, behind = np.minimum(idx + half, length_a - 1), np.maximum(idx - half, 0)
    overall = (length_b - 1) / max(length_a - 1, 1)
    slope = (pos[ahead] - pos[behind]) / np.maximum(ahead - behind, 1) / max(overall, 1e-9)
    return np.abs(np.log(np.clip(slope, 0.1, 10.0)))


def compare_along_path(path: np.ndarray, a: np.ndarray, a_weights: np.ndarray, b: np.ndarray,
                       b_weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Joint distances between ``a`` ``(Ta, J, C)`` and ``b`` ``(Tb, J, C)`` at the frames a
    DTW path matches, each joint weighted by the product of its confidences ``a_weights``
    ``(Ta, J)`` and ``b_weights`` ``(Tb, J)`` (0 = unseen; booleans work too).

    Returns ``(Ta,)`` the weighted mean distance at each frame of ``a`` (NaN where nothing is
    seen) and ``(J,)`` the weighted mean distance of each joint along the path.
    """
    i, j = path[:, 0], path[:, 1]
    w = a_weights[i] * b_weights[j]
    dist = np.linalg.norm(a[i] - b[j], axis=-1) * w
    total = w.sum(1)
    per_frame = mean_per_frame(i, np.where(total > 0, dist.sum(1) / np.maximum(total, 1e-12), np.nan), a.shape[0])
    return per_frame, dist.sum(0) / np.maximum(w.sum(0), 1e-12)


def excess_speed(path: np.ndarray, a_speed: np.ndarray, a_seen: np.ndarray, b_speed: np.ndarray,
                 b_seen: np.ndarray, still: float) -> np.ndarray:
    """``(Ta,)`` mean over joints of how much faster than ``still`` joints of ``a`` move where the
    matched frame of ``b`` holds them still (speed below ``still``); speeds are ``(T, J)``."""
    i, j = path[:, 0], path[:, 1]
    held = (b_speed[j] < still) & a_seen[i] & b_seen[j]
    return mean_per_frame(i, (np.maximum(a_speed[i] - b_speed[j], 0.0) * held).mean(1), a_speed.shape[0])
