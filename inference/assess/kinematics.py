"""Per-frame joint angles a coach reads beside the video (Kinovea-style angle plots).

Angles are measured on the image, in degrees: the interior angle at the knees, hips and
elbows (180 = straight; the mean of both sides where both are seen, else the side seen) and
the trunk's angle to the vertical (0 = upright or upside down along the vertical, 90 =
horizontal). NaN where the joints are unknown.
"""

from __future__ import annotations

import warnings

import numpy as np

from inference.assess.features import ANGLE_TRIPLES, joint_angles, joint_index
from inference.skeletons import get_skeleton

CURVES = ("knees", "hips", "elbows", "trunk to vertical")


def angle_curves(keypoints: np.ndarray, schema: str) -> dict[str, np.ndarray]:
    """``{name: (T,) degrees}`` for each of :data:`CURVES` from ``keypoints`` (T, J, 2|3) in pixels."""
    coords = np.asarray(keypoints, dtype=np.float64)[..., :2]
    angles = np.degrees(joint_angles(coords, schema))
    names = [name for name, _ in ANGLE_TRIPLES]
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a frame where neither side is seen stays NaN
        for curve, joint in (("knees", "knee"), ("hips", "hip"), ("elbows", "elbow")):
            sides = angles[:, [names.index(f"right_{joint}"), names.index(f"left_{joint}")]]
            out[curve] = np.nanmean(sides, axis=1)
    skeleton = get_skeleton(schema)
    hips = coords[:, [joint_index(skeleton, "left_hip"), joint_index(skeleton, "right_hip")]].mean(1)
    shoulders = coords[:, [joint_index(skeleton, "left_shoulder"), joint_index(skeleton, "right_shoulder")]].mean(1)
    d = shoulders - hips
    off = np.degrees(np.arctan2(np.abs(d[:, 0]), np.abs(d[:, 1])))  # 0 along the vertical either way up
    out["trunk to vertical"] = off
    return out


MOTION_CURVES = ("height", "speed", "trunk spin")
# Without the head top (COCO, MediaPipe) the head above the shoulders is taken as half a torso,
# about its share of a standing adult's height.
HEAD_SHARE_OF_TORSO = 0.5


def body_height(keypoints: np.ndarray, schema: str) -> float:
    """The athlete's standing height in pixels, from segment lengths (so a tucked or upside-down
    body measures the same): leg (hip-knee-ankle, mean of both sides) + torso (hip centre to
    shoulder centre) + head (shoulder centre to head top), each the median over the frames
    that show it. NaN when the hips and shoulders are never seen."""
    xy = np.asarray(keypoints, dtype=np.float64)[..., :2]
    skeleton = get_skeleton(schema)
    at = lambda name: xy[:, joint_index(skeleton, name)]  # noqa: E731
    length = lambda a, b: np.linalg.norm(a - b, axis=-1)  # noqa: E731
    hips = (at("left_hip") + at("right_hip")) / 2
    shoulders = (at("left_shoulder") + at("right_shoulder")) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        torso = np.nanmedian(length(hips, shoulders))
        legs = np.nanmedian(np.nanmean([length(at(f"{s}_hip"), at(f"{s}_knee")) + length(at(f"{s}_knee"),
                                                                                          at(f"{s}_ankle"))
                                        for s in ("left", "right")], axis=0))
        try:
            head = np.nanmedian(length(shoulders, at("head_top")))
        except ValueError:
            head = HEAD_SHARE_OF_TORSO * torso
    return float(torso + (legs if np.isfinite(legs) else 1.6 * torso) + (head if np.isfinite(head) else 0.0))


def motion_curves(keypoints: np.ndarray, schema: str, fps: float) -> dict[str, np.ndarray]:
    """``{name: (T,)}`` for :data:`MOTION_CURVES`: the hip centre's height above where it is on
    the first frame that shows it, in body heights (up is positive); its speed in body heights
    per second; the trunk's rotation speed in degrees per second (positive clockwise on screen).
    Body heights stand in for metres when the camera is not calibrated."""
    xy = np.asarray(keypoints, dtype=np.float64)[..., :2]
    skeleton = get_skeleton(schema)
    hips = xy[:, [joint_index(skeleton, "left_hip"), joint_index(skeleton, "right_hip")]].mean(1)
    shoulders = xy[:, [joint_index(skeleton, "left_shoulder"), joint_index(skeleton, "right_shoulder")]].mean(1)
    unit = body_height(keypoints, schema)
    seen = np.isfinite(hips).all(axis=1)
    frames = len(xy)
    if not seen.any() or not np.isfinite(unit) or unit <= 0:
        return {name: np.full(frames, np.nan) for name in MOTION_CURVES}
    start = hips[np.argmax(seen)]
    height = (start[1] - hips[:, 1]) / unit
    speed = np.linalg.norm(np.gradient(hips, axis=0), axis=1) * fps / unit if frames > 1 else np.full(frames, np.nan)
    d = shoulders - hips
    angle = np.arctan2(d[:, 0], -d[:, 1])
    spin = np.full(frames, np.nan)
    known = np.isfinite(angle)
    if known.sum() > 1:
        index = np.flatnonzero(known)
        unwrapped = np.unwrap(angle[known])
        rate = np.gradient(unwrapped, index) if len(index) > 1 else np.zeros(1)
        spin[known] = np.degrees(rate) * fps
    return {"height": height, "speed": speed, "trunk spin": spin}
