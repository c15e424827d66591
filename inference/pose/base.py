"""The contract every pose backend meets, and the values they return.

Coordinates are pixels of the image the backend was given. Schemas are the names of
inference.skeletons ("mpii16", "coco17", "mp33"); a backend reports poses in its native
schema and inference.skeletons.convert maps them to the one the user asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
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
