"""Rotation-robust top-down pose: the landmark network always sees an upright body.

Three ways to choose the region the network looks at (see :mod:`inference.pose.blazepose`):

* ``follow``: from the previous frame's landmarks (the hip centre and body axis the network
  itself reports), as MediaPipe does while it tracks;
* ``refine``: from any pose in MediaPipe's 33 landmarks (a detector's answer): centred on the
  hips, turned by the hip-to-shoulder axis, its side 2.5 times the farthest confident joint's
  distance from the hips (the detector's rule: the body's circle, enlarged by 1.25);
* ``search``: from a box alone: the box tried at several turns, the most confident kept.

Each then re-centres the region on the network's own hip centre and body axis and runs once
more (``passes``), which is what lets a region that started sideways settle on the body.
``read`` gives the pose to report for a body found so: one pass of a more accurate network on
the settled region, when one is installed (:mod:`inference.pose.landmark_models`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from inference.pose.blazepose import ROI_SCALE, Landmarks, LandmarkRunner, Region, region_of_box

# MediaPipe-33 indices of the hips and shoulders.
_HIPS, _SHOULDERS = [23, 24], [11, 12]
# Joints this sure count towards a pose's extent; fewer than _MIN_JOINTS of them: all joints.
_EXTENT_CONFIDENCE, _MIN_JOINTS = 0.3, 4
# The turns `search` tries: a quarter turn apart covers any body orientation within 45 degrees,
# which the network tolerates (it was trained on regions turned by a detector's estimate).
SEARCH_TURNS = (0.0, math.pi / 2, math.pi, -math.pi / 2)
# `recover` tries the previous turn and these offsets from it: an eighth and a quarter of a turn
# either way cover a fast somersault, a half turn a misread body axis.
RECOVER_TURNS = (0.0, math.pi / 4, -math.pi / 4, math.pi / 2, -math.pi / 2, math.pi)
# and a region this much larger than the previous one, for a body that moved or unfolded.
RECOVER_ENLARGE = 1.25


def region_of_pose(keypoints: np.ndarray) -> Region | None:
    """The upright region for a (33, 3) MediaPipe pose, or None when its hips or shoulders are
    not finite."""
    kp = np.asarray(keypoints, dtype=np.float64)
    hip, shoulder = kp[_HIPS, :2].mean(axis=0), kp[_SHOULDERS, :2].mean(axis=0)
    if not (np.isfinite(hip).all() and np.isfinite(shoulder).all()):
        return None
    dx, dy = shoulder - hip
    if math.hypot(dx, dy) < 1.0:
        return None
    confident = kp[(kp[:, 2] >= _EXTENT_CONFIDENCE) & np.isfinite(kp[:, :2]).all(axis=1), :2]
    if len(confident) < _MIN_JOINTS:
        confident = kp[np.isfinite(kp[:, :2]).all(axis=1), :2]
    radius = float(np.linalg.norm(confident - hip, axis=1).max())
    turn = -math.pi / 2 - math.atan2(dy, dx)
    return Region(float(hip[0]), float(hip[1]), ROI_SCALE * max(radius, 1.0), turn)


@dataclass(frozen=True)
class Search:
    """The answer of a rotation search: the kept landmarks and how much the turns disagreed
    (the median distance between the best and the second-best turn's joints, in units of the
    region's side; large when the body's orientation is ambiguous)."""

    best: Landmarks
    disagreement: float


class UprightEstimator:
    """The landmark network on upright regions chosen by follow / refine / search.

    passes: how many times a result is re-centred on its own hip centre and axis.
    reader: the network whose one pass on a found body's settled region is reported (`read`);
    None: the runner's own answer is.
    read_below: a video's followed frames are read only when their score is below this (inf:
    every frame; :mod:`inference.pose.landmark_models`). Stills and one-frame shots always are.
    """

    def __init__(self, runner: LandmarkRunner | None = None, passes: int = 1,
                 reader: LandmarkRunner | None = None, read_below: float = math.inf) -> None:
        self.runner = runner or LandmarkRunner()
        self.passes = int(passes)
        self.reader = reader
        self.read_below = float(read_below)

    def read(self, image: np.ndarray, found: Landmarks, min_flag: float) -> Landmarks:
        """The landmarks to report for a body found by follow, recover, refine or search: the
        reader's pass on the region found's own hip centre and axis give. found itself without
        a reader, or when the reader's flag (below min_flag) says nobody is there."""
        read = self.read_each(image, [found])[0]
        return read if read.flag >= min_flag else found

    def read_each(self, image: np.ndarray, found: list[Landmarks]) -> list[Landmarks]:
        """The reader's pass (one batch) on the region each of found's own hip centre and axis
        give, whatever its flag; a reading without a region, or without a reader, as it is."""
        regions = [f.next_region() if self.reader is not None else None for f in found]
        wanted = [r for r in regions if r is not None]
        read = iter(self.reader.run(image, wanted) if wanted else [])
        return [f if r is None else next(read) for f, r in zip(found, regions)]

    def is_body(self, image: np.ndarray, found: Landmarks, min_flag: float) -> bool:
        """Whether the reader's person flag on the region found's own hip centre and axis give
        reaches min_flag (found's own flag without a reader). The reader has the last word:
        the fast network can take a broadcast logo for a body that the accurate one does not."""
        return self.read_each(image, [found])[0].flag >= min_flag

    def follow(self, image: np.ndarray, previous: Landmarks) -> Landmarks | None:
        """One pass on the region of the previous frame's landmarks: the next frame re-centres."""
        region = previous.next_region()
        return None if region is None else self.runner.run(image, [region])[0]

    def recover(self, image: np.ndarray, previous: Landmarks, shift: tuple[float, float] = (0.0, 0.0),
                turns: tuple[float, ...] = RECOVER_TURNS) -> Landmarks | None:
        """When following failed: the previous region moved by `shift` (pixels), enlarged,
        tried at the previous turn plus each of `turns` in one batch; the most confident
        settled once. A fast rotation (a somersault turns a body 30-60 degrees a frame at 30
        fps) or a jump carries the body out of the region MediaPipe's rule would give."""
        region = previous.next_region()
        if region is None:
            return None
        regions = [Region(region.cx + shift[0], region.cy + shift[1], region.side * RECOVER_ENLARGE,
                          region.turn + t) for t in turns]
        best = max(self.runner.run(image, regions), key=lambda r: r.score)
        return self.settle(image, best, self.passes)

    def refine(self, image: np.ndarray, keypoints: np.ndarray, passes: int | None = None) -> Landmarks | None:
        """The landmarks on the upright region of a pose, re-centred `passes` times (default:
        this estimator's)."""
        region = region_of_pose(keypoints)
        if region is None:
            return None
        return self.settle(image, self.runner.run(image, [region])[0], self.passes if passes is None else passes)

    def search(self, image: np.ndarray, box: tuple[float, float, float, float],
               turns: tuple[float, ...] = SEARCH_TURNS) -> Search:
        found = self.runner.run(image, [region_of_box(box, t) for t in turns])
        ranked = sorted(found, key=lambda r: r.score, reverse=True)
        best = self.settle(image, ranked[0], self.passes)
        disagreement = 0.0
        if len(ranked) > 1:
            distance = np.linalg.norm(ranked[0].points[:, :2] - ranked[1].points[:, :2], axis=1)
            disagreement = float(np.median(distance) / ranked[0].region.side)
        return Search(best, disagreement)

    def settle(self, image: np.ndarray, result: Landmarks, passes: int) -> Landmarks:
        """result re-centred `passes` times on its own hip centre and axis."""
        for _ in range(passes):
            region = result.next_region()
            if region is None:
                break
            result = self.runner.run(image, [region])[0]
        return result
