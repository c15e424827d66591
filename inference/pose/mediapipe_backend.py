"""MediaPipe Pose (BlazePose, 33 landmarks): the default offline pose backend.

Runs the models that ship inside the mediapipe 0.10.21 wheel; nothing is downloaded.

* Several people: the Tasks API ``PoseLandmarker`` with a ``.task`` bundle assembled from the
  wheel's models (:mod:`inference.pose.mediapipe_bundle`).
* One person: the legacy ``mediapipe.solutions.pose`` graph (``model_complexity=1``, the only
  complexity whose model is in the wheel), used when ``single_person=True`` or, with a logged
  warning, when the Tasks bundle cannot be built or loaded.

Both graphs run through :mod:`inference.pose.mediapipe_runners`.

Coordinates are pixels of the image given; a joint's confidence is MediaPipe's landmark
visibility times its presence; a person's score is the mean confidence of the twelve limb
joints (shoulders, elbows, wrists, hips, knees, ankles). MediaPipe places all 33 landmarks
for every person it finds, out-of-frame ones included, so keypoints are always finite.

Not thread-safe: use one instance per thread. mediapipe is imported on first construction,
not when this module is imported.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from inference.pose.base import (
    Box, PersonPose, PoseBackendError, box_of, inside_fraction, same_body_boxes, square_tiles,
)
from inference.pose.mediapipe_bundle import pose_task_bundle
from inference.pose.mediapipe_runners import LegacyRunner, TasksRunner, import_mediapipe
from inference.pose.still import MIN_PERSON_FLAG, SURE_SCORE, as_person
from inference.skeletons import MEDIAPIPE33

if TYPE_CHECKING:
    from inference.pose.blazepose import Landmarks

log = logging.getLogger(__name__)

# Shoulders, elbows, wrists, hips, knees, ankles in MediaPipe order: a person's score.
CORE_JOINTS = np.array([11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28])
# Joint index of each joint's left/right counterpart.
_MIRROR = np.array(MEDIAPIPE33.flip_indices)
# Turns estimate() may try, degrees clockwise -> cv2.rotate codes (cv2's values, written out
# so that cv2 is imported only when a turn is needed).
_ROTATIONS = {90: 0, 180: 1, 270: 2}  # ROTATE_90_CLOCKWISE, ROTATE_180, ROTATE_90_COUNTERCLOCKWISE
# Time step used when a video-mode caller gives no timestamp (about 30 fps).
SYNTHETIC_STEP_MS = 33


Mode = Literal["video", "image"]
Tile = tuple[int, int, int, int]
"""x0, y0, width, height in pixels."""


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------


def _check_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(
            f"expected an RGB uint8 (H, W, 3) image, got {image.dtype} {tuple(image.shape)}"
        )
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"empty image {tuple(image.shape)}")
    return np.ascontiguousarray(image)


def _person_box(keypoints: np.ndarray, width: int, height: int) -> Box | None:
    """Box of the confidently placed joints (all joints when few are), clipped to the image.

    Out-of-frame landmarks (low presence) would otherwise stretch the box past the image.
    """
    confident = keypoints[keypoints[:, 2] >= 0.5]
    box = box_of(confident if len(confident) >= 4 else keypoints)
    if box is None:
        return None
    x1, y1, x2, y2 = box
    x1, x2 = float(np.clip(x1, 0, width)), float(np.clip(x2, 0, width))
    y1, y2 = float(np.clip(y1, 0, height)), float(np.clip(y2, 0, height))
    if x2 <= x1 or y2 <= y1:
        return box  # entirely outside the image: keep the unclipped box rather than none
    return (x1, y1, x2, y2)




def _is_duplicate(a: np.ndarray, a_box: Box, b: np.ndarray, b_box: Box, max_iou: float) -> bool:
    """Two landmark sets for one person: MediaPipe sometimes reports a person twice, as the
    same pose, its left/right mirror, or another reading of the body (boxes overlapping, or
    a's box almost entirely inside b's: a is the worse, b was kept before it)."""
    if same_body_boxes(a_box, b_box, max_iou):
        return True
    size = max(b_box[2] - b_box[0], b_box[3] - b_box[1], 1.0)
    for other in (b, b[_MIRROR]):
        distance = np.linalg.norm(a[CORE_JOINTS, :2] - other[CORE_JOINTS, :2], axis=1)
        if np.median(distance) < 0.1 * size:
            return True
    return False


def _unrotate(norm: np.ndarray, angle: int) -> np.ndarray:
    """Normalised landmarks found in an image turned `angle` degrees clockwise, mapped back
    to normalised coordinates of the unturned image (continuous coordinates, so exact)."""
    if angle == 0:
        return norm
    out = norm.copy()
    u, v = norm[:, 0], norm[:, 1]
    if angle == 90:
        out[:, 0], out[:, 1] = v, 1.0 - u
    elif angle == 180:
        out[:, 0], out[:, 1] = 1.0 - u, 1.0 - v
    elif angle == 270:
        out[:, 0], out[:, 1] = 1.0 - v, u
    else:
        raise ValueError(f"unsupported rotation {angle}")
    return out


def _tile_layout(width: int, height: int, tiles: bool) -> tuple[Tile, ...]:
    """The whole image, or its square tiles (inference.pose.base.square_tiles)."""
    return (square_tiles(width, height) if tiles else ()) or ((0, 0, width, height),)


def _crop_region(bbox: Box, width: int, height: int, enlarge: float) -> tuple[int, int, int, int]:
    """Square-ish region around bbox, enlarged, clipped to the image: x0, y0, x1, y1 (ints)."""
    x1, y1, x2, y2 = bbox
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    side = enlarge * max(x2 - x1, y2 - y1)
    half = side / 2
    x0, x1_ = int(np.floor(cx - half)), int(np.ceil(cx + half))
    y0, y1_ = int(np.floor(cy - half)), int(np.ceil(cy + half))
    return max(x0, 0), max(y0, 0), min(x1_, width), min(y1_, height)


# --------------------------------------------------------------------------------------------
# The backend
# --------------------------------------------------------------------------------------------



def _upright_estimator(device: str, net: Any = None, landmarks: str = "auto"):
    """The upright estimator; a fine-tuned network (net) reports its own answers, the bundled
    one has them read by the accurate network when `landmarks` asks for it."""
    from inference.devices import pick_device
    from inference.pose.blazepose import LandmarkRunner
    from inference.pose.landmark_models import resolve, video_read_below
    from inference.pose.upright import UprightEstimator

    try:
        torch_device = pick_device(device)
    except ValueError as exc:
        raise PoseBackendError(str(exc)) from exc
    reading = resolve(landmarks) if net is None else None
    reader = None if reading is None else LandmarkRunner.for_file(reading, device=torch_device)
    return UprightEstimator(LandmarkRunner.for_inference(net, device=torch_device), reader=reader,
                            read_below=video_read_below(landmarks, torch_device.type))



class MediaPipePose:
    """MediaPipe BlazePose, schema "mp33", implementing :class:`~inference.pose.base.PoseBackend`.

    Args:
        num_poses: the most people :meth:`detect` reports per image (Tasks API).
        mode: "video" for consecutive frames of one clip (people are tracked between calls;
            timestamps must increase, see :meth:`detect`), "image" for unrelated images.
        min_confidence: MediaPipe's detection, presence and tracking thresholds, and the
            lowest person score reported (MediaPipe also returns people with hardly a visible
            joint, mostly phantoms).
        single_person: use the legacy one-person graph instead of the Tasks API.
        cache_dir: where the Tasks bundle is cached (default: the user's cache directory).
        crop_size: :meth:`estimate` upscales crops whose longer side is shorter than this.
        crop_enlarge: :meth:`estimate` crops a square of this many times the box's longer side.
        estimate_rotations: when :meth:`estimate` finds nobody in the upright crop, it tries
            the crop turned by these angles (degrees clockwise), in order, and keeps the first
            person found with a score of at least 0.5. MediaPipe's person detector expects an
            upright body; turned crops recover some inverted and horizontal ones. () disables.
        duplicate_iou: of two people whose boxes overlap more than this (IoU), or whose limb
            joints coincide (mirrored or not), or when the worse one's box lies 70% inside the
            better one's, only the better is kept: MediaPipe can report one person twice.
        tiles: :meth:`detect` searches images wider than 1.4:1 in overlapping square tiles
            (about twice the time for 16:9 video, far fewer people missed); not in
            single-person mode.
        upright: :meth:`estimate` runs the landmark network itself on regions turned so the
            body is upright (:mod:`inference.pose.upright`), and exposes that estimator as
            ``self.upright`` for trackers that follow a body from frame to frame; False keeps
            MediaPipe's own graph on quarter-turned crops.
        device: torch device of the upright landmark network ("auto": a GPU when present).
        landmark_net: a fine-tuned LandmarkNet to run instead of the bundled one (upright only).
        landmarks: the network the pose found is finally read with (upright only, not with a
            landmark_net): "heavy" (every frame), "full" (the one it was found with), or
            "auto" (heavy when installed: on stills and one-frame shots, on every frame on a
            GPU, on a CPU where full's reading is unsure; :mod:`inference.pose.landmark_models`).

    Attributes:
        single_person: True when the legacy one-person graph runs (asked for, or the fallback).
        fallback_reason: why the Tasks API could not be used, or None.

    Raises:
        PoseBackendError: mediapipe or its bundled pose models are missing.
    """

    name = "mediapipe"
    schema = "mp33"

    def __init__(
        self,
        num_poses: int = 4,
        mode: Mode = "video",
        min_confidence: float = 0.3,
        single_person: bool = False,
        *,
        cache_dir: Path | None = None,
        crop_size: int = 256,
        crop_enlarge: float = 1.25,
        estimate_rotations: tuple[int, ...] = (90, 270, 180),
        duplicate_iou: float = 0.4,
        tiles: bool = True,
        upright: bool = True,
        device: str = "auto",
        landmark_net: Any = None,
        landmarks: str = "auto",
    ) -> None:
        if mode not in ("video", "image"):
            raise ValueError(f"mode must be 'video' or 'image', not {mode!r}")
        if num_poses < 1:
            raise ValueError(f"num_poses must be at least 1, not {num_poses}")
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be in [0, 1], not {min_confidence}")
        self.mode: Mode = mode
        self.num_poses = int(num_poses)
        self.min_confidence = float(min_confidence)
        self.crop_size = int(crop_size)
        self.crop_enlarge = float(crop_enlarge)
        if any(r not in _ROTATIONS for r in estimate_rotations):
            raise ValueError(f"estimate_rotations must be among 90, 180, 270: {estimate_rotations}")
        self.estimate_rotations = tuple(int(r) for r in estimate_rotations)
        self.duplicate_iou = float(duplicate_iou)
        self.tiles = bool(tiles)
        self.single_person = bool(single_person)
        self.upright = _upright_estimator(device, landmark_net, landmarks) if upright else None
        self.fallback_reason: str | None = None
        self._closed = False
        self._last_ts: int | None = None
        self._crop_runner: TasksRunner | LegacyRunner | None = None
        self._bundle: Path | None = None
        # detect()'s runners, one per tile of the current layout (None until the first image;
        # the runner made here, which shows whether the Tasks API works, serves the first
        # tile).
        self._runners: list[TasksRunner | LegacyRunner] = []
        self._layout: tuple[Tile, ...] | None = None
        self._still_runners: list[TasksRunner | LegacyRunner] = []  # detect_still's, video mode

        self._mp = import_mediapipe()
        if not self.single_person:
            try:
                self._bundle = pose_task_bundle(cache_dir)
                self._runners = [self._new_runner(mode == "video")]
            except Exception as exc:  # PoseBackendError, or the Tasks graph refusing the bundle
                self.fallback_reason = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "MediaPipe Tasks pose landmarker unavailable (%s); "
                    "falling back to the one-person legacy pose graph",
                    self.fallback_reason,
                )
                self.single_person = True
                self._bundle = None
        if self.single_person:
            self._runners = [self._new_runner(mode == "video")]

    # -- construction ------------------------------------------------------------------------

    def _new_runner(
        self, video: bool, num_poses: int | None = None
    ) -> TasksRunner | LegacyRunner:
        if self.single_person:
            return LegacyRunner(self._mp, video, self.min_confidence)
        assert self._bundle is not None
        return TasksRunner(
            self._mp, self._bundle, video, num_poses or self.num_poses, self.min_confidence
        )

    def reset(self) -> None:
        """Forget the people followed so far (video mode): call after a seek to another frame."""
        self._check_open()
        if self.mode == "video":
            self._close_runners()
        self._last_ts = None

    # -- PoseBackend -------------------------------------------------------------------------

    def detect(self, image: np.ndarray, timestamp_ms: int | None = None) -> list[PersonPose]:
        """Every person found in an RGB uint8 (H, W, 3) image, best first.

        Video mode: timestamps must strictly increase. Without one, the previous plus 33 ms
        is used. A timestamp equal to the previous one becomes the previous plus 1 ms; an
        earlier one (a seek backwards) restarts tracking, as :meth:`reset` does.
        Image mode ignores timestamps.

        With ``tiles`` (the default), an image more than 1.4 times as wide as high (or high
        as wide) is searched in overlapping square tiles, each with its own landmarker, and
        the people found are merged: MediaPipe's person detector sees the whole image at
        224x224, where a person a third of a 16:9 frame high is often missed.
        """
        self._check_open()
        rgb = _check_image(image)
        timestamp = self._next_timestamp(timestamp_ms)  # may restart the runners: first
        layout = self._layout_of(rgb)
        return self._detect_in_tiles(rgb, layout, self._runners_for(layout), timestamp)

    def detect_still(self, image: np.ndarray) -> list[PersonPose]:
        """detect() of an image on its own, as in image mode, whatever the mode. A video's
        runners take each image for the next frame and follow the people of the last one
        instead of looking for people afresh: a still searched at several turns would be
        read at each turn from the body found at the turn before, and the video's tracking
        would go on from a turned picture."""
        self._check_open()
        if self.mode != "video":
            return self.detect(image)
        rgb = _check_image(image)
        layout = self._layout_of(rgb)
        while len(self._still_runners) < len(layout):
            self._still_runners.append(self._new_runner(False))
        return self._detect_in_tiles(rgb, layout, self._still_runners[: len(layout)], 0)

    def _layout_of(self, rgb: np.ndarray) -> tuple[Tile, ...]:
        return _tile_layout(rgb.shape[1], rgb.shape[0], self.tiles and not self.single_person)

    def _detect_in_tiles(self, rgb: np.ndarray, layout: tuple[Tile, ...], runners: list, timestamp: int) -> list[PersonPose]:
        height, width = rgb.shape[:2]
        found = []
        for (x0, y0, w, h), runner in zip(layout, runners):
            tile = rgb
            if (w, h) != (width, height):
                tile = np.ascontiguousarray(rgb[y0 : y0 + h, x0 : x0 + w])
            found += [(norm, (x0, y0), (w, h)) for norm in runner.run(tile, timestamp)]
        return self._poses(found, width, height)[: self.num_poses]

    def estimate(self, image: np.ndarray, bbox: Box) -> PersonPose | None:
        """The pose of the person in bbox, or None.

        Top-down: a square region of ``crop_enlarge`` times the box's longer side, clipped to
        the image, upscaled to ``crop_size`` when smaller, runs through an image-mode landmarker.
        Of the people found whose box lies at least half inside bbox, the one whose box centre
        is nearest the centre of bbox is returned, in pixels of the full image. When nobody is
        found, the crop is tried turned by ``estimate_rotations`` (inverted and horizontal
        bodies). Independent of :meth:`detect`'s tracking.
        """
        self._check_open()
        rgb = _check_image(image)
        height, width = rgb.shape[:2]
        bx1, by1, bx2, by2 = (float(v) for v in bbox)
        if not np.isfinite([bx1, by1, bx2, by2]).all() or bx2 <= bx1 or by2 <= by1:
            raise ValueError(f"not a box (x1, y1, x2, y2): {bbox}")
        x0, y0, x1, y1 = _crop_region((bx1, by1, bx2, by2), width, height, self.crop_enlarge)
        if x1 - x0 < 2 or y1 - y0 < 2:
            return None
        crop = rgb[y0:y1, x0:x1]
        longer = max(crop.shape[:2])
        if longer < self.crop_size:
            import cv2

            scale = self.crop_size / longer
            size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
            crop = cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC)
        crop = np.ascontiguousarray(crop)
        if self._crop_runner is None:
            self._crop_runner = self._new_runner(False, num_poses=min(self.num_poses, 3))
        box = (bx1, by1, bx2, by2)
        region = (x0, y0, x1 - x0, y1 - y0)
        pose = self._estimate_in_crop(crop, 0, box, region, width, height, min_score=0.0)
        min_score = max(self.min_confidence, 0.5)
        if self.upright is not None:
            upright = self._upright_pose(rgb, box, pose, lambda angle: self._estimate_in_crop(
                crop, angle, box, region, width, height, min_score))
            if upright is not None:
                return upright
        for angle in self.estimate_rotations:
            if pose is not None:
                break
            pose = self._estimate_in_crop(crop, angle, box, region, width, height, min_score)
        return pose

    def _upright_pose(self, rgb: np.ndarray, box: Box, found: PersonPose | None,
                      graph_at: Callable[[int], PersonPose | None]) -> PersonPose | None:
        """The pose in box from the upright landmark network, the most confident of: the person
        MediaPipe found in the crop, refined on an upright region; a search of the box at
        several turns; the person MediaPipe's graph finds in the crop turned by
        ``estimate_rotations``, refined. Each later candidate is tried only while no earlier
        one is sure: a sideways body can fool both the upright crop and the quarter-turn search
        into a confident half-right answer. A result whose hips fall outside the box, or that
        the network does not take for a person, is not a candidate (never a neighbour); with
        none, MediaPipe's own graph on turned crops has its turn. In image mode the one kept is
        read with the accurate network, as a still's body is."""
        assert self.upright is not None
        candidates = []

        def consider(result: Landmarks | None) -> None:
            if result is None or result.flag < MIN_PERSON_FLAG:
                return
            hx, hy = result.hip
            if box[0] <= hx <= box[2] and box[1] <= hy <= box[3]:
                candidates.append(result)

        def sure() -> bool:
            return any(r.score >= SURE_SCORE for r in candidates)

        if found is not None:
            consider(self.upright.refine(rgb, found.keypoints))
        if not sure():
            consider(self.upright.search(rgb, box).best)
        for angle in self.estimate_rotations:
            if sure():
                break
            turned = graph_at(angle)
            if turned is not None:
                consider(self.upright.refine(rgb, turned.keypoints))
        best = max(candidates, key=lambda r: r.score, default=None)
        if best is None or best.score < self.min_confidence:
            return None
        # Reported as a still's body is (landmark_models): read once more. A video's estimate
        # is a candidate for the tracker, whose choice the pipeline reads: the tracker compares
        # it with boxes of the fast network's readings.
        if self.mode == "image":
            best = self.upright.read(rgb, best, MIN_PERSON_FLAG)
        return as_person(best, self.schema, (rgb.shape[1], rgb.shape[0]))

    def _estimate_in_crop(
        self,
        crop: np.ndarray,
        angle: int,
        box: Box,
        region: tuple[int, int, int, int],
        width: int,
        height: int,
        min_score: float,
    ) -> PersonPose | None:
        """The person of crop (turned by angle) that best matches box, in full-image pixels."""
        assert self._crop_runner is not None
        turned = crop
        if angle:
            import cv2

            turned = np.ascontiguousarray(cv2.rotate(crop, _ROTATIONS[angle]))
        x0, y0, w, h = region
        found = [(_unrotate(p, angle), (x0, y0), (w, h)) for p in self._crop_runner.run(turned)]
        poses = self._poses(found, width, height)
        # Only people mostly inside the box: a neighbour at the edge of the crop is not it.
        poses = [p for p in poses if p.score >= min_score and inside_fraction(p.bbox, box) >= 0.5]
        if not poses:
            return None
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2

        def off_centre(p: PersonPose) -> float:
            px, py = (p.bbox[0] + p.bbox[2]) / 2, (p.bbox[1] + p.bbox[3]) / 2
            return float(np.hypot(px - cx, py - cy))

        return min(poses, key=off_centre)

    def close(self) -> None:
        """Release the graphs; further calls raise PoseBackendError. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._close_runners()
        for runner in self._still_runners:
            with contextlib.suppress(Exception):
                runner.close()
        self._still_runners = []
        if self._crop_runner is not None:
            with contextlib.suppress(Exception):
                self._crop_runner.close()
        self._crop_runner = None

    def __enter__(self) -> MediaPipePose:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        kind = "legacy single-person" if self.single_person else f"tasks num_poses={self.num_poses}"
        return f"MediaPipePose({kind}, mode={self.mode!r}, min_confidence={self.min_confidence})"

    # -- internals ---------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise PoseBackendError("this MediaPipePose backend is closed")

    def _close_runners(self) -> None:
        for runner in self._runners:
            with contextlib.suppress(Exception):
                runner.close()
        self._runners = []

    def _runners_for(self, layout: tuple[Tile, ...]) -> list[TasksRunner | LegacyRunner]:
        """One runner per tile. In video mode a new layout (another image size) gets new
        runners: what they tracked was in other tiles. Image-mode runners keep no state."""
        if layout != self._layout:
            if self._layout is not None and self.mode == "video":
                self._close_runners()
            self._layout = layout
        while len(self._runners) < len(layout):
            self._runners.append(self._new_runner(self.mode == "video"))
        return self._runners[: len(layout)]

    def _next_timestamp(self, timestamp_ms: int | None) -> int:
        if self.mode != "video":
            return 0
        last = self._last_ts
        if timestamp_ms is None:
            ts = 0 if last is None else last + SYNTHETIC_STEP_MS
        else:
            ts = int(timestamp_ms)
            if last is not None and ts == last:
                ts = last + 1
            elif last is not None and ts < last:
                # A seek backwards: the tracked people belong to another moment of the clip.
                self.reset()
        self._last_ts = ts
        return ts

    def _poses(
        self,
        found: list[tuple[np.ndarray, tuple[int, int], tuple[int, int]]],
        width: int,
        height: int,
    ) -> list[PersonPose]:
        """(normalised landmarks, region offset, region size) -> PersonPoses, best first,
        duplicates removed. Regions are tiles or crops of the width x height image."""
        candidates = []
        for norm, offset, size in found:
            kp = norm.copy()
            kp[:, 0] = kp[:, 0] * size[0] + offset[0]
            kp[:, 1] = kp[:, 1] * size[1] + offset[1]
            kp = kp.astype(np.float32)
            box = _person_box(kp, width, height)
            if box is None:
                continue
            score = float(np.mean(kp[CORE_JOINTS, 2]))
            if score < self.min_confidence:
                continue  # MediaPipe's "people" with hardly a visible limb: mostly phantoms
            area = (box[2] - box[0]) * (box[3] - box[1])
            candidates.append((-score, -area, box[0], box[1], kp, box))
        candidates.sort(key=lambda c: c[:4])
        kept: list[PersonPose] = []
        for neg_score, _, _, _, kp, box in candidates:
            if any(_is_duplicate(kp, box, k.keypoints, k.bbox, self.duplicate_iou) for k in kept):
                continue
            kept.append(PersonPose(keypoints=kp, bbox=box, score=-neg_score, schema=self.schema))
        return kept
