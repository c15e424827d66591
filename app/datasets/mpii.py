"""mmpose's MPII JSON: a list of ``{image, joints (16 x [x, y]), joints_vis (16), center
([x, y]), scale}``, one entry a person. FineDiving-Pose uses the same layout.

``scale`` is the person size in units of 200 px (box height ~ ``scale * 200``). MPII
``joints_vis`` is 1 for a labelled joint and 0 for an unlabelled one (written as
``[-1, -1]``); a labelled joint reads as visibility 2, since MPII does not say "occluded".
Extra per-entry keys are kept in :attr:`ImagePose.attributes`.

Writers take image file names; extracting frames from a video is the caller's job.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from app.datasets import atomic
from app.datasets.errors import DatasetError, malformed
from app.datasets.records import ImagePose, no_box

JOINTS = 16
_KEYS = ("image", "joints", "joints_vis", "center", "scale")


def read(path: str | os.PathLike) -> list[ImagePose]:
    """Every person in an mmpose MPII JSON file."""
    p = Path(path)
    data = atomic.read_json(p)
    if not isinstance(data, list):
        raise DatasetError(f"{p}: expected a JSON list of MPII entries, got {type(data).__name__}")
    with malformed(p, "MPII"):
        return [_pose(entry, i, p) for i, entry in enumerate(data)]


def _pose(entry: Any, i: int, p: Path) -> ImagePose:
    where = f"{p}: entry {i}"
    if not isinstance(entry, dict) or any(k not in entry for k in _KEYS):
        missing = [k for k in _KEYS if not isinstance(entry, dict) or k not in entry]
        raise DatasetError(f"{where} lacks {', '.join(missing)}; MPII entries need {', '.join(_KEYS)}")
    if not isinstance(entry["image"], str) or isinstance(entry["scale"], (bool, list, dict)):
        raise DatasetError(f"{where}: 'image' must be the image's file name and 'scale' a number")
    try:
        joints = np.asarray(entry["joints"], dtype=np.float64)
        vis = np.asarray(entry["joints_vis"], dtype=np.float64)
        center = np.asarray(entry["center"], dtype=np.float64)
        scale = float(entry["scale"])
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{where}: joints, joints_vis, center and scale must be numbers ({exc})") from None
    if joints.shape != (JOINTS, 2) or vis.shape != (JOINTS,):
        raise DatasetError(f"{where}: MPII needs {JOINTS} joints of [x, y] and {JOINTS} joints_vis, "
                           f"got joints {joints.shape} and joints_vis {vis.shape}")
    if center.shape != (2,):
        raise DatasetError(f"{where}: center must be [x, y], got shape {center.shape}")
    labelled = vis > 0
    if not (np.isfinite(joints[labelled]).all() and np.isfinite(center).all() and np.isfinite(scale)):
        raise DatasetError(f"{where}: labelled joints, center and scale must be finite numbers")
    keypoints = np.zeros((JOINTS, 3))
    keypoints[:, :2] = joints
    keypoints[~labelled, :2] = np.nan
    keypoints[labelled, 2] = 1.0
    return ImagePose(
        image=entry["image"], width=None, height=None, schema="mpii16",
        keypoints=keypoints, visibility=np.where(labelled, 2, 0).astype(np.uint8),
        bbox=no_box(), center=center, scale=scale,
        attributes={k: v for k, v in entry.items() if k not in _KEYS},
    )


def write(path: str | os.PathLike, poses: Iterable[ImagePose]) -> Path:
    """Write ``poses`` (MPII-16) as an mmpose MPII JSON list, atomically.

    A pose without ``center``/``scale`` gets them from its box (centre, height / 200), or
    else from the extent of its labelled joints.
    """
    entries = [_entry(pose, i) for i, pose in enumerate(poses)]
    atomic.write_json(path, entries)
    return Path(path)


def _entry(pose: ImagePose, i: int) -> dict:
    where = f"MPII export: person {i} ({pose.image})"
    if pose.schema != "mpii16":
        raise DatasetError(f"{where} is {pose.schema}; convert it to mpii16 first "
                           "(inference.skeletons.convert)")
    kp = np.asarray(pose.keypoints, dtype=np.float64)
    vis = np.asarray(pose.visibility)
    if kp.shape != (JOINTS, 3) or vis.shape != (JOINTS,):
        raise DatasetError(f"{where}: keypoints must be (16, 3) and visibility (16,), "
                           f"got {kp.shape} and {vis.shape}")
    labelled = (vis > 0) & np.isfinite(kp[:, :2]).all(axis=1)
    center, scale = pose.center, pose.scale
    if center is None or scale is None:
        box = np.asarray(pose.bbox, dtype=np.float64)
        if not np.isfinite(box).all():
            if not labelled.any():
                raise DatasetError(f"{where}: no center/scale, box or labelled joint to place it")
            lo, hi = kp[labelled, :2].min(axis=0), kp[labelled, :2].max(axis=0)
            box = np.concatenate([lo, hi])
        center = (box[:2] + box[2:]) / 2
        scale = float(box[3] - box[1]) / 200.0
    joints = np.where(labelled[:, None], kp[:, :2], -1.0)
    entry = {k: v for k, v in pose.attributes.items() if k not in _KEYS}
    entry.update({
        "joints_vis": [int(v) for v in labelled],
        "joints": [[float(x), float(y)] for x, y in joints],
        "image": pose.image,
        "scale": float(scale),
        "center": [float(c) for c in np.asarray(center, dtype=np.float64)],
    })
    return entry
