"""Dives of any dive number, generated in 3-D and filmed from the side, with known truth.

The dive reader (:mod:`inference.action.dive_reading`) must be measured on every group,
position and twist count, and real labelled dives with poses of each are not at hand. Here
a body with MPII-16 joints is posed in 3-D and turned the way the dive number says:

* world axes: ``X`` towards the water (away from the board), ``Y`` up, ``Z`` towards the
  camera. The diver's body frame has a long axis (hips to head), a front (chest) and a right
  side; standing, the front is ``+X`` when the diver faces the water (forward and reverse
  groups) and ``-X`` when the back is to the water (back and inward groups).
* a **somersault** turns the body about the world ``Z`` axis (the axis of its angular
  momentum): forward rotation (forward, inward) takes the head towards the chest, backward
  rotation (back, reverse) towards the back. A **twist** turns the body about its own long
  axis, inside the somersault.
* **positions**: tuck (hips and knees closed), pike (hips closed, knees straight), straight,
  and free for twisting dives (a pike, then straight while twisting). Armstand dives start
  from a handstand held on the platform.
* the camera looks along ``-Z``, turned ``yaw_deg`` about the vertical so that left and
  right limbs separate on screen; it may follow the diver (``camera_follow``), and then the
  motion of the background from one frame to the next is returned as 2x3 matrices, as
  :mod:`inference.pose.camera_motion` measures it on video.
* pose-model errors: pixel jitter, missing joints, frames lost entirely and left/right
  swaps; joints under the water line are unknown, as they are to a pose model.

The entry is head first after an odd number of half somersaults (even from a handstand),
feet first otherwise, as in the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.assess.sample import DIVING_STAGES, ClipSample
from inference.assess.synthetic import smoothstep
from inference.sports.diving import DiveNumber, parse_dive_number

FRAME_SIZE = (1280, 720)
# Segment lengths in torso lengths (hip centre to shoulder centre), adult proportions.
NECK, HEAD, UPPER_ARM, FOREARM, THIGH, SHANK = 0.28, 0.35, 0.6, 0.55, 0.85, 0.85
HALF_HIPS, HALF_SHOULDERS = 0.18, 0.38
R_ANKLE, R_KNEE, R_HIP, L_HIP, L_KNEE, L_ANKLE, PELVIS, THORAX, NECK_J, HEAD_TOP = range(10)
R_WRIST, R_ELBOW, R_SHOULDER, L_SHOULDER, L_ELBOW, L_WRIST = range(10, 16)
MIRROR = [5, 4, 3, 2, 1, 0, 6, 7, 8, 9, 15, 14, 13, 12, 11, 10]

# One dive of every group and position, and the common twisting and armstand dives.
EVERY_KIND = ("101A", "103B", "105B", "107C", "109C", "201A", "203B", "205C", "207B", "301A", "303C",
              "305B", "307C", "401B", "403C", "405B", "407C", "5132D", "5152B", "5231D", "5253B", "5335D",
              "5337D", "5353B", "5431D", "612B", "614C", "626C", "636C", "6243D")


@dataclass(frozen=True)
class GeneratedDive:
    """``sample`` (MPII-16 poses, the dive number as ``action`` and the exact stage
    ``transitions``), the ``dive`` it performs, and ``camera``: ``(T, 2, 3)`` motions of the
    background from the previous frame to each frame (identity on frame 0), or None when
    the camera stood still."""

    sample: ClipSample
    dive: DiveNumber
    camera: np.ndarray | None


@dataclass
class _Pose:
    hip: float = 0.0      # hip flexion in radians, 0 = straight
    knee: float = 0.0     # knee flexion
    arm: float = 0.0      # shoulder flexion, 0 = arms down, pi = overhead
    elbow: float = 0.0
    spread: float = 0.0   # arms out to the sides, radians


def _body(p: _Pose) -> np.ndarray:
    """``(16, 3)`` joints in the body frame (long axis, front, right), torso lengths."""
    long_, front, right = np.eye(3)
    out = np.zeros((16, 3))
    out[THORAX] = long_
    out[NECK_J] = long_ * (1 + NECK)
    out[HEAD_TOP] = long_ * (1 + NECK + HEAD)
    thigh = -long_ * np.cos(p.hip) + front * np.sin(p.hip)
    shank = -long_ * np.cos(p.hip - p.knee) + front * np.sin(p.hip - p.knee)
    for side, (hip, knee, ankle, shoulder, elbow, wrist) in (
            (1, (R_HIP, R_KNEE, R_ANKLE, R_SHOULDER, R_ELBOW, R_WRIST)),
            (-1, (L_HIP, L_KNEE, L_ANKLE, L_SHOULDER, L_ELBOW, L_WRIST))):
        out[hip] = side * HALF_HIPS * right
        out[knee] = out[hip] + thigh * THIGH
        out[ankle] = out[knee] + shank * SHANK
        out[shoulder] = long_ + side * HALF_SHOULDERS * right
        upper = (-long_ * np.cos(p.arm) + front * np.sin(p.arm)) * np.cos(p.spread) + side * right * np.sin(p.spread)
        fore = (-long_ * np.cos(p.arm + p.elbow) + front * np.sin(p.arm + p.elbow)) * np.cos(p.spread) \
            + side * right * np.sin(p.spread)
        out[elbow] = out[shoulder] + upper * UPPER_ARM
        out[wrist] = out[elbow] + fore * FOREARM
    return out


def _held(position: str, rng: np.random.Generator) -> _Pose:
    wobble = lambda: float(rng.normal(0, 0.08))  # noqa: E731
    if position == "C":
        return _Pose(2.3 + wobble(), 2.3 + wobble(), 1.0, 1.3)
    if position == "B":
        return _Pose(2.4 + wobble(), 0.1 + abs(wobble()), 2.0, 0.2)
    return _Pose(0.05 + abs(wobble()), 0.05 + abs(wobble()), 0.0, 0.0, spread=1.4)


def _rotation(long_turn: float, twist: float) -> np.ndarray:
    """Body frame (long, front, right) -> world (X, Y, Z): a twist about the long axis, then
    a turn ``long_turn`` of the long axis in the X-Y plane (clockwise from up, seen from
    the camera)."""
    # Standing, facing +X: long = +Y, front = +X, right = +Z.
    base = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]).T  # columns: long, front, right
    c, s = np.cos(twist), np.sin(twist)
    twist_m = np.array([[1, 0, 0], [0, c, -s], [0, s, c]])  # about the body's long axis
    c, s = np.cos(long_turn), np.sin(long_turn)
    turn = np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]])  # clockwise: +Y towards +X
    return turn @ base @ twist_m


def generate_dive(code: str, seed: int, *, fps: float = 30.0, water_on_right: bool = True,
                  yaw_deg: float = 20.0, torso_px: float = 45.0, jitter_px: float = 1.0,
                  missing: float = 0.0, lost_frames: float = 0.0, swaps: float = 0.0,
                  camera_follow: bool = False, under_rotation_deg: float = 15.0) -> GeneratedDive:
    """One dive of ``code`` (e.g. ``"5253B"``), reproducible for ``seed``; see the module doc.

    ``missing`` is the chance of each joint being unknown on a frame, ``lost_frames`` of a
    whole frame, ``swaps`` of the left and right joints being exchanged; the rotation falls
    short of the dive number by up to ``under_rotation_deg``.
    """
    dive = parse_dive_number(code)
    rng = np.random.default_rng(seed)
    armstand = dive.group == 6
    facing = 1.0 if dive.direction in ("forward", "reverse") else -1.0
    sense = 1.0 if dive.direction in ("forward", "inward") else -1.0
    spin = facing * sense  # +1: the long axis turns clockwise on screen when the water is on the right
    n_takeoff = round(fps * rng.uniform(0.7, 1.0))
    n_flight = round(fps * (0.9 + 0.1 * dive.half_somersaults + 0.08 * dive.half_twists) * rng.uniform(0.95, 1.1))
    n_entry = round(fps * 0.5)
    total = n_takeoff + n_flight + n_entry
    rotation = dive.half_somersaults * np.pi - np.deg2rad(rng.uniform(0, under_rotation_deg))
    twist_total = dive.half_twists * np.pi * rng.choice([-1.0, 1.0])
    start = np.pi if armstand else 0.0
    lean = 0.25 * rng.uniform(0.5, 1.0)
    held = _held(dive.position, rng)
    straight = _Pose(0.05, 0.05, np.pi, 0.0)
    free_pike = dive.position == "D"
    twist_window = (0.35, 0.8) if free_pike else (0.25, 0.75)

    turns, twists, poses = [], [], []
    for t in range(n_takeoff):
        u = t / max(n_takeoff - 1, 1)
        if armstand:
            poses.append(_Pose(0.1, 0.0, np.pi, 0.0))
            turns.append(start + spin * 0.03 * np.sin(np.pi * u))
        else:
            crouch = np.sin(np.pi * min(u / 0.8, 1.0))
            arm = np.pi * smoothstep((u - 0.3) / 0.7) if u > 0.3 else 0.6 * np.sin(np.pi * u / 0.3)
            poses.append(_Pose(0.7 * crouch, 1.2 * crouch, arm, 0.0))
            turns.append(start + spin * lean * smoothstep((u - 0.5) / 0.5))
        twists.append(0.0)
    first = turns[-1]
    for t in range(n_flight):
        u = t / n_flight
        into = smoothstep((u - 0.03) / 0.15)
        hold_end = 0.35 if free_pike else 0.72 + 0.08 * rng.uniform()
        out = smoothstep((u - hold_end) / 0.12)
        k = into * (1 - out)
        shape = held if not free_pike else _Pose(2.2, 0.1, 1.8, 0.2)
        poses.append(_Pose(*(getattr(straight, f) + (getattr(shape, f) - getattr(straight, f)) * k
                             for f in ("hip", "knee", "arm", "elbow", "spread"))))
        ease = u - np.sin(2 * np.pi * u) / (2 * np.pi)
        turns.append(first + spin * (rotation - abs(first - start)) * ease)
        twists.append(twist_total * smoothstep((u - twist_window[0]) / (twist_window[1] - twist_window[0])))
    for _ in range(n_entry):
        poses.append(straight)
        turns.append(turns[-1])
        twists.append(twists[-1])

    body = np.stack([_body(p) for p in poses])  # (T, 16, 3) body frame
    facing_m = np.diag([1.0, facing, facing])  # facing -X: front and right flip
    world = np.einsum("tij,tkj->tki", np.stack([_rotation(a, w) for a, w in zip(turns, twists)]),
                      body @ facing_m.T)
    world = world - world[:, [R_HIP, L_HIP]].mean(1, keepdims=True)  # hip centre at the origin

    root = np.zeros((total, 3))
    support = [R_WRIST, L_WRIST] if armstand else slice(None)
    root[:n_takeoff, 1] = -world[:n_takeoff, support, 1].min(axis=1)
    steps = np.arange(1, n_flight + 1) / fps
    duration = n_flight / fps
    rise = 0.0 if armstand else 1.5  # torso lengths the hips rise above the take-off
    drop = 7.0                        # and fall below it by the end of the flight
    g = (np.sqrt(2 * rise) + np.sqrt(2 * (rise + drop))) ** 2 / duration ** 2
    v0 = np.sqrt(2 * g * rise)
    last = n_takeoff + n_flight - 1
    root[n_takeoff:last + 1, 0] = 2.2 * steps / duration
    root[n_takeoff:last + 1, 1] = root[n_takeoff - 1, 1] + v0 * steps - 0.5 * g * steps ** 2
    # The water slows the body to about 60 % of the speed it hits it with.
    sink = 0.6 * abs(v0 - g * duration) / fps
    for i, t in enumerate(range(last + 1, total)):
        root[t] = root[last] - (0.0, sink * (i + 1), 0.0)
    water = float((world[last, :, 1] + root[last, 1]).min()) - 0.05
    joints = world + root[:, None, :]

    yaw = np.deg2rad(yaw_deg)
    screen_x = (joints[..., 0] * np.cos(yaw) + joints[..., 2] * np.sin(yaw)) * (1 if water_on_right else -1)
    screen = np.stack([screen_x, -joints[..., 1]], axis=-1) * torso_px
    board = np.array([FRAME_SIZE[0] * (0.3 if water_on_right else 0.7), FRAME_SIZE[1] * 0.35])
    screen += board
    water_y = float(-water * torso_px + board[1])

    camera = None
    if camera_follow:
        hips = screen[:, [R_HIP, L_HIP]].mean(1)
        target = np.array(FRAME_SIZE, float) / 2
        offset = np.zeros((total, 2))
        for t in range(1, total):  # a camera operator follows the diver with some lag
            offset[t] = offset[t - 1] + 0.35 * ((hips[t] - target) - offset[t - 1])
        screen -= offset[:, None, :]
        water_line = water_y - offset[:, 1]
        camera = np.tile(np.array([[1.0, 0, 0], [0, 1.0, 0]]), (total, 1, 1))
        camera[1:, :, 2] = -(offset[1:] - offset[:-1])
    else:
        water_line = np.full(total, water_y)

    keypoints = np.empty((total, 16, 3), np.float32)
    keypoints[..., :2] = screen + rng.normal(0.0, jitter_px, screen.shape)
    keypoints[..., 2] = rng.uniform(0.6, 0.95, (total, 16))
    for t in np.flatnonzero(rng.random(total) < swaps):
        keypoints[t] = keypoints[t, MIRROR]
    gone = (rng.random((total, 16)) < missing) | (rng.random(total) < lost_frames)[:, None]
    gone |= keypoints[..., 1] > water_line[:, None]
    keypoints[gone, :2] = np.nan
    keypoints[gone, 2] = 0.0
    sample = ClipSample(key=f"generated-{dive.code}-{seed}", keypoints=keypoints, schema="mpii16", fps=fps,
                        action=dive.code, transitions=(n_takeoff, n_takeoff + n_flight),
                        stage_names=DIVING_STAGES)
    return GeneratedDive(sample, dive, camera)
