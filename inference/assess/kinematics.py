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
