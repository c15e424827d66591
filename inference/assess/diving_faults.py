"""Faults a diving judge deducts for, measured on the poses (METHODS §5).

Each check looks where a judge looks: the flight for the position (knees together in the tuck
or pike, straight legs in the pike or straight position) and the rotation, the first entry
frames for the line into the water, and the splash when it was measured from the video.
Only faults over their threshold are returned, each with the frames it was measured on and a
severity that is 0 at the threshold and 1 at the level judges treat as a major fault.

Coordinates are those of :func:`inference.assess.features.normalise` (torso lengths from the
hip centre, image y downwards); angles are in degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from inference.assess.features import ANGLE_TRIPLES, joint_angles, joint_index, normalise, torso_angle
from inference.assess.sample import ClipSample
from inference.skeletons import get_skeleton
from inference.sports.diving import DiveNumber, parse_dive_number

KNEES_APART = "knees apart"
LEGS_BENT = "legs bent"
ENTRY_OFF_VERTICAL = "entry off vertical"
UNDER_ROTATION = "under-rotation"
OVER_ROTATION = "over-rotation"
LARGE_SPLASH = "large splash"

# Hips closed past this interior angle count as "in the tuck or pike"; a straight body is 180°,
# a tight pike about 40°, and the opening for the entry passes through 120° within a frame or two.
HIP_FLEXED_MAX_DEG = 120.0
# Knees held together still show about 0.1 torso lengths apart on screen (the knees' own width,
# and a camera rarely exactly side-on); twice that is a gap a judge sees.
KNEE_GAP_MAX = 0.2
KNEE_GAP_SEVERE = 0.6          # knees a shoulder width apart: the position is lost
# A knee bend under 20° hardly shows at diving speed (and pose noise is of that order).
LEGS_BENT_MAX_DEG = 20.0
LEGS_BENT_SEVERE_DEG = 60.0    # clearly a tuck, not a pike
# The body should be vertical as it enters; 10° off is where judges start to see a "short" or
# "long" entry, 45° is a flat, failed entry.
ENTRY_OFF_VERTICAL_MAX_DEG = 10.0
ENTRY_OFF_VERTICAL_SEVERE_DEG = 45.0
ENTRY_WINDOW_S = 0.2           # the first entry frames: the torso is still above the water
# Rotation within 20° of the dive number reads as completed (it overlaps the entry-line check);
# a quarter somersault off is a major fault.
ROTATION_MAX_DEG = 20.0
ROTATION_SEVERE_DEG = 90.0
# Splash against a reference entry of the same dive (same camera): up to twice is normal
# variation, five times is a "big splash" that costs whole points.
SPLASH_RATIO_MAX = 2.0
SPLASH_RATIO_SEVERE = 5.0
MIN_POSITION_FRAMES = 3        # fewer frames in the position than this: the position is not judged


@dataclass(frozen=True)
class Fault:
    """One measured fault: ``name`` (one of the constants above), the measured ``value`` and
    its ``threshold`` in ``unit``, the first and last frame it was measured on (``start``,
    ``end``, inclusive), ``severity`` in [0, 1] and ``context`` (e.g. the position, "tuck")."""

    name: str
    value: float
    threshold: float
    unit: str
    start: int
    end: int
    severity: float
    context: str = ""


def _severity(value: float, threshold: float, severe: float) -> float:
    return float(min(1.0, max(0.0, (value - threshold) / (severe - threshold))))


def _frames_over(frames: np.ndarray, values: np.ndarray, threshold: float) -> tuple[int, int]:
    """First and last of ``frames`` where ``values`` exceed ``threshold`` (all of them if none)."""
    over = frames[values > threshold]
    chosen = over if over.size else frames
    return int(chosen[0]), int(chosen[-1])


def _dive(action: str | None) -> DiveNumber | None:
    return parse_dive_number(action) if action else None


def _check_transitions(transitions, frames: int) -> tuple[int, int]:
    try:
        take_off_end, flight_end = (int(t) for t in transitions)
    except (TypeError, ValueError):
        raise ValueError(f"transitions must be (take-off end, flight end), got {transitions!r}") from None
    if not 0 < take_off_end < flight_end <= frames:
        raise ValueError(f"transitions {transitions} must satisfy 0 < take-off end < flight end <= {frames} "
                         "(the clip's frames); segment the dive first")
    return take_off_end, flight_end


def _position_faults(coords, seen, angles, flight: np.ndarray, dive: DiveNumber | None, idx) -> list[Fault]:
    names = [name for name, _ in ANGLE_TRIPLES]
    hips = np.degrees(angles[:, [names.index("right_hip"), names.index("left_hip")]].mean(1))
    knees = np.degrees(angles[:, [names.index("right_knee"), names.index("left_knee")]].mean(1))
    legs_seen = seen[:, [idx[n] for n in ("right_hip", "left_hip", "right_knee", "left_knee")]].all(1)
    flexed = flight[(hips[flight] < HIP_FLEXED_MAX_DEG) & legs_seen[flight]]
    position = dive.position_name if dive else "tuck or pike"
    faults = []
    if flexed.size >= MIN_POSITION_FRAMES:
        gap = np.linalg.norm(coords[:, idx["right_knee"]] - coords[:, idx["left_knee"]], axis=-1)
        value = float(np.median(gap[flexed]))
        if value > KNEE_GAP_MAX:
            start, end = _frames_over(flexed, gap[flexed], KNEE_GAP_MAX)
            faults.append(Fault(KNEES_APART, value, KNEE_GAP_MAX, "torso lengths", start, end,
                                _severity(value, KNEE_GAP_MAX, KNEE_GAP_SEVERE), position))
    if dive is not None and dive.position in ("A", "B"):
        # A straight dive holds the position the whole flight; a pike while the hips are closed.
        held = flexed if dive.position == "B" else flight[legs_seen[flight]]
        ankles_seen = seen[:, [idx["right_ankle"], idx["left_ankle"]]].all(1)
        held = held[ankles_seen[held]]
        if held.size >= MIN_POSITION_FRAMES:
            bend = 180.0 - knees[held]
            value = float(np.median(bend))
            if value > LEGS_BENT_MAX_DEG:
                start, end = _frames_over(held, bend, LEGS_BENT_MAX_DEG)
                faults.append(Fault(LEGS_BENT, value, LEGS_BENT_MAX_DEG, "degrees", start, end,
                                    _severity(value, LEGS_BENT_MAX_DEG, LEGS_BENT_SEVERE_DEG), position))
    return faults


def _entry_frames(seen, idx, take_off_end: int, flight_end: int, frames: int, fps: float) -> np.ndarray:
    """The first entry frames that show the torso; when a flat entry hides it at once, the last
    flight frames that show it (the line as the body reaches the water)."""
    window = max(2, round(ENTRY_WINDOW_S * fps))
    torso_seen = seen[:, [idx[n] for n in ("right_hip", "left_hip", "right_shoulder", "left_shoulder")]].all(1)
    entry = np.arange(flight_end, min(frames, flight_end + window))
    if torso_seen[entry].any():
        return entry[torso_seen[entry]]
    before = np.arange(max(take_off_end, flight_end - 2), flight_end)
    return before[torso_seen[before]]


def _entry_and_rotation(coords, seen, torso, dive: DiveNumber | None, take_off_end: int, flight_end: int,
                        fps: float, idx) -> list[Fault]:
    frames = coords.shape[0]
    entry = _entry_frames(seen, idx, take_off_end, flight_end, frames, fps)
    faults = []
    if entry.size:
        axis = (coords[entry][:, [idx["right_shoulder"], idx["left_shoulder"]]].mean(1)
                - coords[entry][:, [idx["right_hip"], idx["left_hip"]]].mean(1))
        down = np.degrees(np.arccos(np.clip(axis[:, 1] / np.maximum(np.linalg.norm(axis, axis=1), 1e-9), -1, 1)))
        if dive is None:
            off = np.minimum(down, 180.0 - down)  # whichever vertical is nearer
        else:
            # Head first after an odd number of half somersaults; an armstand starts upside down.
            head_first = (dive.half_somersaults % 2 == 1) != (dive.group == 6)
            off = down if head_first else 180.0 - down
        value = float(np.median(off))
        if value > ENTRY_OFF_VERTICAL_MAX_DEG:
            faults.append(Fault(ENTRY_OFF_VERTICAL, value, ENTRY_OFF_VERTICAL_MAX_DEG, "degrees",
                                int(entry[0]), int(entry[-1]),
                                _severity(value, ENTRY_OFF_VERTICAL_MAX_DEG, ENTRY_OFF_VERTICAL_SEVERE_DEG)))
    if dive is None:
        return faults
    # Rotation from the start orientation (upright, or inverted on an armstand) to the entry.
    start_frames = np.arange(0, min(take_off_end, max(1, round(0.1 * fps))))
    upright = math.pi * round(float(np.median(torso[start_frames])) / math.pi)
    end_frames = entry if entry.size else np.arange(take_off_end, flight_end)[-1:]
    turned = math.degrees(abs(float(np.median(torso[end_frames])) - upright))
    short = dive.half_somersaults * 180.0 - turned
    context = f"{dive.half_somersaults * 180}° expected, {turned:.0f}° turned"
    for name, amount in ((UNDER_ROTATION, short), (OVER_ROTATION, -short)):
        if amount > ROTATION_MAX_DEG:
            faults.append(Fault(name, amount, ROTATION_MAX_DEG, "degrees", take_off_end, flight_end - 1,
                                _severity(amount, ROTATION_MAX_DEG, ROTATION_SEVERE_DEG), context))
    return faults


def measure_diving_faults(sample: ClipSample, transitions: tuple[int, int], *, splash: float | None = None,
                          splash_reference: float | None = None) -> list[Fault]:
    """The faults of a dive over their thresholds, most severe first.

    Args:
        sample: the dive's poses; its ``action`` (dive number) enables the position and rotation
            checks that depend on it (legs straight in A and B, half somersaults).
        transitions: ``(take-off end, flight end)``: flight is ``[take-off end, flight end)``,
            the entry starts at ``flight end``.
        splash, splash_reference: the splash of this dive and of a clean entry of the same dive
            on the same camera (:mod:`inference.assess.visual_cues`); checked when both are given.

    Raises:
        ValueError: bad transitions, an invalid dive number, a negative splash, or a clip
            without hips and shoulders.
    """
    frames = sample.num_frames
    take_off_end, flight_end = _check_transitions(transitions, frames)
    dive = _dive(sample.action)
    norm = normalise(sample.keypoints, sample.schema)
    skeleton = get_skeleton(sample.schema)
    idx = {name: joint_index(skeleton, name) for side in ("right", "left")
           for name in (f"{side}_hip", f"{side}_knee", f"{side}_ankle", f"{side}_shoulder")}
    coords, seen = norm.coords.astype(np.float64), norm.weights > 0
    flight = np.arange(take_off_end, flight_end)
    faults = _position_faults(coords, seen, joint_angles(coords, sample.schema), flight, dive, idx)
    faults += _entry_and_rotation(coords, seen, torso_angle(coords, sample.schema).astype(np.float64), dive,
                                  take_off_end, flight_end, sample.fps, idx)
    if splash is not None and splash_reference is not None:
        if splash < 0 or splash_reference < 0 or not (math.isfinite(splash) and math.isfinite(splash_reference)):
            raise ValueError(f"splash amounts must be finite and non-negative, got {splash} and {splash_reference}")
        ratio = splash / splash_reference if splash_reference > 0 else (math.inf if splash > 0 else 1.0)
        if ratio > SPLASH_RATIO_MAX:
            faults.append(Fault(LARGE_SPLASH, ratio, SPLASH_RATIO_MAX, "times the reference splash",
                                min(flight_end, frames - 1), frames - 1,
                                _severity(ratio, SPLASH_RATIO_MAX, SPLASH_RATIO_SEVERE)))
    return sorted(faults, key=lambda f: -f.severity)
