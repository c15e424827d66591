"""A pose track as the dive reader follows it: the joints it needs, in the scene's
coordinates, and the trunk's direction followed through fast rotation.

Pixel coordinates with NaN where a joint is unknown or its pose-model confidence is under
:data:`MIN_CONFIDENCE`. With the camera's motion (2x3 matrices, previous frame to each
frame) every frame is mapped back to the first frame's coordinates, and the camera's roll is
taken out of directions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from inference.action.camera_path import scene_transforms, to_scene
from inference.assess.features import joint_index
from inference.skeletons import get_skeleton

MIN_CONFIDENCE = 0.2        # a joint below this pose-model confidence counts as unknown
FLIP_MIN = 2 * math.pi / 3  # off the turn between two frames by this much: a head-for-feet error


@dataclass
class Track:
    """The joints the reader needs, ``(T, 2)`` pixels with NaN where unknown."""

    hips: np.ndarray
    shoulders: np.ndarray
    r_shoulder: np.ndarray
    l_shoulder: np.ndarray
    knees: tuple[np.ndarray, np.ndarray]
    ankles: tuple[np.ndarray, np.ndarray]
    hip_sides: tuple[np.ndarray, np.ndarray]
    wrists: np.ndarray
    feet: np.ndarray


def track_of(keypoints: np.ndarray, schema: str) -> Track:
    skeleton = get_skeleton(schema)
    kp = np.asarray(keypoints, np.float64)
    xy = kp[..., :2].copy()
    xy[~(kp[..., 2] >= MIN_CONFIDENCE)] = np.nan

    def j(name: str) -> np.ndarray:
        return xy[:, joint_index(skeleton, name)]

    def mid(a: str, b: str) -> np.ndarray:
        return (j(a) + j(b)) / 2

    return Track(hips=mid("left_hip", "right_hip"), shoulders=mid("left_shoulder", "right_shoulder"),
                  r_shoulder=j("right_shoulder"), l_shoulder=j("left_shoulder"),
                  knees=(j("right_knee"), j("left_knee")), ankles=(j("right_ankle"), j("left_ankle")),
                  hip_sides=(j("right_hip"), j("left_hip")), wrists=mid("left_wrist", "right_wrist"),
                  feet=mid("left_ankle", "right_ankle"))


def stabilise(track: Track, camera: np.ndarray | None) -> tuple[Track, np.ndarray]:
    """The track in the first frame's coordinates and the camera's roll per frame."""
    frames = track.hips.shape[0]
    if camera is None:
        return track, np.zeros(frames)
    to_first, roll = scene_transforms(camera, frames)

    def back(points: np.ndarray) -> np.ndarray:
        return to_scene(points, to_first)

    moved = {name: back(value) if isinstance(value, np.ndarray) else tuple(back(v) for v in value)
             for name, value in vars(track).items()}
    return Track(**moved), roll


def trunk_direction(track: Track, roll: np.ndarray) -> np.ndarray:
    """``(T,)`` trunk direction, 0 = upright, clockwise on screen positive, NaN unknown."""
    d = track.shoulders - track.hips
    angle = np.arctan2(d[:, 0], -d[:, 1]) - roll
    angle[~np.isfinite(angle)] = np.nan
    return angle


def wrap(a: np.ndarray | float) -> np.ndarray | float:
    return (np.asarray(a) + np.pi) % (2 * np.pi) - np.pi


def drop_flips(frames: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Known frames without the single-frame half-turn flips of a pose model."""
    keep = np.ones(frames.size, bool)
    for i in range(1, frames.size - 1):
        ta, tb, tc = frames[i - 1:i + 2]
        if tc - ta > 4:
            continue  # too far apart to say where the middle one should be
        a, b, c = angle[ta], angle[tb], angle[tc]
        # The frame between two others should lie on the turn between them; half a turn off
        # it is a head-for-feet error, even while the body turns fast.
        expected = a + wrap(c - a) * (tb - ta) / (tc - ta)
        if abs(wrap(b - expected)) > FLIP_MIN:
            keep[i] = False
    return frames[keep]


def follow_rotation(angle: np.ndarray, first: int, last: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Known frames in ``[first, last]``, the direction unwrapped over them, and how much of a
    turn the worst gap leaves in doubt (0 none, 1 or more: the count may be off).

    Across a gap the direction is predicted from the turning speed before it, and the value
    a whole turn away that lies nearest the prediction is taken: a somersault turns fast
    (up to about 50 degrees a frame at 30 fps), faster than the shortest-turn rule allows
    over two or three missing frames."""
    frames = np.arange(first, last + 1)
    frames = drop_flips(frames[np.isfinite(angle[frames])], angle)
    if frames.size == 0:
        return frames, np.zeros(0), 0.0
    unwrapped = np.empty(frames.size)
    unwrapped[0] = angle[frames[0]]
    speed, doubt = 0.0, 0.0
    for i in range(1, frames.size):
        gap = frames[i] - frames[i - 1]
        predicted = unwrapped[i - 1] + speed * gap
        unwrapped[i] = predicted + wrap(angle[frames[i]] - predicted)
        if gap > 1:
            # The turning speed is known to about a third; beyond a quarter turn of doubt
            # the prediction may pick the wrong turn.
            doubt = max(doubt, (abs(speed) * gap / 3 - math.pi / 4) / (math.pi / 4))
        speed = (unwrapped[i] - unwrapped[i - 1]) / gap
    return frames, unwrapped, doubt


def interior_angles(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    u, v = a - b, c - b
    cross = u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
    return np.degrees(np.arctan2(np.abs(cross), (u * v).sum(1)))


def mean_of_sides(sides: list[np.ndarray]) -> np.ndarray:
    """Per frame, the mean of the sides seen (NaN where neither is)."""
    values = np.stack(sides)
    seen = np.isfinite(values)
    count = seen.sum(0)
    total = np.where(seen, values, 0.0).sum(0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def torso_scale(track: Track) -> float:
    torso = np.linalg.norm(track.shoulders - track.hips, axis=1)
    torso = torso[np.isfinite(torso) & (torso > 0)]
    return float(np.percentile(torso, 75)) if torso.size else 0.0
