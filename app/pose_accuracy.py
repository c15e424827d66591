"""Accuracy of a pose backend on images with ground truth (COCO keypoints, mmpose's MPII JSON).

Top-down protocol: the backend is given each labelled person's box (as the tracker gives it
the athlete's box), its pose is converted to the ground truth's schema, and PCKh@0.5 (MPII)
or OKS and PCK@0.2 of the box size (COCO) are computed per joint and overall.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from app.errors import PlumbError
from inference.metrics.keypoints import KeypointScores, oks, oks_per_joint, pck, pckh
from inference.pose.base import Box, PoseBackend
from inference.pose.still import turn_image, turn_points, unturn_points
from inference.skeletons import COCO17, convert, get_skeleton


@dataclass(frozen=True)
class LabelledPerson:
    """image: file path; keypoints (J, 2) pixels; visible (J,) labelled joints; box; area (COCO)."""

    image: Path
    keypoints: np.ndarray
    visible: np.ndarray
    box: Box
    area: float


def load_mpii(json_path: Path) -> list[LabelledPerson]:
    """mmpose's MPII JSON: joints (16x[x,y]), joints_vis, center, scale (box side = 200 x scale)."""
    people = []
    for entry in json.loads(Path(json_path).read_text()):
        cx, cy = entry["center"]
        half = 100.0 * entry["scale"]
        joints = np.asarray(entry["joints"], np.float64)
        people.append(LabelledPerson(json_path.parent / entry["image"], joints,
                                     np.asarray(entry["joints_vis"], bool),
                                     (cx - half, cy - half, cx + half, cy + half), (2 * half) ** 2))
    return people


def load_coco(json_path: Path) -> list[LabelledPerson]:
    """COCO person keypoints: people with at least one labelled joint, not crowds."""
    document = json.loads(Path(json_path).read_text())
    files = {image["id"]: image["file_name"] for image in document["images"]}
    people = []
    for ann in document["annotations"]:
        if ann.get("iscrowd") or not ann.get("num_keypoints"):
            continue
        kp = np.asarray(ann["keypoints"], np.float64).reshape(-1, 3)
        x, y, w, h = ann["bbox"]
        people.append(LabelledPerson(json_path.parent / files[ann["image_id"]], kp[:, :2], kp[:, 2] > 0,
                                     (x, y, x + w, y + h), float(ann["area"])))
    return people


def predict(backend: PoseBackend, people: list[LabelledPerson], schema: str, turn: int = 0) -> np.ndarray:
    """float (N, J, 3) in `schema`, in the original image's pixels; NaN for people the backend
    did not find. turn: show the backend each image (and box) turned clockwise by 0, 90, 180
    or 270 degrees, the way an athlete upside down or on their side looks to it."""
    skeleton = get_skeleton(schema)
    out = np.full((len(people), skeleton.num_joints, 3), np.nan)
    images: dict[Path, np.ndarray] = {}
    for i, person in enumerate(people):
        if person.image not in images:
            images[person.image] = read_rgb(person.image)
        image = images[person.image]
        height, width = image.shape[:2]
        corners = turn_points(np.array(person.box, np.float64).reshape(2, 2), turn, width, height)
        box = (*corners.min(axis=0), *corners.max(axis=0))
        found = backend.estimate(turn_image(image, turn), box)
        if found is not None:
            keypoints = convert(found.keypoints, found.schema, skeleton).keypoints.astype(np.float64)
            keypoints[:, :2] = unturn_points(keypoints[:, :2], turn, width, height)
            out[i] = keypoints
    return out


@dataclass(frozen=True)
class AccuracyReport:
    schema: str
    people: int
    found: int
    pck: KeypointScores  # PCKh@0.5 for MPII, PCK@0.2 of the box diagonal for COCO
    oks: KeypointScores | None  # COCO only
    mean_oks: float | None


def evaluate_mpii(backend: PoseBackend, json_path: Path, turn: int = 0) -> AccuracyReport:
    people = load_mpii(json_path)
    pred = predict(backend, people, "mpii16", turn)
    gt = np.stack([p.keypoints for p in people])
    visible = np.stack([p.visible for p in people])
    return AccuracyReport("mpii16", len(people), int(np.isfinite(pred[:, :, 0]).any(axis=1).sum()),
                          pckh(pred, gt, visible), None, None)


def evaluate_coco(backend: PoseBackend, json_path: Path, turn: int = 0) -> AccuracyReport:
    people = load_coco(json_path)
    pred = predict(backend, people, "coco17", turn)
    gt = np.stack([p.keypoints for p in people])
    visible = np.stack([p.visible for p in people])
    areas = np.array([p.area for p in people])
    diagonals = np.array([np.hypot(p.box[2] - p.box[0], p.box[3] - p.box[1]) for p in people])
    sigmas = np.asarray(COCO17.oks_sigmas)
    per_instance = oks(pred, gt, visible, areas, sigmas)
    return AccuracyReport("coco17", len(people), int(np.isfinite(pred[:, :, 0]).any(axis=1).sum()),
                          pck(pred, gt, visible, diagonals, 0.2), oks_per_joint(pred, gt, visible, areas, sigmas),
                          float(np.nanmean(per_instance)))


def format_report(report: AccuracyReport) -> str:
    skeleton = get_skeleton(report.schema)
    metric = "PCKh@0.5" if report.schema == "mpii16" else "PCK@0.2"
    lines = [f"{report.schema}: {report.found}/{report.people} people found; {metric} {report.pck.overall:.3f}"
             + (f"; mean OKS {report.mean_oks:.3f}" if report.mean_oks is not None else "")]
    for j, name in enumerate(skeleton.joint_names):
        extra = f"  OKS term {report.oks.per_joint[j]:.3f}" if report.oks is not None else ""
        lines.append(f"  {name:<16} {metric} {report.pck.per_joint[j]:.3f} (n={report.pck.counted[j]}){extra}")
    return "\n".join(lines)


# LSP joint order -> MPII-16 index: the limbs map one to one, LSP's neck is MPII's upper neck.
LSP_TO_MPII = (0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 8, 9)


@dataclass(frozen=True)
class LabelledImage:
    """A still with one labelled person in MPII-16 (NaN where unlabelled); inverted: the head
    top lies below the hip midpoint."""

    image: Path
    keypoints: np.ndarray
    visible: np.ndarray
    inverted: bool


def load_lsp(json_path: Path) -> list[LabelledImage]:
    """LSP / LSPET joints as a JSON list of {"image", "joints": 14 x [x, y], "visible": 14 x 0|1}."""
    images = []
    for entry in json.loads(Path(json_path).read_text()):
        joints = np.asarray(entry["joints"], np.float64)
        seen = np.asarray(entry["visible"], bool)
        keypoints = np.full((16, 2), np.nan)
        visible = np.zeros(16, bool)
        keypoints[list(LSP_TO_MPII)] = joints
        visible[list(LSP_TO_MPII)] = seen
        inverted = bool(seen[13] and seen[2] and seen[3] and joints[13, 1] > joints[[2, 3], 1].mean())
        images.append(LabelledImage(json_path.parent / "images" / entry["image"], keypoints, visible, inverted))
    return images


def read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path))
    if bgr is None:
        raise PlumbError(f"{path}: cannot be read as an image.")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
