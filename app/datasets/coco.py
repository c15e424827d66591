"""COCO keypoint JSON: ``images``, ``annotations`` (flat ``keypoints`` [x, y, v]*J,
``num_keypoints``, ``bbox`` [x, y, w, h], ``area``, ``iscrowd``) and ``categories``
(keypoint names and a 1-based ``skeleton``).

One :class:`ImagePose` per annotation of a category with keypoints; the schema is the
Plumb skeleton whose joint names the category lists (COCO-17, MPII-16 or MediaPipe-33).
Boxes become ``x1, y1, x2, y2``. A joint with ``v = 0`` reads as NaN. Ids, ``area`` and
``iscrowd`` (and ``score`` in result files) are kept in :attr:`ImagePose.attributes`;
``segmentation`` is not kept. Images without annotations are not returned.

Writers take image file names; extracting frames from a video is the caller's job.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from app.datasets import atomic
from app.datasets.errors import DatasetError, malformed
from app.datasets.records import ImagePose
from inference.skeletons import SKELETON_NAMES, canonical_name, get_skeleton

_KEPT = ("id", "image_id", "category_id", "area", "iscrowd", "score")
MAX_IMAGE_SIDE = 65536
"""Largest image width or height read (beyond any camera; a bigger number is a broken file)."""


def _schema_for(names: list[str]) -> str | None:
    wanted = [canonical_name(str(n)) for n in names]
    for name in SKELETON_NAMES:
        if [canonical_name(j) for j in get_skeleton(name).joint_names] == wanted:
            return name
    return None


def read(path: str | os.PathLike) -> list[ImagePose]:
    """Every keypoint annotation in a COCO JSON file."""
    p = Path(path)
    data = atomic.read_json(p)
    with malformed(p, "COCO keypoint"):
        return _read(data, p)


def _read(data: Any, p: Path) -> list[ImagePose]:
    if not isinstance(data, dict) or any(k not in data for k in ("images", "annotations", "categories")):
        raise DatasetError(f"{p}: a COCO keypoint file needs 'images', 'annotations' and 'categories'")
    for key in ("images", "annotations", "categories"):
        if not isinstance(data[key], list):
            raise DatasetError(f"{p}: '{key}' must be a list, got {type(data[key]).__name__}")
    schemas: dict[Any, str] = {}
    for cat in data["categories"]:
        if not isinstance(cat, dict) or not _is_id(cat.get("id")):
            raise DatasetError(f"{p}: a category lacks its 'id' (a number or a string)")
        names = cat.get("keypoints")
        if names:
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise DatasetError(f"{p}: category {cat['id']!r}: 'keypoints' must be a list of joint names")
            schema = _schema_for(names)
            if schema is None:
                raise DatasetError(f"{p}: category {cat.get('name', cat['id'])!r} has "
                                   f"{len(names)} keypoints that match none of the "
                                   f"known skeletons ({', '.join(SKELETON_NAMES)})")
            schemas[cat["id"]] = schema
    images: dict[Any, dict] = {}
    for img in data["images"]:
        if not isinstance(img, dict) or any(k not in img for k in ("id", "file_name")):
            raise DatasetError(f"{p}: an image entry lacks 'id' or 'file_name'")
        if not _is_id(img["id"]) or not isinstance(img["file_name"], str):
            raise DatasetError(f"{p}: image {img['id']!r}: 'id' must be a number or a string and "
                               "'file_name' a string")
        images[img["id"]] = img
    return [_pose(ann, i, schemas, images, p) for i, ann in enumerate(data["annotations"])
            if isinstance(ann, dict) and _is_id(ann.get("category_id")) and ann["category_id"] in schemas]


def _is_id(value: Any) -> bool:
    """COCO ids are numbers (strings in some tools); a list or an object cannot be one."""
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _size(img: dict, key: str, where: str) -> int | None:
    value = img.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value != int(value) or not 0 < value <= MAX_IMAGE_SIDE:
        raise DatasetError(f"{where}: image {key} {value!r} must be a whole number of pixels "
                           f"from 1 to {MAX_IMAGE_SIDE}")
    return int(value)


def _pose(ann: dict, i: int, schemas: dict, images: dict, p: Path) -> ImagePose:
    where = f"{p}: annotation {ann.get('id', i)}"
    if "keypoints" not in ann or "image_id" not in ann:
        raise DatasetError(f"{where} lacks 'keypoints' or 'image_id'")
    if "id" in ann and not _is_id(ann["id"]):
        raise DatasetError(f"{p}: annotation {i}: 'id' {ann['id']!r} must be a number or a string")
    if not _is_id(ann["image_id"]) or ann["image_id"] not in images:
        raise DatasetError(f"{where} refers to image {ann['image_id']!r}, which is not in 'images'")
    schema = schemas[ann["category_id"]]
    joints = get_skeleton(schema).num_joints
    if not isinstance(ann["keypoints"], list) or not isinstance(ann.get("bbox"), (list, type(None))):
        raise DatasetError(f"{where}: keypoints and bbox must be lists of numbers")
    try:
        flat = np.asarray(ann["keypoints"], dtype=np.float64)
        box = np.asarray(ann["bbox"], dtype=np.float64) if ann.get("bbox") is not None else None
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{where}: keypoints and bbox must be numbers ({exc})") from None
    if flat.shape != (3 * joints,):
        raise DatasetError(f"{where}: {schema} needs {3 * joints} keypoint numbers "
                           f"([x, y, v] x {joints}), got {flat.size}")
    if box is not None and box.shape != (4,):
        raise DatasetError(f"{where}: bbox must be [x, y, width, height], got {box.size} numbers")
    xyv = flat.reshape(joints, 3)
    vis = xyv[:, 2]
    if not np.isin(vis, (0, 1, 2)).all():
        raise DatasetError(f"{where}: keypoint visibility must be 0, 1 or 2")
    if not np.isfinite(xyv[vis > 0, :2]).all() or (box is not None and not np.isfinite(box).all()):
        raise DatasetError(f"{where}: labelled keypoints and the bbox must be finite numbers")
    keypoints = np.zeros((joints, 3))
    keypoints[:, :2] = xyv[:, :2]
    keypoints[vis == 0, :2] = np.nan
    keypoints[vis > 0, 2] = 1.0
    bbox = np.full(4, np.nan) if box is None else np.concatenate([box[:2], box[:2] + box[2:]])
    img = images[ann["image_id"]]
    return ImagePose(
        image=img["file_name"],
        width=_size(img, "width", where),
        height=_size(img, "height", where),
        schema=schema, keypoints=keypoints, visibility=vis.astype(np.uint8), bbox=bbox,
        attributes={k: ann[k] for k in _KEPT if k in ann},
    )


def _number(v: float) -> int | float:
    """JSON number: whole values as ints (as COCO writes pixel coordinates)."""
    v = float(v)
    return int(v) if v.is_integer() else v


def write(path: str | os.PathLike, poses: Iterable[ImagePose]) -> Path:
    """Write ``poses`` (all of one schema) as a COCO keypoint JSON file, atomically.

    Image and annotation ids come from ``attributes`` where present, else are numbered.
    """
    poses = list(poses)
    schemas = {pose.schema for pose in poses}
    if len(schemas) > 1:
        raise DatasetError(f"COCO export: poses mix skeletons ({', '.join(sorted(schemas))}); "
                           "convert them to one first")
    skeleton = get_skeleton(schemas.pop() if schemas else "coco17")
    category_id = next((p.attributes["category_id"] for p in poses if "category_id" in p.attributes), 1)
    images: dict[str, dict] = {}
    annotations = []
    used_ids = {p.attributes["id"] for p in poses if "id" in p.attributes}
    next_id = (max((i for i in used_ids if isinstance(i, int)), default=0)) + 1
    for i, pose in enumerate(poses):
        where = f"COCO export: person {i} ({pose.image})"
        kp = np.asarray(pose.keypoints, dtype=np.float64)
        vis = np.asarray(pose.visibility)
        if kp.shape != (skeleton.num_joints, 3) or vis.shape != (skeleton.num_joints,):
            raise DatasetError(f"{where}: keypoints must be ({skeleton.num_joints}, 3) and "
                               f"visibility ({skeleton.num_joints},), got {kp.shape} and {vis.shape}")
        image = images.get(pose.image)
        if image is None:
            image = {"id": pose.attributes.get("image_id", len(images) + 1), "file_name": pose.image}
            if pose.width is not None:
                image["width"] = int(pose.width)
            if pose.height is not None:
                image["height"] = int(pose.height)
            images[pose.image] = image
        labelled = (vis > 0) & np.isfinite(kp[:, :2]).all(axis=1)
        flat: list[int | float] = []
        for (x, y, _), v, ok in zip(kp, vis, labelled):
            flat += [_number(x), _number(y), int(v)] if ok else [0, 0, 0]
        ann = {"id": pose.attributes.get("id"), "image_id": image["id"],
               "category_id": category_id, "keypoints": flat,
               "num_keypoints": int(labelled.sum()), "iscrowd": pose.attributes.get("iscrowd", 0)}
        if ann["id"] is None:
            ann["id"], next_id = next_id, next_id + 1
        box = np.asarray(pose.bbox, dtype=np.float64)
        if np.isfinite(box).all():
            w, h = round(box[2] - box[0], 10), round(box[3] - box[1], 10)
            ann["bbox"] = [_number(box[0]), _number(box[1]), _number(w), _number(h)]
            ann["area"] = pose.attributes.get("area", _number(w * h))
        elif "area" in pose.attributes:
            ann["area"] = pose.attributes["area"]
        if "score" in pose.attributes:
            ann["score"] = pose.attributes["score"]
        if any(isinstance(v, float) and not math.isfinite(v) for v in flat):
            raise DatasetError(f"{where}: non-finite coordinate")
        annotations.append(ann)
    data = {
        "images": list(images.values()),
        "annotations": annotations,
        "categories": [{"supercategory": "person", "id": category_id, "name": "person",
                        "keypoints": list(skeleton.joint_names),
                        "skeleton": [[a + 1, b + 1] for a, b in skeleton.bones]}],
    }
    atomic.write_json(path, data)
    return Path(path)
