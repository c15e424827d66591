"""A clip's joint trajectories as the action classifier reads them: five body parts, a fixed
number of time steps, and which of those steps were actually posed.

Any sport's actions differ mostly in which limbs move and how, so the joints are grouped into
torso+head, left arm, right arm, left leg and right leg by their canonical names; the same
grouping then holds for every skeleton (MPII-16, COCO-17, OpenPose-18, BlazePose-33). The
shoulders and hips belong to the torso as well as to their limb, because the torso's shape is
defined by them and a limb is read relative to its root.

Coordinates come from :func:`inference.assess.features.normalise` (hip-centred, torso
lengths), so the camera's distance and the athlete's size drop out. A clip of any length is
resampled to :data:`STEPS` steps over its posed span; velocities are in torso lengths per
second (times :data:`~inference.assess.features.VELOCITY_SCALE`) so a slow and a fast
repetition of one movement still differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.assess.features import VELOCITY_SCALE, normalise, resample
from inference.skeletons import canonical_name, get_skeleton

PARTS = ("torso and head", "left arm", "right arm", "left leg", "right leg")
STEPS = 48                # time steps a clip is resampled to
MIN_POSED_FRAMES = 8      # fewer posed frames than this and the movement cannot be told
POSED_SHARE = 0.5         # a frame is posed when at least this share of its joints is known
CHANNELS = 4              # x, y, vx, vy per joint

_ARM_WORDS = ("shoulder", "elbow", "wrist", "hand", "pinky", "index", "thumb", "finger")
_LEG_WORDS = ("hip", "knee", "ankle", "heel", "foot", "toe")
_TORSO_ROOTS = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")


def body_parts(schema: str) -> tuple[tuple[int, ...], ...]:
    """The joint indices of each of :data:`PARTS` in ``schema``.

    Raises:
        ValueError: the skeleton lacks a joint for one of the parts.
    """
    skeleton = get_skeleton(schema)
    parts: list[list[int]] = [[] for _ in PARTS]
    for index, joint in enumerate(skeleton.joint_names):
        name = canonical_name(joint)
        side = "left" if name.startswith("left_") else "right" if name.startswith("right_") else None
        limb = ("arm" if any(w in name for w in _ARM_WORDS) and "foot_index" not in name
                else "leg" if any(w in name for w in _LEG_WORDS) else None)
        if side is not None and limb is not None:
            parts[PARTS.index(f"{side} {limb}")].append(index)
        if side is None or limb is None or name in _TORSO_ROOTS:
            parts[0].append(index)
    for name, joints in zip(PARTS, parts):
        if not joints:
            raise ValueError(f"the {schema} skeleton has no joint of the {name}; the action classifier "
                             "needs a skeleton with arms and legs")
    return tuple(tuple(p) for p in parts)


@dataclass(frozen=True)
class Trajectory:
    """A clip's normalised joints before resampling.

    Attributes:
        coords: ``(T, J, 2)`` float32 hip-centred coordinates in torso lengths, filled over time.
        posed: ``(T,)`` bool, frames where at least :data:`POSED_SHARE` of the joints are known.
        fps: frames per second.
    """

    coords: np.ndarray
    posed: np.ndarray
    fps: float

    @property
    def posed_frames(self) -> int:
        return int(self.posed.sum())


def trajectory(keypoints: np.ndarray, schema: str, fps: float) -> Trajectory:
    """``keypoints`` ``(T, J, 3)`` (NaN where unknown) as a :class:`Trajectory`.

    Raises:
        ValueError: no frame shows both the hips and the shoulders.
    """
    norm = normalise(keypoints, schema)
    known = np.isfinite(np.asarray(keypoints, np.float32)[..., :2]).all(axis=-1)
    posed = known.mean(axis=1) >= POSED_SHARE
    return Trajectory(norm.coords, posed, float(fps))


def too_few_posed(track: Trajectory) -> str | None:
    """Why the clip cannot be classified, or None when it can."""
    if track.posed_frames < MIN_POSED_FRAMES:
        return (f"only {track.posed_frames} posed frame(s); the action classifier needs at least "
                f"{MIN_POSED_FRAMES} (pose more of the clip)")
    return None


@dataclass(frozen=True)
class Jitter:
    """One random change of a training clip that keeps its action (all identity by default).

    ``mirror`` swaps left and right (x negated); ``stretch`` > 1 makes the movement slower;
    ``start``/``end`` keep that share span of the posed frames; ``angle`` (radians) and
    ``scale`` turn and size the body about the hips.
    """

    mirror: bool = False
    stretch: float = 1.0
    start: float = 0.0
    end: float = 1.0
    angle: float = 0.0
    scale: float = 1.0


def random_jitter(rng: np.random.Generator) -> Jitter:
    """The augmentation drawn for one training clip in one epoch."""
    keep = rng.uniform(0.8, 1.0)
    start = rng.uniform(0.0, 1.0 - keep)
    return Jitter(mirror=bool(rng.random() < 0.5), stretch=float(np.exp(rng.uniform(-0.25, 0.25))),
                  start=float(start), end=float(start + keep), angle=float(rng.uniform(-0.2, 0.2)),
                  scale=float(rng.uniform(0.9, 1.1)))


def clip_input(track: Trajectory, flip_indices: tuple[int, ...], jitter: Jitter = Jitter()
               ) -> tuple[np.ndarray, np.ndarray]:
    """The classifier's input for one clip: ``(STEPS, J, CHANNELS)`` float32 ``x, y, vx, vy``
    and the ``(STEPS,)`` float32 mask of steps that fall on posed frames (1) or between
    unposed ones (0)."""
    frames = np.flatnonzero(track.posed)
    first, last = (int(frames[0]), int(frames[-1])) if frames.size else (0, track.coords.shape[0] - 1)
    span = last - first
    lo = first + int(round(jitter.start * span))
    hi = max(lo, first + int(round(jitter.end * span)))
    coords = resample(track.coords[lo:hi + 1], STEPS)
    mask = (resample(track.posed[lo:hi + 1, None].astype(np.float32), STEPS)[:, 0] >= 0.5).astype(np.float32)
    if jitter.mirror:
        coords = coords[:, list(flip_indices)] * np.array([-1.0, 1.0], np.float32)
    if jitter.angle or jitter.scale != 1.0:
        c, s = np.cos(jitter.angle), np.sin(jitter.angle)
        coords = coords @ (jitter.scale * np.array([[c, s], [-s, c]], np.float32))
    seconds = max(hi - lo, 1) / max(track.fps, 1e-6) * jitter.stretch
    velocity = np.gradient(coords, axis=0) * ((STEPS - 1) / seconds) * VELOCITY_SCALE
    return np.concatenate([coords, velocity], axis=-1).astype(np.float32), mask
