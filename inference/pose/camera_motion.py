"""How the camera moved between two consecutive frames, from the background alone.

Broadcast diving video pans (and sometimes zooms) with the diver, so image coordinates from
one frame are stale on the next. `CameraMotion` estimates the global similarity transform
(rotation, uniform scale, translation) of the *background* from the previous frame to the
current one:

1. the frame is turned grey and downscaled to ~320 px wide (INTER_AREA), which keeps the
   estimate sub-pixel at full resolution while making its cost almost independent of it;
2. corners (cv2.goodFeaturesToTrack) are picked on the previous frame outside the boxes of the
   people on it (the athlete moves with respect to the scene: her corners would pull the fit);
3. they are followed into the current frame with pyramidal Lucas–Kanade, and back again: a
   point is kept only when the backward track returns within `fb_error` pixels of where it
   started (occlusion, motion blur and splash fail this) and does not land on a person;
4. a similarity is fitted with RANSAC (cv2.estimateAffinePartial2D, refined on its inliers)
   in full-resolution pixels.

Too few inliers (a textureless or badly blurred frame, a cut) gives the identity, flagged as
a fallback in `CameraMotion.last`. Broadcast graphics (score, channel logo) stay still while
the scene moves; they hold few corners and RANSAC drops them, or pass their boxes in `exclude`.

Cost per frame (benchmarks/camera_motion.py, 2 OpenCV threads on a shared 2-core machine):
about 3 ms above the grey conversion and resize, whatever the input size (the work is on the
320 px copy), which themselves cost ~0.1 ms at 640x360 and ~1.9 ms at 1920x1080: ~3 ms and
~5 ms per frame in all. Error of one frame's matrix: ~0.03 px at 640x360, ~0.2 px at 1920x1080
(a thirtieth of a work pixel).

Matrices are 2x3 float64 mapping a point (x, y) of the previous frame to the current one:
[x', y'] = M[:, :2] @ [x, y] + M[:, 2]. Boxes are (x1, y1, x2, y2) pixels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[float, float, float, float]

IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


@dataclass(frozen=True)
class MotionEstimate:
    """One frame's camera motion.

    matrix: 2x3 float64, previous frame -> this frame, full-resolution pixels (the identity on a
    fallback). features: corners picked on the previous frame; tracked: those that passed the
    forward-backward check; inliers: those the RANSAC fit agrees with. fallback: True when the
    matrix is the identity because nothing could be estimated; reason says why ("first frame",
    "size changed", "too few features", "too few inliers", "implausible", or "" when estimated).
    """

    matrix: np.ndarray
    features: int = 0
    tracked: int = 0
    inliers: int = 0
    fallback: bool = True
    reason: str = ""

    @property
    def inlier_ratio(self) -> float:
        """Inliers among the points that passed the forward-backward check (0 when none did)."""
        return self.inliers / self.tracked if self.tracked else 0.0


class CameraMotion:
    """Feed consecutive frames in order; `update` returns the previous->current background motion.

    work_width: frames are downscaled to about this width before anything else (never upscaled).
    max_features / min_spacing / quality: goodFeaturesToTrack's maxCorners, minDistance (work
        pixels) and qualityLevel.
    window / levels: Lucas–Kanade's window (work pixels) and pyramid levels: a frame-to-frame
        motion up to about window / 2 · 2^levels work pixels (~40, an eighth of the width) is
        followed; a whip pan faster than that falls back.
    fb_error: forward-backward tolerance in work pixels.
    ransac_threshold: RANSAC reprojection tolerance in work pixels.
    min_inliers / min_inlier_ratio: below either, the frame falls back to the identity.
    max_scale_step / max_rotation_deg: a fit implying a larger zoom or roll between two frames
        is not a camera move (it is a cut or a mismatch) and falls back to the identity.
    exclude_margin: the people's boxes are grown by this share of their size per side.
    """

    def __init__(self, work_width: int = 320, *, max_features: int = 150, min_spacing: int = 7,
                 quality: float = 0.005, window: int = 11, levels: int = 3,
                 fb_error: float = 0.5, ransac_threshold: float = 0.5,
                 min_inliers: int = 12, min_inlier_ratio: float = 0.3, max_scale_step: float = 1.25,
                 max_rotation_deg: float = 10.0, exclude_margin: float = 0.1) -> None:
        if work_width < 32:
            raise ValueError(f"work_width must be at least 32 pixels, got {work_width}")
        self.work_width = int(work_width)
        self.max_features = max_features
        self.min_spacing = min_spacing
        self.quality = quality
        self.window = window
        self.levels = levels
        self.fb_error = fb_error
        self.ransac_threshold = ransac_threshold
        self.min_inliers = min_inliers
        self.min_inlier_ratio = min_inlier_ratio
        self.max_scale_step = max_scale_step
        self.max_rotation_deg = max_rotation_deg
        self.exclude_margin = exclude_margin
        self.last = MotionEstimate(IDENTITY.copy(), reason="first frame")
        self.reset()

    def reset(self) -> None:
        """Forget the previous frame (after a cut or a seek): the next update is a first frame."""
        self._size: tuple[int, int] | None = None  # full-resolution (width, height)
        self._scale = (1.0, 1.0)  # work / full, per axis
        self._gray: np.ndarray | None = None
        self._exclude: list[Box] = []

    def update(self, frame: np.ndarray, exclude: Sequence[Sequence[float]] = ()) -> np.ndarray:
        """The 2x3 previous->current motion of the background (identity on the first frame,
        after a size change and when too few inliers; `last` says which).

        frame: uint8 RGB (H, W, 3), RGBA (H, W, 4) or grey (H, W). exclude: boxes of people on
        *this* frame, full-resolution pixels (e.g. all of its detections, or the athlete's
        predicted box): they are masked when corners are picked on this frame at the next call,
        and points tracked into them now are dropped.
        """
        gray, size = self._prepare(frame)
        exclude = [tuple(float(v) for v in box[:4]) for box in exclude]
        if self._gray is None or size != self._size:
            reason = "first frame" if self._gray is None else "size changed"
            self._set_previous(gray, size, exclude)
            return self._fallback(reason)
        previous, previous_exclude = self._gray, self._exclude
        self._set_previous(gray, size, exclude)
        return self._estimate(previous, previous_exclude, gray, exclude)

    # --- steps -----------------------------------------------------------------------------

    def _prepare(self, frame: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        image = np.asarray(frame)
        if image.dtype != np.uint8:
            raise ValueError(f"frames are uint8 images, got dtype {image.dtype}: convert with "
                             "np.clip(frame, 0, 255).astype(np.uint8) first")
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[:, :, 0]
        if image.ndim == 2:
            gray = image
        elif image.ndim == 3 and image.shape[2] in (3, 4):
            code = cv2.COLOR_RGB2GRAY if image.shape[2] == 3 else cv2.COLOR_RGBA2GRAY
            gray = cv2.cvtColor(image, code)
        else:
            raise ValueError(f"a frame is (H, W), (H, W, 3) or (H, W, 4), got shape {image.shape}")
        h, w = gray.shape
        if w > self.work_width:
            work = (self.work_width, max(1, round(h * self.work_width / w)))
            gray = cv2.resize(gray, work, interpolation=cv2.INTER_AREA)
        return np.ascontiguousarray(gray), (w, h)

    def _set_previous(self, gray: np.ndarray, size: tuple[int, int], exclude: list[Box]) -> None:
        self._gray, self._size, self._exclude = gray, size, exclude
        self._scale = (gray.shape[1] / size[0], gray.shape[0] / size[1])

    def _fallback(self, reason: str, features: int = 0, tracked: int = 0, inliers: int = 0) -> np.ndarray:
        self.last = MotionEstimate(IDENTITY.copy(), features, tracked, inliers, True, reason)
        return self.last.matrix.copy()

    def _mask(self, shape: tuple[int, int], boxes: list[Box]) -> np.ndarray | None:
        """255 where corners may be picked (off the people); None when there is nobody to mask."""
        if not boxes:
            return None
        mask = np.full(shape, 255, np.uint8)
        for x1, y1, x2, y2 in self._work_boxes(boxes):
            mask[max(int(y1), 0):max(int(math.ceil(y2)), 0), max(int(x1), 0):max(int(math.ceil(x2)), 0)] = 0
        return mask

    def _work_boxes(self, boxes: list[Box]) -> list[Box]:
        """The boxes grown by exclude_margin, in work pixels."""
        sx, sy = self._scale
        out = []
        for x1, y1, x2, y2 in boxes:
            mx, my = (x2 - x1) * self.exclude_margin, (y2 - y1) * self.exclude_margin
            out.append(((x1 - mx) * sx, (y1 - my) * sy, (x2 + mx) * sx, (y2 + my) * sy))
        return out

    def _estimate(self, previous: np.ndarray, previous_exclude: list[Box], current: np.ndarray,
                  exclude: list[Box]) -> np.ndarray:
        corners = cv2.goodFeaturesToTrack(previous, self.max_features, self.quality, self.min_spacing,
                                          mask=self._mask(previous.shape, previous_exclude), blockSize=5)
        features = 0 if corners is None else len(corners)
        if features < self.min_inliers:
            return self._fallback("too few features", features)
        lk = dict(winSize=(self.window, self.window), maxLevel=self.levels,
                  criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01))
        forward, ok_f, _ = cv2.calcOpticalFlowPyrLK(previous, current, corners, None, **lk)
        back, ok_b, _ = cv2.calcOpticalFlowPyrLK(current, previous, forward, None, **lk)
        p0, p1 = corners.reshape(-1, 2), forward.reshape(-1, 2)
        h, w = current.shape
        keep = ((ok_f.ravel() == 1) & (ok_b.ravel() == 1)
                & (np.linalg.norm(back.reshape(-1, 2) - p0, axis=1) <= self.fb_error)
                & (p1[:, 0] >= 0) & (p1[:, 0] <= w - 1) & (p1[:, 1] >= 0) & (p1[:, 1] <= h - 1))
        for x1, y1, x2, y2 in self._work_boxes(exclude):
            keep &= ~((p1[:, 0] >= x1) & (p1[:, 0] <= x2) & (p1[:, 1] >= y1) & (p1[:, 1] <= y2))
        tracked = int(keep.sum())
        if tracked < self.min_inliers:
            return self._fallback("too few inliers", features, tracked)
        # Fit in full-resolution pixels, so the matrix needs no conversion. INTER_AREA maps
        # pixel centres: work = (full + 0.5) * scale - 0.5.
        scale = np.array(self._scale)
        src = (p0[keep] + 0.5) / scale - 0.5
        dst = (p1[keep] + 0.5) / scale - 0.5
        threshold = self.ransac_threshold / float(scale.min())
        matrix, inlier_mask = cv2.estimateAffinePartial2D(
            src, dst, method=cv2.RANSAC, ransacReprojThreshold=threshold, maxIters=2000,
            confidence=0.995, refineIters=10)
        inliers = 0 if inlier_mask is None else int(inlier_mask.sum())
        if matrix is None or inliers < self.min_inliers or inliers < self.min_inlier_ratio * tracked:
            return self._fallback("too few inliers", features, tracked, inliers)
        step = motion_scale(matrix)
        rotation = math.degrees(math.atan2(matrix[1, 0], matrix[0, 0]))
        if not (1 / self.max_scale_step <= step <= self.max_scale_step) or abs(rotation) > self.max_rotation_deg:
            return self._fallback("implausible", features, tracked, inliers)
        self.last = MotionEstimate(matrix.astype(np.float64), features, tracked, inliers, False, "")
        return self.last.matrix.copy()


# --- Matrices and boxes ---------------------------------------------------------------------

def check_motion(matrix: np.ndarray) -> np.ndarray:
    """The matrix as a finite 2x3 float64 array, or a ValueError saying what is wrong."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape != (2, 3) or not np.isfinite(m).all():
        raise ValueError(f"a camera motion is a finite 2x3 matrix, got shape {m.shape}")
    return m


def motion_scale(matrix: np.ndarray) -> float:
    """The uniform scale of a (similarity) motion: sqrt(|det|) of its linear part."""
    m = np.asarray(matrix, dtype=np.float64)
    return math.sqrt(abs(float(m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0])))


def is_identity(matrix: np.ndarray | None) -> bool:
    return matrix is None or np.array_equal(np.asarray(matrix, dtype=np.float64), IDENTITY)


def invert_motion(matrix: np.ndarray) -> np.ndarray:
    """The current -> previous motion (for tracking backwards in time)."""
    return cv2.invertAffineTransform(check_motion(matrix)).astype(np.float64)


def chain_motions(matrices: Iterable[np.ndarray | None]) -> np.ndarray:
    """One motion for several consecutive ones given in time order (None = identity): from the
    frame before the first to the frame of the last."""
    total = np.eye(3)
    for m in matrices:
        if m is not None:
            total = np.vstack([check_motion(m), [0.0, 0.0, 1.0]]) @ total
    return total[:2].copy()


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """(N, 2) points mapped by a 2x3 motion."""
    m = check_motion(matrix)
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return p @ m[:, :2].T + m[:, 2]


def transform_box(box: Sequence[float], matrix: np.ndarray) -> Box:
    """The box (x1, y1, x2, y2) in the other frame's coordinates.

    The centre is mapped and the width and height are multiplied by the motion's scale. For a
    translation and zoom this is exactly the hull of the four mapped corners; under a roll it
    keeps the box's size, where the hull would grow by |sin|+|cos| per frame and the boxes kept
    over several frames would swell (the tracker's size gate compares their diagonals).
    """
    x1, y1, x2, y2 = (float(v) for v in box[:4])
    s = motion_scale(check_motion(matrix))
    cx, cy = transform_points(np.array([(x1 + x2) / 2, (y1 + y2) / 2]), matrix)[0]
    hw, hh = (x2 - x1) / 2 * s, (y2 - y1) / 2 * s
    return (float(cx - hw), float(cy - hh), float(cx + hw), float(cy + hh))
