"""The contract every pose backend meets, and the values they return.

Coordinates are pixels of the image the backend was given. Schemas are the names of
inference.skeletons ("mpii16", "coco17", "mp33"); a backend reports poses in its native
schema and inference.skeletons.convert maps them to the one the user asked for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

import numpy as np

Box = tuple[float, float, float, float]
"""x1, y1, x2, y2 in pixels."""


class PoseBackendError(Exception):
    """A backend cannot be created or run (missing model file, package not installed, ...).

    The message says what to do, e.g. which file to point to or what to install.
    """


@dataclass(frozen=True)
class PersonPose:
    """One person in one image.

    keypoints: float32 (J, 3) x, y, confidence in [0, 1]; NaN x/y for joints not found.
    bbox: the person's box in pixels; score: the detector's confidence in [0, 1].
    """

    keypoints: np.ndarray
    bbox: Box
    score: float
    schema: str


@runtime_checkable
class PoseBackend(Protocol):
    name: str
    schema: str

    def detect(self, image: np.ndarray, timestamp_ms: int | None = None) -> list[PersonPose]:
        """Every person found in an RGB uint8 (H, W, 3) image, best first.

        timestamp_ms, when given, must increase from call to call: video-mode backends use it
        to follow people between consecutive frames.
        """
        ...

    def estimate(self, image: np.ndarray, bbox: Box) -> PersonPose | None:
        """The pose of the one person in (or near) bbox, or None when nobody is found there."""
        ...

    def close(self) -> None: ...


def box_of(keypoints: np.ndarray, margin: float = 0.1) -> Box | None:
    """Tight box around the finite keypoints (J, 3), grown by `margin` of its size per side."""
    finite = np.isfinite(keypoints[:, :2]).all(axis=1)
    if not finite.any():
        return None
    xy = keypoints[finite, :2]
    (x1, y1), (x2, y2) = xy.min(axis=0), xy.max(axis=0)
    mx, my = (x2 - x1) * margin, (y2 - y1) * margin
    return (float(x1 - mx), float(y1 - my), float(x2 + mx), float(y2 + my))


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two (x1, y1, x2, y2) boxes; 0 when they do not overlap."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


# A box lying this much inside another is a second reading of the same body (arms or legs
# found or missed), for the backends' duplicates and the tracker's bystanders alike.
SAME_BODY_INSIDE = 0.7


def inside_fraction(inner: Sequence[float], outer: Sequence[float]) -> float:
    """Share of inner's area that lies inside outer (boxes (x1, y1, x2, y2))."""
    w = min(inner[2], outer[2]) - max(inner[0], outer[0])
    h = min(inner[3], outer[3]) - max(inner[1], outer[1])
    area = (inner[2] - inner[0]) * (inner[3] - inner[1])
    if w <= 0 or h <= 0 or area <= 0:
        return 0.0
    return float(w * h / area)


def same_body_boxes(a: Sequence[float], b: Sequence[float], min_iou: float) -> bool:
    """Boxes of one body: they overlap by more than min_iou, or a lies mostly inside b (a
    reading of part of the body, or with arms or legs missed)."""
    return box_iou(a, b) > min_iou or inside_fraction(a, b) > SAME_BODY_INSIDE


def detect_top_down(image: np.ndarray, timestamp_ms: int | None, detector: PoseBackend | None,
                    estimate_many: Callable[[np.ndarray, list[Box]], list[PersonPose | None]]) -> list[PersonPose]:
    """detect() of a top-down model: the detector's people (the whole image without one), each
    refined by the model; a person keeps the detector's score, the joints are the model's."""
    if detector is None:
        h, w = np.asarray(image).shape[:2]
        poses = estimate_many(image, [(0.0, 0.0, float(w), float(h))])
        return [pose for pose in poses if pose is not None]
    people = detector.detect(image, timestamp_ms)
    poses = estimate_many(image, [p.bbox for p in people])
    return [replace(pose, score=float(person.score)) for person, pose in zip(people, poses) if pose is not None]


# The person detector sees a whole image shrunk to 224x224, where a person a third of a 16:9
# frame high is often missed: an image more than this many times as long as it is wide is also
# searched in square tiles of its shorter side.
TILE_ASPECT = 1.4


def square_tiles(width: int, height: int) -> tuple[tuple[int, int, int, int], ...]:
    """(x0, y0, width, height) of square tiles of the shorter side covering an image more than
    TILE_ASPECT times as long as it is wide, neighbours overlapping by at least a tenth of the
    side; () for an image closer to square."""
    long, short = max(width, height), min(width, height)
    if long <= TILE_ASPECT * short:
        return ()
    overlap = 0.1 * short
    n = max(2, math.ceil((long - overlap) / (short - overlap)))
    starts = [round(k * (long - short) / (n - 1)) for k in range(n)]
    if width >= height:
        return tuple((s, 0, short, short) for s in starts)
    return tuple((0, s, short, short) for s in starts)
