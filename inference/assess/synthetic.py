"""Dives generated with known stages, known faults and a known quality.

Real labelled dives with poses are scarce, so the assessment engine is checked on dives
whose truth is known by construction. A planar body model (trunk, neck, head, arms,
legs; MPII-16 joints) is seen from the side by a slightly oblique camera, so left and
right limbs stay apart on screen and knees opening in the tuck are visible:

* **take-off**: standing on the board, a crouch with an arm swing, extension with the arms
  overhead.
* **flight**: a ballistic hip-centre path from the board to the water; the body goes into
  the dive's position (tuck, pike, straight), rotates through the dive number's half
  somersaults and opens out for the entry.
* **entry**: head first into the water; joints under the water line are unknown (NaN),
  as they are to a pose model.

``quality`` in [0, 1] drives every fault at once, each with its own random share: knees
apart and a loose tuck or bent legs in the position, under-rotation (and so an entry off
vertical), a late opening, irregular timing and pose jitter. Seven judges mark the dive
from the quality with their own noise; the score follows the judging rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from inference.assess.sample import DIVING_STAGES, ClipSample
from inference.sports.diving import judged_score, parse_dive_number

FRAME_SIZE = (1280, 720)
WATER_Y = 620.0
BOARD_Y = 260.0
BOARD_X = 380.0
TORSO_PX = 45.0
# Segment lengths in torso lengths (adult proportions).
NECK, HEAD, UPPER_ARM, FOREARM, THIGH, SHANK = 0.3, 0.35, 0.6, 0.55, 0.85, 0.85
HALF_HIPS, HALF_SHOULDERS, HALF_KNEES = 0.17, 0.2, 0.1
# Where one unit of left-right offset lands on screen: the camera is slightly oblique.
LATERAL = np.array([0.45, 0.2])

DIFFICULTY = {"105B": 3.0, "107C": 3.3, "205C": 3.0, "305C": 3.0, "405B": 3.0, "5231D": 2.0,
              "5253B": 3.2, "109C": 3.7, "407C": 3.2}
ACTIONS = ("105B", "205C", "305C", "405B", "5231D")
# Joint positions as (angle parameters) -> MPII-16 order indices.
R_ANKLE, R_KNEE, R_HIP, L_HIP, L_KNEE, L_ANKLE, PELVIS, THORAX, NECK_J, HEAD_TOP = range(10)
R_WRIST, R_ELBOW, R_SHOULDER, L_SHOULDER, L_ELBOW, L_WRIST = range(10, 16)


@dataclass(frozen=True)
class SyntheticDive:
    """A generated dive: ``sample`` (MPII-16, with score, action, difficulty, split and the
    exact ``transitions``), its ``quality``, the ``faults`` it was given (``knee_gap`` in
    torso lengths on screen, ``entry_angle_deg``, ``under_rotation_deg``, ``jitter_px``,
    ``late_opening``), its judges' ``marks`` and the water line ``water_y``."""

    sample: ClipSample
    quality: float
    faults: dict[str, float] = field(default_factory=dict)
    marks: tuple[float, ...] = ()
    water_y: float = WATER_Y


@dataclass
class _Posture:
    theta: float      # trunk direction, 0 = upright, + = clockwise on screen
    hip: float        # hip flexion, 0 = straight, legs swing to the front
    knee: float       # knee flexion, 0 = straight
    arm: float        # shoulder flexion, 0 = arms down, pi = overhead
    elbow: float      # elbow flexion
    knee_gap: float   # half distance between the knees, torso lengths (ankles follow)


def _dir(angle: float) -> np.ndarray:
    """Unit vector at ``angle`` from image-up, clockwise (image y grows downwards)."""
    return np.array([np.sin(angle), -np.cos(angle)])


def _joints(p: _Posture, facing: float) -> np.ndarray:
    """``(16, 2)`` joints in torso lengths relative to the hip centre. ``facing`` is +1 when
    the athlete faces +x (flexion swings limbs towards +x when upright), -1 otherwise."""
    up = _dir(p.theta)
    out = np.zeros((16, 2))
    thorax = up * 1.0
    out[PELVIS], out[THORAX] = 0.0, thorax
    out[NECK_J] = thorax + up * NECK
    out[HEAD_TOP] = out[NECK_J] + up * HEAD
    thigh = _dir(p.theta + np.pi - facing * p.hip)
    shank = _dir(p.theta + np.pi - facing * (p.hip - p.knee))
    upper = _dir(p.theta + np.pi - facing * p.arm)
    fore = _dir(p.theta + np.pi - facing * (p.arm + p.elbow))
    for side, (hip, knee, ankle, shoulder, elbow, wrist) in (
            (-1, (R_HIP, R_KNEE, R_ANKLE, R_SHOULDER, R_ELBOW, R_WRIST)),
            (1, (L_HIP, L_KNEE, L_ANKLE, L_SHOULDER, L_ELBOW, L_WRIST))):
        out[hip] = side * HALF_HIPS * LATERAL
        out[knee] = thigh * THIGH + side * p.knee_gap * LATERAL
        out[ankle] = out[knee] + shank * SHANK
        out[shoulder] = thorax + side * HALF_SHOULDERS * LATERAL
        out[elbow] = out[shoulder] + upper * UPPER_ARM
        out[wrist] = out[elbow] + fore * FOREARM
    return out


def smoothstep(u: float) -> float:
    """0 before 0, 1 after 1, an S-curve between (a movement that starts and ends at rest)."""
    u = min(max(u, 0.0), 1.0)
    return u * u * (3 - 2 * u)


def _position(code: str, bad: float, share: dict[str, float]) -> tuple[float, float, float, float]:
    """(hip, knee, arm, elbow) flexion held in the dive's position."""
    position = code[-1]
    if position == "C":
        return 2.4 - 0.7 * bad * share["loose"], 2.4 - 0.6 * bad * share["loose"], 1.2, 1.2
    if position == "B":
        return 2.5 - 0.5 * bad * share["loose"], 0.8 * bad * share["bent"], 1.6, 0.2
    if position == "A":
        return 0.2 * bad, 0.4 * bad * share["bent"], np.pi, 0.0
    return 1.2 - 0.3 * bad, 0.4 * bad * share["bent"], 0.3, 0.3


def synthetic_dive(seed: int, quality: float, action: str = "105B", *, fps: float = 30.0) -> SyntheticDive:
    """One dive of ``action`` at ``quality`` in [0, 1] (1 = perfect); see the module doc."""
    if not 0.0 <= quality <= 1.0:
        raise ValueError(f"quality must be in [0, 1], got {quality}")
    dive = parse_dive_number(action)
    rng = np.random.default_rng(seed)
    bad = 1.0 - quality
    share = {k: float(rng.uniform(0.5, 1.5)) for k in ("gap", "loose", "bent", "under", "lean", "jitter", "time")}
    rate = fps / 30.0
    n_takeoff = max(8, round(24 * rate * (1 + 0.35 * bad * share["time"] * rng.choice([-1, 1]))))
    n_flight = max(12, round((40 + 2 * dive.half_somersaults) * rate * (1 + 0.2 * bad * rng.uniform(-1, 1))))
    n_entry = round(22 * rate)
    total = n_takeoff + n_flight + n_entry
    # The water is to the right (+x) of the board. Forward and reverse dives face it, back and
    # inward dives turn their back to it; forward and inward rotate towards the chest, back and
    # reverse towards the back, so the head turns towards the water in forward and back dives.
    spin = 1.0 if dive.direction in ("forward", "back") else -1.0
    facing = 1.0 if dive.direction in ("forward", "reverse") else -1.0
    under = np.deg2rad(70.0) * bad * share["under"]
    lean = np.deg2rad(8.0) * bad * share["lean"]
    rotation = dive.half_somersaults * np.pi - under
    gap = HALF_KNEES + 0.55 * bad * share["gap"]
    held = _position(dive.code, bad, share)
    open_at = 0.72 + 0.12 * bad
    straight = (0.15 * bad, 0.3 * bad * share["bent"], np.pi, 0.0)

    postures: list[_Posture] = []
    for t in range(n_takeoff):
        u = t / max(n_takeoff - 1, 1)
        crouch = np.sin(np.pi * min(u / 0.8, 1.0))
        arm = np.pi * smoothstep((u - 0.3) / 0.7) if u > 0.3 else 0.6 * np.sin(np.pi * u / 0.3)
        postures.append(_Posture(spin * 0.15 * smoothstep(u), 0.7 * crouch, 1.2 * crouch, arm, 0.0, HALF_KNEES))
    theta0 = spin * 0.15
    for t in range(n_flight):
        u = t / n_flight
        into = smoothstep((u - 0.05) / 0.15)
        out = smoothstep((u - open_at) / 0.12)
        k = into * (1 - out)
        flex = [straight[i] + (held[i] - straight[i]) * k for i in range(4)]
        ease = u - np.sin(2 * np.pi * u) / (2 * np.pi)
        theta = theta0 + spin * (rotation - abs(theta0)) * ease
        postures.append(_Posture(theta, *flex, HALF_KNEES + (gap - HALF_KNEES) * k))
    final = spin * rotation
    for t in range(n_entry):
        postures.append(_Posture(final + spin * lean * t / max(n_entry - 1, 1), *straight, HALF_KNEES))
    body = np.stack([_joints(p, facing) for p in postures]) * TORSO_PX  # (T, 16, 2) pixels from hips

    root = np.zeros((total, 2))
    root[:n_takeoff, 0] = BOARD_X
    feet = body[:n_takeoff, [R_ANKLE, L_ANKLE], 1].max(axis=1)
    root[:n_takeoff, 1] = BOARD_Y - feet
    y0 = root[n_takeoff - 1, 1]
    jitter = 0.8 + 3.5 * bad * share["jitter"]
    # The leading hand or head is just above the water on the last flight frame.
    lowest = body[n_takeoff + n_flight - 1, :, 1].max() + 3 * jitter
    drop = WATER_Y - lowest - y0
    g = drop / (0.2 * n_flight ** 2)
    v0 = g * 0.3 * n_flight
    steps = np.arange(1, n_flight + 1)
    root[n_takeoff:n_takeoff + n_flight, 0] = BOARD_X + 2.0 * steps * rate ** -1  # away from the board
    root[n_takeoff:n_takeoff + n_flight, 1] = y0 - v0 * steps + 0.5 * g * steps ** 2
    x_end = root[n_takeoff + n_flight - 1, 0]
    # The water slows the body to about 60 % of the speed it hits it with.
    v_entry = 0.6 * max(g * 0.7 * n_flight, 8.0)
    y_hit = root[n_takeoff + n_flight - 1, 1]
    for i, t in enumerate(range(n_takeoff + n_flight, total)):
        root[t] = (x_end, y_hit + v_entry * (i + 1))
    keypoints = np.empty((total, 16, 3), np.float32)
    keypoints[..., :2] = body + root[:, None, :] + rng.normal(0.0, jitter, body.shape)
    keypoints[..., 2] = rng.uniform(0.85, 0.98, (total, 16))
    under_water = keypoints[..., 1] > WATER_Y
    keypoints[under_water, :2] = np.nan
    keypoints[under_water, 2] = 0.0

    base = 3.0 + 7.0 * quality
    marks = tuple(float(np.clip(np.round((base + rng.normal(0, 0.35)) * 2) / 2, 0, 10)) for _ in range(7))
    difficulty = DIFFICULTY.get(dive.code, 2.8)
    score = judged_score(marks, difficulty).total
    knee_gap_screen = 2 * gap * float(np.linalg.norm(LATERAL))
    faults = {"knee_gap": knee_gap_screen, "under_rotation_deg": float(np.rad2deg(under)),
              "entry_angle_deg": float(np.rad2deg(under + lean)), "jitter_px": float(jitter),
              "late_opening": float(open_at)}
    sample = ClipSample(key=f"synthetic-{dive.code}-{seed}", keypoints=keypoints, schema="mpii16", fps=fps,
                        score=score, action=dive.code, difficulty=difficulty,
                        transitions=(n_takeoff, n_takeoff + n_flight), stage_names=DIVING_STAGES)
    return SyntheticDive(sample, float(quality), faults, marks, WATER_Y)


def synthetic_library(count: int, seed: int, actions: tuple[str, ...] = ACTIONS, *,
                      fps: float = 30.0) -> list[SyntheticDive]:
    """``count`` dives spread over ``actions`` with qualities spread over [0.1, 1] and
    splits about 70/15/15 train/val/test, balanced within each action."""
    rng = np.random.default_rng(seed)
    dives = []
    for i in range(count):
        action = actions[i % len(actions)]
        quality = float(rng.uniform(0.1, 1.0))
        dives.append(synthetic_dive(int(rng.integers(2 ** 31)), quality, action, fps=fps))
    splits: list[str] = [""] * count
    for action in actions:
        mine = [i for i, d in enumerate(dives) if d.sample.action == parse_dive_number(action).code]
        n_held_out = round(0.15 * len(mine))
        for rank, index in enumerate(rng.permutation(mine)):
            splits[index] = "val" if rank < n_held_out else "test" if rank < 2 * n_held_out else "train"
    return [replace(d, sample=replace(d.sample, split=split)) for d, split in zip(dives, splits)]
