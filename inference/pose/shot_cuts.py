"""Cuts between shots: consecutive frames that show another scene (a broadcast cutting to a
replay or another camera, or a folder of frames taken from different clips).

Across a cut nothing carries over: the athlete's box, velocity and landmarks belong to the
other shot, and following them would take whoever stands there now for the athlete. The
measure is PySceneDetect's content detector: the mean absolute difference of hue, saturation
and value between the two frames (downscaled), averaged over the three channels; a cut when it
exceeds its default threshold of 27 (on a 0-255 scale). Within a shot, even a fast pan or a
diver's flight changes a frame by a few units.

Two unrelated pictures of similar colours (two broadcasts of one pool, images letterboxed
into one frame size) can differ by less than that. A frame that changed by more than half the
threshold is therefore also a cut when the background cannot be followed into it: of the
corners picked on the previous frame, fewer than a tenth come back through a forward-backward
Lucas-Kanade track (:class:`inference.pose.camera_motion.CameraMotion`). Between unrelated
pictures only a few percent do, by chance; within a shot, even a fast pan with blur keeps most.
"""

from __future__ import annotations

import cv2
import numpy as np

from inference.pose.camera_motion import CameraMotion

CUT_THRESHOLD = 27.0
# The band where the background track decides, and the share of corners it must keep.
TRACK_CHECK_FROM = CUT_THRESHOLD / 2
MIN_FOLLOWED_SHARE = 0.1
# Frames are compared at this width: the measure is a mean, so detail adds nothing but time.
COMPARE_WIDTH = 160


def _signature(rgb: np.ndarray) -> np.ndarray:
    # Every n-th pixel: a mean over thousands of pixels needs no smoothing, and a 1080p frame
    # costs a tenth of a millisecond instead of the several an area resize takes.
    step = max(1, rgb.shape[1] // COMPARE_WIDTH)
    small = np.ascontiguousarray(rgb[::step, ::step])
    return cv2.cvtColor(small, cv2.COLOR_RGB2HSV).astype(np.int16)


def content_change(a: np.ndarray, b: np.ndarray) -> float:
    """The content detector's measure between two RGB frames of one size."""
    return float(np.abs(_signature(a) - _signature(b)).mean())


class ShotCuts:
    """Feed frames in order; `is_cut` says whether a frame starts a new shot."""

    def __init__(self, threshold: float = CUT_THRESHOLD) -> None:
        self.threshold = threshold
        self._previous: np.ndarray | None = None
        self._previous_rgb: np.ndarray | None = None

    def is_cut(self, rgb: np.ndarray) -> bool:
        signature = _signature(rgb)
        previous, self._previous = self._previous, signature
        previous_rgb, self._previous_rgb = self._previous_rgb, rgb
        if previous is None or previous.shape != signature.shape:
            return previous is not None
        change = float(np.abs(signature - previous).mean())
        if change > self.threshold:
            return True
        return change > self.threshold * TRACK_CHECK_FROM / CUT_THRESHOLD and not background_follows(previous_rgb, rgb)


def background_follows(previous: np.ndarray, current: np.ndarray) -> bool:
    """Whether the corners of the previous frame can be followed into the current one (see the
    module docstring); True when the previous frame has too few corners to tell."""
    probe = CameraMotion()
    probe.update(previous)
    probe.update(current)
    found = probe.last
    if found.features < 2 * probe.min_inliers:
        return True
    return found.tracked >= MIN_FOLLOWED_SHARE * found.features
