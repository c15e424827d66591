"""A deterministic pose backend for pipeline tests: it reads the frame number drawn into each
decoded frame (tests.helpers.videos) and reports an athlete whose joints are a known function
of that number, plus a static spectator in a corner. The pipeline, decoding and store are real;
only the neural network is replaced, so results can be checked exactly.
"""

from __future__ import annotations

import numpy as np

from inference.pose.base import PersonPose
from tests.helpers.videos import read_frame_number

JOINTS = 16


def athlete_keypoints(n: int) -> np.ndarray:
    """float32 (16, 3): joint j of frame n at (100 + 2n + 3j, 60 + 4j), confidence 0.9."""
    j = np.arange(JOINTS, dtype=np.float32)
    return np.stack([100 + 2 * n + 3 * j, 60 + 4 * j, np.full(JOINTS, 0.9, np.float32)], axis=1)


def _person(keypoints: np.ndarray, score: float) -> PersonPose:
    x1, y1 = keypoints[:, :2].min(axis=0)
    x2, y2 = keypoints[:, :2].max(axis=0)
    return PersonPose(keypoints.astype(np.float32), (float(x1), float(y1), float(x2), float(y2)), score, "mpii16")


class NumberedPose:
    name = "numbered"
    schema = "mpii16"

    def __init__(self, missing: set[int] = frozenset(), spectator: bool = True) -> None:
        self.missing = set(missing)
        self.spectator = spectator
        self.detected: list[int] = []
        self.closed = False

    def detect(self, image: np.ndarray, timestamp_ms: int | None = None) -> list[PersonPose]:
        n = read_frame_number(image)
        self.detected.append(n)
        people = [] if n in self.missing else [_person(athlete_keypoints(n), 0.95)]
        if self.spectator:
            corner = athlete_keypoints(0)
            corner[:, 0] = 5 + np.arange(JOINTS) * 0.5
            corner[:, 1] = 170 + np.arange(JOINTS)
            people.append(_person(corner, 0.9))
        return people

    def estimate(self, image: np.ndarray, bbox) -> PersonPose | None:
        return None

    def close(self) -> None:
        self.closed = True
