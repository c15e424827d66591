"""Fill gaps in a pose track and spread manual corrections to the frames around them.

A track of a clip is keypoints float32 (T, J, 3) [x, y, confidence] in source pixels, NaN x/y
where unknown, and source uint8 (T, J) of JointSource values. Both functions return new arrays
(the inputs are not modified) and are vectorised over frames and joints: each joint's nearest
anchor before and after every frame comes from one cumulative max/min along time.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from inference.provenance import JointSource


def _check(keypoints: np.ndarray, source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keypoints = np.asarray(keypoints)
    source = np.asarray(source)
    if keypoints.ndim != 3 or keypoints.shape[2] != 3:
        raise ValueError(f"keypoints must be (T, J, 3), got {keypoints.shape}")
    if source.shape != keypoints.shape[:2]:
        raise ValueError(f"source must be (T, J) = {keypoints.shape[:2]}, got {source.shape}")
    return keypoints, source


def _brackets(anchor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a bool (T, J) anchor mask: the index of the last anchor at or before each frame
    (-1 if none) and of the first anchor at or after it (T if none), both (T, J) int64."""
    t = np.arange(anchor.shape[0])[:, None]
    before = np.maximum.accumulate(np.where(anchor, t, -1), axis=0)
    after = np.minimum.accumulate(np.where(anchor, t, anchor.shape[0])[::-1], axis=0)[::-1]
    return before, after


def _between(anchor: np.ndarray, max_gap: int | None):
    """Frames strictly between two anchors of the same joint whose gap (frames between them)
    is at most max_gap: mask (T, J), the bracketing anchors i and j (clipped to valid
    indices) and the weights of METHODS §1, w_i = (j-k)/(j-i), w_j = (k-i)/(j-i), (T, J)."""
    T = anchor.shape[0]
    i, j = _brackets(anchor)
    inside = (~anchor) & (i >= 0) & (j < T)
    if max_gap is not None:
        inside &= (j - i - 1) <= max_gap
    i = np.clip(i, 0, T - 1)
    j = np.clip(j, 0, T - 1)
    k = np.arange(T)[:, None]
    span = np.where(inside, j - i, 1).astype(np.float64)
    return inside, i, j, (j - k) / span, (k - i) / span


def interpolate_gaps(keypoints: np.ndarray, source: np.ndarray, trusted: np.ndarray,
                     max_gap: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Fill each joint linearly between trusted frames (METHODS §1).

    keypoints: float32 (T, J, 3); source: uint8 (T, J) JointSource; trusted: bool (T, J), e.g.
    manual joints or model joints above a confidence threshold. MANUAL joints are always
    trusted, whatever the mask says.

    For joint j and trusted frames i < k < j with no trusted frame between them:
        p_k = p_i (j-k)/(j-i) + p_j (k-i)/(j-i)    (x and y, computed in float64)
    and the filled joint's confidence is min(conf_i, conf_j): an interpolated point is no
    surer than the weaker of its ends. Filled joints get source INTERPOLATED. Untrusted values
    inside such a gap (a missing joint or a low-confidence model guess) are replaced.

    Untouched: trusted joints (bit for bit), trusted joints with NaN x/y (they are not anchors
    either), gaps with more than max_gap frames between their ends, and the leading and trailing
    frames before the first / after the last anchor (NaN stays NaN, model values stay).
    Returns new (keypoints float32 (T, J, 3), source uint8 (T, J)).
    """
    keypoints, source = _check(keypoints, source)
    trusted = np.asarray(trusted, dtype=bool)
    if trusted.shape != source.shape:
        raise ValueError(f"trusted must be (T, J) = {source.shape}, got {trusted.shape}")
    trusted = trusted | (source == JointSource.MANUAL)
    anchor = trusted & np.isfinite(keypoints[..., :2]).all(axis=-1)
    inside, i, j, wi, wj = _between(anchor, max_gap)
    fill = inside & ~trusted

    out = np.array(keypoints, dtype=np.float32, copy=True)
    out_source = np.array(source, dtype=np.uint8, copy=True)
    if not fill.any():
        return out, out_source
    joint = np.broadcast_to(np.arange(keypoints.shape[1]), fill.shape)
    kp = keypoints.astype(np.float64)
    p_i, p_j = kp[i, joint], kp[j, joint]  # (T, J, 3)
    xy = p_i[..., :2] * wi[..., None] + p_j[..., :2] * wj[..., None]
    conf = np.fmin(p_i[..., 2], p_j[..., 2])
    filled = np.concatenate([xy, conf[..., None]], axis=-1).astype(np.float32)
    out[fill] = filled[fill]
    out_source[fill] = JointSource.INTERPOLATED
    return out, out_source


def _dense_keyframes(keyframes: Mapping[int, np.ndarray] | np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    T, J = shape
    if isinstance(keyframes, Mapping):
        dense = np.full((T, J, 3), np.nan, dtype=np.float64)
        for frame, pose in keyframes.items():
            if not 0 <= int(frame) < T:
                raise ValueError(f"keyframe {frame} is outside the track (0..{T - 1})")
            pose = np.asarray(pose, dtype=np.float64)
            if pose.shape != (J, 3):
                raise ValueError(f"keyframe {frame} must be ({J}, 3), got {pose.shape}")
            dense[int(frame)] = pose
        return dense
    dense = np.asarray(keyframes, dtype=np.float64)
    if dense.shape != (T, J, 3):
        raise ValueError(f"keyframes must be a {{frame: (J, 3)}} mapping or ({T}, {J}, 3), got {dense.shape}")
    return dense


# A correction is spread to the frames around it only when it moves the model's joint by at
# most this share of the body (the diagonal of the model's pose on that frame). Such an offset
# is a habit of the model or of the annotator (where a hip or a head top goes), and holds from
# frame to frame; a longer one corrects a misreading of that frame (a swapped or misplaced
# limb), which says nothing about the frames around it.
SPREAD_SHARE = 0.1


def _pose_diagonals(keypoints: np.ndarray) -> np.ndarray:
    """(T,) the diagonal of each frame's box of known joints; infinite where fewer than four
    are known, which give no body size to measure a correction against."""
    xy = keypoints[..., :2]
    known = np.isfinite(xy).all(axis=-1)
    low = np.where(known[..., None], xy, np.inf).min(axis=1)
    high = np.where(known[..., None], xy, -np.inf).max(axis=1)
    with np.errstate(invalid="ignore"):
        diagonal = np.linalg.norm(high - low, axis=-1)
    return np.where(known.sum(axis=1) >= 4, diagonal, np.inf)


def propagate_from_keyframes(keypoints: np.ndarray, source: np.ndarray,
                             keyframes: Mapping[int, np.ndarray] | np.ndarray,
                             max_gap: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Spread manual corrections to the model joints between manual keyframes.

    keypoints / source: the MODEL track, float32 (T, J, 3) and uint8 (T, J), as the backend
    produced it (the raw model run the store keeps beside the working annotation). keyframes:
    the annotator's joints, either {frame: float (J, 3)} or float (T, J, 3); NaN x/y where a
    joint was not set by hand. The rule, per joint:

    - every manually set joint is written as given, source MANUAL (confidence NaN → 1.0);
    - an anchor is a manual joint whose model value on that frame is known; its correction
      offset is d = manual xy - model xy, or 0 when d is longer than SPREAD_SHARE of the
      diagonal of the model's pose on that frame (of four joints or more; see SPREAD_SHARE);
    - a joint k strictly between two consecutive anchors i < k < j (at most max_gap frames
      between them) whose source is MODEL, INTERPOLATED or PROPAGATED and whose model x/y is
      known becomes
          model_k + d_i (j-k)/(j-i) + d_j (k-i)/(j-i),
      source PROPAGATED, confidence unchanged. The offset is interpolated, not the positions,
      so the model's motion between keyframes survives and the keyframes are hit exactly;
    - nothing is extrapolated before the first or after the last anchor; MANUAL and NONE
      joints of the input, and unknown model joints, stay as they are (interpolate_gaps fills
      the latter afterwards).

    Call it on the uncorrected model values: a PROPAGATED input joint is taken as a model value,
    so feeding back an already corrected track would apply the correction twice.
    Returns new (keypoints float32 (T, J, 3), source uint8 (T, J)).
    """
    keypoints, source = _check(keypoints, source)
    manual = _dense_keyframes(keyframes, source.shape)
    is_manual = np.isfinite(manual[..., :2]).all(axis=-1)
    model_known = np.isfinite(keypoints[..., :2]).all(axis=-1)
    anchor = is_manual & model_known
    inside, i, j, wi, wj = _between(anchor, max_gap)
    correctable = np.isin(source, (JointSource.MODEL, JointSource.INTERPOLATED, JointSource.PROPAGATED))
    fix = inside & correctable & model_known & ~is_manual

    out = np.array(keypoints, dtype=np.float32, copy=True)
    out_source = np.array(source, dtype=np.uint8, copy=True)
    if fix.any():
        kp = keypoints.astype(np.float64)
        offset = np.where(anchor[..., None], manual[..., :2] - kp[..., :2], 0.0)
        offset[np.linalg.norm(offset, axis=-1) > SPREAD_SHARE * _pose_diagonals(kp)[:, None]] = 0.0
        joint = np.broadcast_to(np.arange(source.shape[1]), fix.shape)
        shift = offset[i, joint] * wi[..., None] + offset[j, joint] * wj[..., None]
        corrected = (kp[..., :2] + shift).astype(np.float32)
        out[..., :2][fix] = corrected[fix]
        out_source[fix] = JointSource.PROPAGATED
    manual_values = manual.copy()
    manual_values[..., 2] = np.where(np.isnan(manual[..., 2]), 1.0, manual[..., 2])
    out[is_manual] = manual_values[is_manual].astype(np.float32)
    out_source[is_manual] = JointSource.MANUAL
    return out, out_source
