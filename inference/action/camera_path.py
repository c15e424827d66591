"""The camera's motion through a clip, for readers of the body's motion in the scene.

A dive's travel away from the board and its rotation are measured in the scene, while the
broadcast camera pans (and sometimes rolls) with the diver. :func:`background_motion`
measures the background's motion from each frame to the next with
:class:`~inference.pose.camera_motion.CameraMotion`, the athlete's box masked so that her
own motion does not pull the fit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import math

import numpy as np

from inference.pose.camera_motion import CameraMotion

Box = Sequence[float]


def background_motion(frames: Iterable[np.ndarray | None], boxes: Sequence[Box | None], *,
                      cancelled: Callable[[], bool] | None = None) -> np.ndarray:
    """``(T, 2, 3)`` motions from the previous frame to each frame (identity on the first,
    on an undecodable frame (None) and where the background could not be followed).

    ``boxes``: the athlete's box per frame (None where unknown), masked on that frame.
    Raises ValueError when ``frames`` and ``boxes`` differ in length.
    """
    estimator = CameraMotion()
    motions = []
    for index, rgb in enumerate(frames):
        if cancelled is not None and cancelled():
            break
        if index >= len(boxes):
            raise ValueError(f"more frames than boxes ({len(boxes)}); give one box (or None) per frame")
        if rgb is None:
            estimator.reset()
            motions.append(np.eye(2, 3))
            continue
        box = boxes[index]
        motions.append(np.asarray(estimator.update(rgb, [] if box is None else [box]), np.float64))
    if len(motions) != len(boxes) and not (cancelled is not None and cancelled()):
        raise ValueError(f"{len(motions)} frames but {len(boxes)} boxes; give one box (or None) per frame")
    return np.stack(motions) if motions else np.zeros((0, 2, 3))


def scene_transforms(camera: np.ndarray, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """From ``(T, 2, 3)`` frame-to-frame motions: ``(T, 3, 3)`` matrices taking each frame's
    pixels to the first frame's (the scene as the first frame shows it), and the camera's
    roll per frame in radians. Raises ValueError for a motion array of another length."""
    camera = np.asarray(camera, np.float64)
    if camera.shape != (frames, 2, 3):
        raise ValueError(f"camera motion must be ({frames}, 2, 3) matrices, one per frame; got {camera.shape}")
    to_first = np.empty((frames, 3, 3))
    roll = np.zeros(frames)
    total = np.eye(3)
    for t in range(frames):
        if t:
            total = np.vstack([camera[t], [0.0, 0.0, 1.0]]) @ total  # first frame -> frame t
        to_first[t] = np.linalg.inv(total)
        roll[t] = math.atan2(total[1, 0], total[0, 0])
    return to_first, roll


def to_scene(points: np.ndarray, to_first: np.ndarray) -> np.ndarray:
    """``(T, ..., 2)`` pixels of each frame in the first frame's coordinates (NaN stays NaN)."""
    points = np.asarray(points, np.float64)
    return np.einsum("tij,t...j->t...i", to_first[:, :2, :2], points) + \
        to_first[:, :2, 2].reshape((points.shape[0],) + (1,) * (points.ndim - 2) + (2,))


def keypoints_in_scene(keypoints: np.ndarray, camera: np.ndarray) -> np.ndarray:
    """``(T, J, 3)`` poses with x, y taken to the first frame's coordinates (confidence kept),
    so that rules reading heights and travel see the athlete move, not the camera."""
    keypoints = np.asarray(keypoints)
    to_first, _ = scene_transforms(camera, keypoints.shape[0])
    out = keypoints.astype(np.float32, copy=True)
    out[..., :2] = to_scene(keypoints[..., :2], to_first)
    return out
