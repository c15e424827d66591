"""Per-frame features of a pose sequence, normalised to the athlete.

Every model and measure in :mod:`inference.assess` starts here, so the conventions are
fixed in one place:

* Coordinates are relative to the **hip centre** of each frame and divided by the clip's
  **torso length** (median hip-centre to shoulder-centre distance): the same movement
  filmed closer or further away gives the same numbers.
* Missing joints are filled by linear interpolation over time (the nearest known value
  at the ends) so every feature is finite; their confidence weight is 0 so losses and
  measures can discount them. A joint never seen in the clip sits at the hip centre.
* ``flip`` mirrors the athlete (x negated, left and right swapped): a dive filmed from
  the other side of the pool becomes comparable.
* Image y grows downwards, as in the source pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.skeletons import canonical_name, get_skeleton
from inference.skeletons.definitions import LEVELS, Skeleton

# Interior angles measured at the middle joint of each triple (canonical joint names).
ANGLE_TRIPLES = (
    ("right_knee", ("right_hip", "right_knee", "right_ankle")),
    ("left_knee", ("left_hip", "left_knee", "left_ankle")),
    ("right_hip", ("right_shoulder", "right_hip", "right_knee")),
    ("left_hip", ("left_shoulder", "left_hip", "left_knee")),
    ("right_elbow", ("right_shoulder", "right_elbow", "right_wrist")),
    ("left_elbow", ("left_shoulder", "left_elbow", "left_wrist")),
    ("right_shoulder", ("right_elbow", "right_shoulder", "right_hip")),
    ("left_shoulder", ("left_elbow", "left_shoulder", "left_hip")),
)
# Velocities are in torso lengths per second; this factor brings them to the order of
# magnitude of the coordinates (a fast limb moves a few torso lengths per second).
VELOCITY_SCALE = 0.1


@dataclass(frozen=True)
class Normalised:
    """A clip's joints in athlete units.

    Attributes:
        coords: ``(T, J, 2)`` float32, relative to each frame's hip centre, in torso lengths.
        weights: ``(T, J)`` float32 in [0, 1]: the joint's confidence, 0 where it was filled.
        centre: ``(T, 2)`` float32 hip centre in pixels (filled over time).
        scale: torso length in pixels.
    """

    coords: np.ndarray
    weights: np.ndarray
    centre: np.ndarray
    scale: float


@dataclass(frozen=True)
class FrameFeatures:
    """``values`` ``(T, F)`` float32 (finite), ``weights`` ``(T,)`` float32 in [0, 1]
    (mean joint confidence of the frame) and the ``F`` feature ``names``."""

    values: np.ndarray
    weights: np.ndarray
    names: tuple[str, ...]


def joint_index(skeleton: Skeleton, name: str) -> int:
    """Index of the joint with canonical ``name`` (``"right_hip"``) in ``skeleton``."""
    for i, joint in enumerate(skeleton.joint_names):
        if canonical_name(joint) == name:
            return i
    raise ValueError(f"{skeleton.name} has no joint {name!r}")


def _check(keypoints: np.ndarray) -> np.ndarray:
    kp = np.asarray(keypoints, dtype=np.float32)
    if kp.ndim != 3 or kp.shape[2] != 3 or kp.shape[0] < 1:
        raise ValueError(f"keypoints must have shape (T, J, 3), got {kp.shape}")
    return kp


def fill_over_time(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``values`` ``(T, ...)`` with the entries where ``known`` ``(T, ...)`` is False filled
    by linear interpolation along axis 0 (ends held); never-known series become 0."""
    flat = values.reshape(values.shape[0], -1).astype(np.float32, copy=True)
    mask = np.broadcast_to(known, values.shape).reshape(flat.shape)
    frames = np.arange(flat.shape[0])
    for c in range(flat.shape[1]):
        ok = mask[:, c]
        if ok.all():
            continue
        flat[:, c] = np.interp(frames, frames[ok], flat[ok, c]) if ok.any() else 0.0
    return flat.reshape(values.shape)


def _pair_centre(kp: np.ndarray, skeleton: Skeleton, left: str, right: str) -> np.ndarray:
    """``(T, 2)`` midpoint of two joints, the one known joint where the other is missing,
    NaN where both are."""
    both = kp[:, [joint_index(skeleton, left), joint_index(skeleton, right)], :2]
    known = np.isfinite(both).all(axis=-1, keepdims=True)
    count = known.sum(axis=1)
    total = np.where(known, both, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def normalise(keypoints: np.ndarray, schema: str, *, flip: bool = False) -> Normalised:
    """The clip's joints relative to the hip centre, in torso lengths (see module doc).

    Raises:
        ValueError: wrong shape, or no frame shows both the hips and the shoulders (the
            athlete's size cannot be known).
    """
    skeleton = get_skeleton(schema)
    kp = _check(keypoints)
    if kp.shape[1] != skeleton.num_joints:
        raise ValueError(f"{schema} has {skeleton.num_joints} joints, the keypoints have {kp.shape[1]}")
    known = np.isfinite(kp[..., :2]).all(axis=-1)
    hips = _pair_centre(kp, skeleton, "left_hip", "right_hip")
    shoulders = _pair_centre(kp, skeleton, "left_shoulder", "right_shoulder")
    torso = np.linalg.norm(shoulders - hips, axis=1)
    torso = torso[np.isfinite(torso) & (torso > 0)]
    if torso.size == 0:
        raise ValueError("no frame shows both the hips and the shoulders, so the athlete's size is "
                         "unknown; add poses (or fix the hips and shoulders) before assessing")
    scale = float(np.median(torso))
    centre = fill_over_time(np.nan_to_num(hips), np.isfinite(hips).all(axis=1, keepdims=True))
    coords = fill_over_time(np.nan_to_num(kp[..., :2]), known[..., None])
    seen = known.any(axis=0)
    coords = (coords - centre[:, None, :]) / scale
    coords[:, ~seen] = 0.0
    conf = np.clip(np.nan_to_num(kp[..., 2]), 0.0, 1.0)
    weights = np.where(known, conf, 0.0).astype(np.float32)
    if flip:
        order = list(skeleton.flip_indices)
        coords = coords[:, order] * np.array([-1.0, 1.0], np.float32)
        weights = weights[:, order]
    return Normalised(coords.astype(np.float32), weights, centre.astype(np.float32), scale)


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    # atan2 of cross and dot stays accurate near 0 and pi, where arccos loses precision.
    u, v = (a - b).astype(np.float64), (c - b).astype(np.float64)
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    return np.arctan2(np.abs(cross), (u * v).sum(-1))


def joint_angles(coords: np.ndarray, schema: str) -> np.ndarray:
    """``(T, A)`` interior angles in radians at knees, hips, elbows and shoulders
    (:data:`ANGLE_TRIPLES` order; pi = straight)."""
    skeleton = get_skeleton(schema)
    out = np.empty((coords.shape[0], len(ANGLE_TRIPLES)), np.float32)
    for k, (_, (a, b, c)) in enumerate(ANGLE_TRIPLES):
        ia, ib, ic = (joint_index(skeleton, n) for n in (a, b, c))
        out[:, k] = _angle(coords[:, ia], coords[:, ib], coords[:, ic])
    return out


def torso_angle(coords: np.ndarray, schema: str) -> np.ndarray:
    """``(T,)`` direction of the hip-centre -> shoulder-centre line in radians, 0 = upright
    (pointing up the image), increasing as the athlete rotates clockwise on screen;
    unwrapped over time so a somersault accumulates 2*pi."""
    skeleton = get_skeleton(schema)
    hips = coords[:, [joint_index(skeleton, "left_hip"), joint_index(skeleton, "right_hip")]].mean(1)
    shoulders = coords[:, [joint_index(skeleton, "left_shoulder"),
                           joint_index(skeleton, "right_shoulder")]].mean(1)
    d = shoulders - hips
    return np.unwrap(np.arctan2(d[:, 0], -d[:, 1])).astype(np.float32)


def _derivative(x: np.ndarray, fps: float) -> np.ndarray:
    if x.shape[0] < 2:
        return np.zeros_like(x)
    return (np.gradient(x, axis=0) * fps).astype(np.float32)


def frame_features(keypoints: np.ndarray, schema: str, *, flip: bool = False,
                   fps: float = 30.0) -> FrameFeatures:
    """Per-frame features ``(T, F)``: normalised coordinates, root trajectory from frame 0,
    velocities, joint angles (cos, sin), torso direction (cos, sin) and the mean speed of
    each hierarchy level (H0 torso, H1 inner limbs, H2 outer limbs)."""
    skeleton = get_skeleton(schema)
    norm = normalise(keypoints, schema, flip=flip)
    t, j = norm.coords.shape[:2]
    root = (norm.centre - norm.centre[0]) / norm.scale
    if flip:
        root = root * np.array([-1.0, 1.0], np.float32)
    velocity = _derivative(norm.coords, fps) * VELOCITY_SCALE
    root_velocity = _derivative(root, fps) * VELOCITY_SCALE
    angles = joint_angles(norm.coords, schema)
    torso = torso_angle(norm.coords, schema)
    speed = np.linalg.norm(velocity, axis=-1)
    level_speed = np.stack([speed[:, list(skeleton.joints_at_level(lv))].mean(1) for lv in LEVELS], 1)
    values = np.concatenate([
        norm.coords.reshape(t, -1), root, velocity.reshape(t, -1), root_velocity,
        np.cos(angles), np.sin(angles), np.cos(torso)[:, None], np.sin(torso)[:, None], level_speed,
    ], axis=1).astype(np.float32)
    joints = [canonical_name(n) for n in skeleton.joint_names]
    names = (
        [f"{n}.{a}" for n in joints for a in "xy"] + ["root.x", "root.y"]
        + [f"{n}.v{a}" for n in joints for a in "xy"] + ["root.vx", "root.vy"]
        + [f"angle.{n}.cos" for n, _ in ANGLE_TRIPLES] + [f"angle.{n}.sin" for n, _ in ANGLE_TRIPLES]
        + ["torso.cos", "torso.sin"] + [f"speed.H{lv}" for lv in LEVELS]
    )
    weights = norm.weights.mean(axis=1).astype(np.float32)
    return FrameFeatures(values, weights, tuple(names))


def resample(values: np.ndarray, length: int) -> np.ndarray:
    """``values`` ``(T, ...)`` resampled to ``(length, ...)`` float32 by linear interpolation
    along axis 0 (the first and last frames are kept)."""
    x = np.asarray(values, dtype=np.float32)
    if length < 1 or x.shape[0] < 1:
        raise ValueError(f"cannot resample {x.shape[0]} frames to {length}")
    if x.shape[0] == 1:
        return np.repeat(x, length, axis=0)
    pos = np.linspace(0.0, x.shape[0] - 1, length)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, x.shape[0] - 1)
    frac = (pos - lo).astype(np.float32).reshape((-1,) + (1,) * (x.ndim - 1))
    return (x[lo] * (1 - frac) + x[hi] * frac).astype(np.float32)
