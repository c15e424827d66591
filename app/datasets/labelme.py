"""LabelMe JSON, one file per frame: how FineDiving-Pose annotators labelled frames.

Each file has ``imagePath``, ``imageHeight``, ``imageWidth`` and ``shapes``: a ``point``
shape per labelled joint (``label`` is the joint name: the schema's own, e.g. ``r_knee``,
or the long form ``right_knee``) and one ``rectangle`` for the athlete box. A point whose
shape flags say ``"occluded": true`` reads as visibility 1, any other as 2. Other shape
types (polygons for the pool, say) are ignored. One person per file.

Writers take image file names; extracting frames from a video is the caller's job.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from app.datasets import atomic
from app.datasets.coco import MAX_IMAGE_SIDE
from app.datasets.errors import DatasetError, malformed
from app.datasets.records import ImagePose
from inference.skeletons import canonical_name, get_skeleton

LABELME_VERSION = "5.4.1"
BOX_LABEL = "athlete"
_KEYS = ("shapes", "imagePath", "imageHeight", "imageWidth")


def read(path: str | os.PathLike, schema: str = "mpii16") -> list[ImagePose]:
    """The pose in one LabelMe file, or in every ``*.json`` of a folder (sorted by name)."""
    p = Path(path)
    files = sorted(p.glob("*.json")) if p.is_dir() else [p]
    try:
        skeleton = get_skeleton(schema)
    except ValueError as exc:
        raise DatasetError(str(exc)) from None
    return [_pose(f, skeleton) for f in files]


def _pose(path: Path, skeleton: Any) -> ImagePose:
    data = atomic.read_json(path)
    with malformed(path, "LabelMe"):
        return _parse(data, path, skeleton)


def _parse(data: Any, path: Path, skeleton: Any) -> ImagePose:
    if not isinstance(data, dict) or any(k not in data for k in _KEYS):
        raise DatasetError(f"{path}: a LabelMe file needs {', '.join(_KEYS)}")
    if not isinstance(data["shapes"], list):
        raise DatasetError(f"{path}: 'shapes' must be a list, got {type(data['shapes']).__name__}")
    if not isinstance(data["imagePath"], str):
        raise DatasetError(f"{path}: 'imagePath' must be the image's file name")
    index = {}
    for i, name in enumerate(skeleton.joint_names):
        index[name] = index[canonical_name(name)] = i
    keypoints = np.full((skeleton.num_joints, 3), np.nan)
    keypoints[:, 2] = 0.0
    visibility = np.zeros(skeleton.num_joints, np.uint8)
    bbox = np.full(4, np.nan)
    boxes = 0
    for shape in data["shapes"]:
        if not isinstance(shape, dict):
            raise DatasetError(f"{path}: a shape is not an object")
        kind, label = shape.get("shape_type", "polygon"), shape.get("label", "")
        flags = shape.get("flags") or {}
        if not isinstance(label, str) or not isinstance(flags, dict):
            raise DatasetError(f"{path}: a shape's 'label' must be a string and its 'flags' an object")
        try:
            points = np.asarray(shape.get("points"), dtype=np.float64)
        except (TypeError, ValueError):
            raise DatasetError(f"{path}: shape {label!r} has non-numeric points") from None
        if kind == "point":
            if label not in index:
                raise DatasetError(f"{path}: point {label!r} is not a {skeleton.name} joint; "
                                   f"use one of {', '.join(skeleton.joint_names)}")
            j = index[label]
            if points.shape != (1, 2):
                raise DatasetError(f"{path}: point {label!r} must have one [x, y]")
            if visibility[j]:
                raise DatasetError(f"{path}: joint {label!r} is labelled twice")
            keypoints[j] = [points[0, 0], points[0, 1], 1.0]
            if not np.isfinite(points).all():
                raise DatasetError(f"{path}: point {label!r} must be finite numbers")
            occluded = bool(flags.get("occluded"))
            visibility[j] = 1 if occluded else 2
        elif kind == "rectangle":
            boxes += 1
            if boxes > 1:
                raise DatasetError(f"{path}: more than one rectangle; one athlete box per file")
            if points.shape != (2, 2) or not np.isfinite(points).all():
                raise DatasetError(f"{path}: rectangle {label!r} must have two corners of finite numbers")
            bbox = np.concatenate([points.min(axis=0), points.max(axis=0)])
    width, height = data["imageWidth"], data["imageHeight"]
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_IMAGE_SIDE for v in (width, height)):
        raise DatasetError(f"{path}: imageWidth and imageHeight must be whole numbers of pixels "
                           f"from 1 to {MAX_IMAGE_SIDE}, got {width!r} and {height!r}")
    return ImagePose(image=data["imagePath"], width=width, height=height,
                     schema=skeleton.name, keypoints=keypoints, visibility=visibility, bbox=bbox)


def write(folder: str | os.PathLike, poses: Iterable[ImagePose]) -> list[Path]:
    """Write one LabelMe file per pose, ``<folder>/<image stem>.json``; return the paths.

    Every pose needs its image size (LabelMe requires it). Nothing is written when a pose
    is refused.
    """
    root = Path(folder)
    out: dict[Path, dict] = {}
    for i, pose in enumerate(poses):
        where = f"LabelMe export: person {i} ({pose.image})"
        if pose.width is None or pose.height is None:
            raise DatasetError(f"{where} has no image size; LabelMe needs imageWidth/imageHeight")
        try:
            skeleton = get_skeleton(pose.schema)
        except ValueError as exc:
            raise DatasetError(f"{where}: {exc}") from None
        kp = np.asarray(pose.keypoints, dtype=np.float64)
        vis = np.asarray(pose.visibility)
        if kp.shape != (skeleton.num_joints, 3) or vis.shape != (skeleton.num_joints,):
            raise DatasetError(f"{where}: keypoints must be ({skeleton.num_joints}, 3), got {kp.shape}")
        path = root / (Path(pose.image).stem + ".json")
        if path in out:
            raise DatasetError(f"{where}: a second person for {path.name}; LabelMe holds one per file")
        shapes = []
        for name, (x, y, _), v in zip(skeleton.joint_names, kp, vis):
            if v > 0 and np.isfinite(x) and np.isfinite(y):
                shapes.append({"label": name, "points": [[float(x), float(y)]], "group_id": None,
                               "description": "", "shape_type": "point",
                               "flags": {"occluded": True} if v == 1 else {}})
        box = np.asarray(pose.bbox, dtype=np.float64)
        if np.isfinite(box).all():
            shapes.append({"label": BOX_LABEL, "points": [[float(box[0]), float(box[1])],
                                                           [float(box[2]), float(box[3])]],
                           "group_id": None, "description": "", "shape_type": "rectangle",
                           "flags": {}})
        out[path] = {"version": LABELME_VERSION, "flags": {}, "shapes": shapes,
                     "imagePath": pose.image, "imageData": None,
                     "imageHeight": int(pose.height), "imageWidth": int(pose.width)}
    for path, data in out.items():
        atomic.write_json(path, data)
    return list(out)
