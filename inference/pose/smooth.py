"""Optional temporal smoothing of a pose track that never moves locked (e.g. manual) joints.

The choice: a centred, Gaussian-weighted local polynomial fit (a Savitzky–Golay filter with
Gaussian instead of box weights, quadratic by default), in plain numpy:

- centred and offline, so it adds no lag, unlike a causal One-Euro filter, whose lag at the
  fast take-off and entry of a dive would shift the stage boundaries we later detect;
- a local quadratic keeps the apex of the flight parabola and the curvature of a somersaulting
  wrist, which a plain Gaussian average flattens; near the ends of a run it fits the trend
  instead of pulling the ends inward;
- each neighbour's weight is the Gaussian of its distance in frames times its confidence, so
  a shaky low-confidence joint moves toward its confident neighbours and not the other way;
- NaN frames are gaps: a window only uses frames of the same unbroken run of known values, so
  smoothing never bridges a gap and never invents values inside one.

Locked joints are copied bit for bit into the output (their neighbours do use them as data).
"""

from __future__ import annotations

import math

import numpy as np


def smooth_track(keypoints: np.ndarray, locked: np.ndarray | None = None, strength: float = 1.0,
                 *, order: int = 2, confidence_weighted: bool = True) -> np.ndarray:
    """Smoothed copy of keypoints float32 (T, J, 3) [x, y, confidence].

    locked: bool (T, J), joints returned unchanged (manual joints, anything the user fixed);
    None locks nothing. strength: the Gaussian's sigma in frames (window ±ceil(3·sigma));
    0 returns a copy. order: degree of the local polynomial, 0 (weighted mean), 1 or 2; it is
    lowered where a run has too few frames in the window. The confidence channel and NaN
    joints are returned unchanged.
    """
    keypoints = np.asarray(keypoints)
    if keypoints.ndim != 3 or keypoints.shape[2] != 3:
        raise ValueError(f"keypoints must be (T, J, 3), got {keypoints.shape}")
    T, J, _ = keypoints.shape
    locked = np.zeros((T, J), bool) if locked is None else np.asarray(locked, dtype=bool)
    if locked.shape != (T, J):
        raise ValueError(f"locked must be (T, J) = {(T, J)}, got {locked.shape}")
    if order not in (0, 1, 2):
        raise ValueError(f"order is 0, 1 or 2, got {order}")
    if strength < 0 or not math.isfinite(strength):
        raise ValueError(f"strength is a sigma in frames >= 0, got {strength}")
    out = np.array(keypoints, dtype=np.float32, copy=True)
    if strength == 0 or T < 2:
        return out

    xy = keypoints[..., :2].astype(np.float64)
    known = np.isfinite(xy).all(axis=-1)
    if confidence_weighted:
        conf = np.nan_to_num(keypoints[..., 2].astype(np.float64), nan=1.0)
        weight = np.clip(conf, 1e-3, None)
    else:
        weight = np.ones((T, J))
    weight = np.where(known, weight, 0.0)
    xy = np.where(known[..., None], xy, 0.0)
    run = np.cumsum(~known, axis=0)  # frames of one unbroken run share a value

    radius = max(1, math.ceil(3 * strength))
    S = np.zeros((5, T, J))  # sum of w·u^m, m = 0..4, with u = offset / radius
    R = np.zeros((3, T, J, 2))  # sum of w·u^m·xy, m = 0..2
    count = np.zeros((T, J), np.int64)  # neighbours used (distinct frames)
    for d in range(-radius, radius + 1):
        lo, hi = max(0, -d), min(T, T - d)  # target frames t with t + d inside the clip
        gauss = math.exp(-0.5 * (d / strength) ** 2)
        if lo >= hi or gauss < 1e-6:  # negligible weights would only make the fit ill-posed
            continue
        src = slice(lo + d, hi + d)
        same = known[lo:hi] & known[src] & (run[lo:hi] == run[src])
        w = np.where(same, weight[src] * gauss, 0.0)
        u = d / radius
        for m in range(5):
            S[m, lo:hi] += w * u**m
        for m in range(3):
            R[m, lo:hi] += (w * u**m)[..., None] * xy[src]
        count[lo:hi] += same

    fitted = np.full((T, J, 2), np.nan)
    effective = np.minimum(order, count - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        zero = effective == 0
        fitted[zero] = (R[0] / S[0][..., None])[zero]
        one = effective == 1
        det1 = S[0] * S[2] - S[1] ** 2
        fitted[one] = ((S[2][..., None] * R[0] - S[1][..., None] * R[1]) / det1[..., None])[one]
        two = effective == 2
        # Cramer's rule for the constant term of the 3x3 normal equations (much faster than
        # a batched solve); the matrix is regular with three distinct frames of positive weight.
        s0, s1, s2, s3, s4 = (m[..., None] for m in S)
        r0, r1, r2 = R
        minor = s2 * s4 - s3 * s3
        det2 = s0 * minor - s1 * (s1 * s4 - s3 * s2) + s2 * (s1 * s3 - s2 * s2)
        num = r0 * minor - s1 * (r1 * s4 - s3 * r2) + s2 * (r1 * s3 - s2 * r2)
        fitted[two] = (num / det2)[two]

    change = known & ~locked & np.isfinite(fitted).all(axis=-1)
    out[..., :2][change] = fitted[change].astype(np.float32)
    return out
