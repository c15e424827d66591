"""Which dive was performed, read from the body's motion: group, half somersaults, half
twists and position, and so the dive number (METHODS.md §5, §6). No training is needed.

The dive must be seen from the side (the usual broadcast and coaching view): a somersault
then turns the trunk in the image plane. Every part is read from the stages
(take-off, flight, entry) and the poses:

* **Half somersaults**: the trunk's direction (hip centre to shoulder centre) is followed
  frame to frame through the flight, each step the shortest turn. The rotation from the
  take-off orientation (upright, or upside down from a handstand) to the entry is rounded
  to half turns. A frame whose trunk flips by about half a turn and straight back is a pose
  model's head-for-feet error and is left out. Camera roll, when the camera motion is given,
  is taken out first; a pan or zoom does not change a direction.
* **Direction of rotation against the body**: the front of the body is where the thighs go
  when the hips bend and where the knees point when they bend (take-off crouch, tuck, pike).
  Rotation towards the front is a forward somersault (forward and inward groups), away from
  it a backward one (back and reverse).
* **Which way the water is**: the hips travel away from the board through the flight
  (camera pan removed when the camera motion is given). A somersault that carries the head
  towards the water is forward or back; towards the board, reverse or inward. The two
  answers together give the group.
* **Armstand**: the body is upside down with the hands below the feet at the end of the
  take-off.
* **Half twists**: twisting about the long axis sweeps the shoulders across the image. Seen
  from the side the shoulders overlap (the body is in profile); facing or backing the
  camera they are about 0.75 torso lengths apart (adult proportions). Each half twist
  passes once through such a wide view; they are counted, with hysteresis, over the flight.
  A view that is already wide at take-off is not from the side, and then neither twists nor
  somersaults are read.
* **Position**: the hip and knee angles over the most closed part of the flight (tuck: both
  closed; pike: hips closed, knees straight; straight: both open). A twisting dive that
  holds a closed position and then twists straight is free (D).

Each part carries a confidence in [0, 1] (how clearly the measure sits on one side of its
boundaries, times how much of the flight was posed) and the frames that decided it. A part
under :data:`UNSURE` confidence is reported as unsure, and the dive number is then None
with the reason: a poor track gives "unsure", never a guess.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inference.action.body_track import (Track, follow_rotation, interior_angles, mean_of_sides, stabilise,
                                         torso_scale, track_of, trunk_direction, wrap)
from inference.sports.diving import parse_dive_number

UNSURE = 0.5
MIN_FLIGHT_FRAMES = 6
TAKE_OFF_WINDOW_S = 0.5
MIN_POSED_SHARE = 0.5       # of flight frames with a trunk
SHOULDER_WIDTH = 0.75       # torso lengths, facing the camera
WIDE, NARROW = 0.6 * SHOULDER_WIDTH, 0.35 * SHOULDER_WIDTH
SIDE_VIEW_MAX = 0.45 * SHOULDER_WIDTH   # shoulder spread at take-off still seen as from the side
NOISE_MARGIN = 3.0          # standard deviations of jitter a wide view must stand out by
TRAVEL_SURE = 1.0           # torso lengths of travel for a sure water side
ROTATION_AMBIGUOUS = 0.75   # half turns off the count at which the count is no longer read
CLOSED_HIP, OPEN_DEG, BENT_KNEE = 120.0, 150.0, 115.0
ANGLE_MARGIN = 25.0         # degrees from a boundary for full confidence
POSITION_SHARE = 0.4        # the most closed share of the flight that is the held position
FREE_SHARE = 0.25
GROUP_DIGIT = {"forward": 1, "back": 2, "reverse": 3, "inward": 4}
POSITIONS = {"A": "straight", "B": "pike", "C": "tuck", "D": "free"}


@dataclass(frozen=True)
class PartReading:
    """One part of the dive number: its ``value`` (None when nothing could be read),
    ``confidence`` in [0, 1], the ``frames`` ``(first, last)`` that decided it and
    ``evidence`` in words."""

    value: Any
    confidence: float
    frames: tuple[int, int] | None
    evidence: str

    @property
    def sure(self) -> bool:
        return self.value is not None and self.confidence >= UNSURE

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "confidence": round(self.confidence, 3), "sure": self.sure,
                "frames": list(self.frames) if self.frames else None, "evidence": self.evidence}


@dataclass(frozen=True)
class DiveReading:
    """The dive number read (None when a part is unsure), its confidence (the least sure
    part's), each part, the best guess even when unsure, and why it is unsure."""

    code: str | None
    confidence: float
    parts: dict[str, PartReading]
    guess: str | None = None
    unsure: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def description(self) -> str:
        if self.guess is None:
            return "no dive read"
        return parse_dive_number(self.guess).description

    def to_json(self) -> dict[str, Any]:
        return {"source": "dive reading", "label": self.code, "guess": self.guess,
                "confidence": round(self.confidence, 3), "description": self.description,
                "unsure": self.unsure, "notes": list(self.notes),
                "parts": {name: part.to_json() for name, part in self.parts.items()}}


def _clip01(x: float) -> float:
    return float(min(max(x, 0.0), 1.0))


def _somersaults(angle, take_off: int, flight_end: int, armstand: bool,
                 posed: float) -> tuple[PartReading, float, float]:
    """The half somersaults, the rotation's sign (+1 clockwise on screen) and its size."""
    first = max(0, take_off - 3)
    last = min(angle.size - 1, flight_end + 2)
    frames, unwrapped, doubt = follow_rotation(angle, first, last)
    if frames.size < MIN_FLIGHT_FRAMES:
        return PartReading(None, 0.0, None, "the trunk was seen on too few frames to follow its rotation"), 0.0, 0.0
    before = unwrapped[frames < take_off][-3:]  # the last frames on the board
    start_value = before.mean() if before.size else unwrapped[0]
    nominal = math.pi if armstand else 0.0
    start = nominal + 2 * math.pi * round((start_value - nominal) / (2 * math.pi))
    end_frames = frames[frames >= flight_end - 2][:4]
    end = unwrapped[-len(end_frames):].mean() if end_frames.size else unwrapped[-1]
    turned = end - start
    halves = abs(turned) / math.pi
    count = max(1, int(round(halves)))
    off = abs(halves - count)
    gap_doubt = _clip01(1.0 - doubt)
    # Entries fall short (or long) of vertical: 60 degrees is a failed dive, still that dive;
    # only near horizontal (off 0.5, a quarter turn either way) are two counts equally near.
    confidence = _clip01(1.0 - off / ROTATION_AMBIGUOUS) * gap_doubt * _clip01(posed / MIN_POSED_SHARE - 1.0 + 0.5)
    evidence = (f"the trunk turned {math.degrees(abs(turned)):.0f}° from "
                f"{'the handstand' if armstand else 'upright'} to the entry: {count} half somersault"
                f"{'s' if count != 1 else ''}")
    if gap_doubt < 1.0:
        evidence += "; the poses miss frames in a row while it turns fast, which may hide part of a turn"
    return PartReading(count, confidence, (int(frames[0]), int(frames[-1])), evidence), \
        float(np.sign(turned)), float(abs(turned))


def _front_votes(track: Track, angle: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Per frame, + when the front of the body is clockwise of the trunk on screen: the
    thighs' direction across the trunk plus how far the knees stand out of the hip-ankle
    line, both in torso lengths."""
    votes = np.zeros(frames.size)
    for k, t in enumerate(frames):
        theta = angle[t]
        if not np.isfinite(theta):
            continue
        across = np.array([math.cos(theta), math.sin(theta)])  # trunk turned a quarter clockwise
        torso = np.linalg.norm(track.shoulders[t] - track.hips[t])
        if not torso > 0:
            continue
        total = 0.0
        for hip, knee, ankle in zip(track.hip_sides, track.knees, track.ankles):
            if np.isfinite(hip[t]).all() and np.isfinite(knee[t]).all():
                total += float((knee[t] - hip[t]) @ across) / torso
                if np.isfinite(ankle[t]).all():
                    line = (hip[t] + ankle[t]) / 2
                    total += float((knee[t] - line) @ across) / torso
        votes[k] = total
    return votes


def _body_sense(track, angle, take_off: int, flight_end: int, rotation_sign: float,
                first_twist: int | None, lead: int) -> PartReading:
    """+1 forward somersault (towards the chest), -1 backward."""
    end = take_off + max(MIN_FLIGHT_FRAMES, (flight_end - take_off) // 2)
    if first_twist is not None:
        end = min(end, first_twist)
    frames = np.arange(max(0, take_off - lead), min(end, flight_end))
    votes = _front_votes(track, angle, frames)
    strength = float(np.abs(votes).sum())
    if strength < 0.5 or rotation_sign == 0:
        return PartReading(None, 0.0, None, "the hips and knees never bent enough to tell the front of the body")
    front = float(np.sign(votes.sum()))
    agreement = abs(float(votes.sum())) / strength
    confidence = _clip01((agreement - 0.2) / 0.6) * _clip01(strength / 2.0)
    sense = 1 if front == rotation_sign else -1
    used = frames[np.abs(votes) > 0]
    words = "forward (towards the chest)" if sense > 0 else "backward (towards the back)"
    return PartReading(sense, confidence, (int(used[0]), int(used[-1])) if used.size else None,
                       f"the body somersaults {words}: the hips and knees bend to the "
                       f"{'same' if sense > 0 else 'other'} side as the rotation")


def _water_side(track: Track, take_off: int, flight_end: int, scale: float) -> PartReading:
    """+1 when the water is to the right of the board on screen, -1 to the left."""
    frames = np.arange(take_off, flight_end)
    known = frames[np.isfinite(track.hips[frames]).all(1)]
    before = np.arange(max(0, take_off - 3), take_off)
    before = before[np.isfinite(track.hips[before]).all(1)]
    if before.size:
        known = np.concatenate([before[-1:], known])
    if known.size < 2:
        return PartReading(None, 0.0, None, "the hips were not seen through the flight")
    travel = float(track.hips[known[-1], 0] - track.hips[known[0], 0]) / scale
    side = 1 if travel > 0 else -1
    return PartReading(side, _clip01(abs(travel) / TRAVEL_SURE), (int(known[0]), int(known[-1])),
                       f"the hips travelled {abs(travel):.1f} torso lengths to the "
                       f"{'right' if side > 0 else 'left'} through the flight (away from the board)")


def _armstand(track: Track, angle: np.ndarray, take_off: int, lead: int) -> PartReading:
    frames = np.arange(max(0, take_off - lead), take_off)
    seen = frames[np.isfinite(angle[frames])]
    if seen.size == 0:
        return PartReading(False, 0.0, None, "the take-off was not posed")
    inverted = np.abs(wrap(angle[seen] - math.pi)) < math.radians(50)
    hands_low = np.isfinite(track.wrists[seen]).all(1) & np.isfinite(track.feet[seen]).all(1)
    hands_low &= np.nan_to_num(track.wrists[seen, 1] - track.feet[seen, 1]) > 0
    share = float((inverted & hands_low).mean())
    armstand = share >= 0.5
    confidence = _clip01(abs(share - 0.5) * 2) * _clip01(seen.size / max(frames.size, 1) / MIN_POSED_SHARE)
    words = "upside down on the hands" if armstand else "on the feet"
    return PartReading(armstand, confidence, (int(seen[0]), int(seen[-1])), f"the take-off is {words}")


def _group(sense: PartReading, water: PartReading, rotation_sign: float, armstand: PartReading) -> PartReading:
    """Forward or back when the head turns towards the water, reverse or inward when it turns
    towards the board; forward and inward rotate towards the chest."""
    if sense.value is None:
        return PartReading(None, 0.0, None, sense.evidence)
    confidence = min(sense.confidence, water.confidence, armstand.confidence)
    frames = sense.frames
    if water.value is None:
        choice = "forward or inward" if sense.value > 0 else "back or reverse"
        return PartReading(None, 0.0, frames, f"{sense.evidence}; {choice}, but {water.evidence}")
    towards_water = rotation_sign == water.value
    name = {(1, True): "forward", (-1, True): "back", (-1, False): "reverse",
            (1, False): "inward"}[(int(sense.value), towards_water)]
    evidence = (f"{sense.evidence}; the head turns towards the "
                f"{'water' if towards_water else 'board'} ({water.evidence})")
    if armstand.value and name == "inward":
        return PartReading(None, 0.0, frames, evidence + "; an armstand dive cannot be inward")
    return PartReading(name, confidence, frames, evidence)


def _shoulder_spread(track: Track, angle: np.ndarray, scale: float) -> np.ndarray:
    """``(T,)`` signed distance of the right shoulder from the left across the trunk, torso
    lengths (NaN unknown): its sign tells facing the camera from backing it."""
    across = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return ((track.r_shoulder - track.l_shoulder) * across).sum(1) / scale


def _without_swaps(spread: np.ndarray) -> np.ndarray:
    """A wide view whose side flips for one frame and back is a pose model's left-right
    swap, not two half twists: that frame takes its neighbours' side."""
    out = spread.copy()
    known = np.flatnonzero(np.isfinite(spread))
    for a, b, c in zip(known, known[1:], known[2:]):
        if min(abs(spread[a]), abs(spread[b]), abs(spread[c])) > WIDE and \
                np.sign(spread[a]) == np.sign(spread[c]) != np.sign(spread[b]):
            out[b] = -spread[b]
    return out


def _runs(spread: np.ndarray) -> list[tuple[int, int]]:
    """Index runs of a wide view: one starts when the spread goes over WIDE and ends when it
    falls under NARROW, or when it is wide the other way (facing the camera, then its back,
    with the profile between them missed by the frame rate). A run wide on one frame only
    counts beside a run of the other side."""
    spread = _without_swaps(spread)
    runs, start, sign = [], 0, 0.0
    for i, value in enumerate(spread):
        if not np.isfinite(value):
            continue
        if sign and (abs(value) < NARROW or (abs(value) > WIDE and np.sign(value) != sign)):
            runs.append((start, i - 1))
            sign = 0.0
        if not sign and abs(value) > WIDE:
            sign, start = float(np.sign(value)), i
    if sign:
        runs.append((start, len(spread) - 1))
    signs = [np.sign(spread[a]) for a, _ in runs]
    kept = []
    for k, (a, b) in enumerate(runs):
        wide_frames = int((np.abs(np.nan_to_num(spread[a:b + 1])) > WIDE).sum())
        # A single wide frame counts only beside a view of the other side: a fast twist
        # filmed at a low frame rate, or with frames lost, shows a half twist on one frame.
        alternates = any(0 <= n < len(runs) and signs[n] != signs[k] for n in (k - 1, k + 1))
        if wide_frames >= 2 or alternates:
            kept.append((a, b))
    return kept


def _spread_noise(spread: np.ndarray, take_off: int) -> float:
    """Standard deviation of the pose model's jitter in the shoulder spread, from its frame
    to frame changes on the take-off (median absolute deviation, so an arm swing or a swap
    does not count), with a floor of 0.02 torso lengths."""
    steps = np.diff(spread[:take_off][np.isfinite(spread[:take_off])])
    if steps.size < 3:
        steps = np.diff(spread[np.isfinite(spread)])
    if steps.size < 3:
        return 0.1
    mad = float(np.median(np.abs(steps - np.median(steps))))
    return max(0.02, mad / 0.6745 / math.sqrt(2))


def _twists(track, angle, take_off: int, flight_end: int, scale: float,
            lead: int) -> tuple[PartReading, list[tuple[int, int]]]:
    """The half twists and the frame runs of each wide view (the body facing or backing the
    camera), which the position reading leaves out."""
    spread = _shoulder_spread(track, angle, scale)
    before = np.abs(spread[max(0, take_off - lead):take_off])
    before = before[np.isfinite(before)]
    if before.size and float(np.median(before)) > SIDE_VIEW_MAX:
        return PartReading(None, 0.0, None, "the camera does not see the take-off from the side (the shoulders "
                           "are spread across the image), so twists cannot be told from this view"), []
    flight = spread[take_off:flight_end]
    seen = np.isfinite(flight)
    if seen.mean() < MIN_POSED_SHARE:
        return PartReading(None, 0.0, None, "the shoulders were seen on too few flight frames to count twists"), []
    baseline = float(np.median(before)) if before.size else 0.0
    noise = _spread_noise(spread, take_off)
    candidates = [(take_off + a, take_off + b) for a, b in _runs(flight)]
    # A wide view must stand out of the pose model's jitter: about three of its standard
    # deviations above the profile view, which jitter alone seldom reaches over a flight.
    margins = {run: (float(np.nanmax(np.abs(spread[run[0]:run[1] + 1]))) - baseline) / noise for run in candidates}
    runs = [run for run in candidates if margins[run] >= NOISE_MARGIN]
    if runs:
        clarity = min(_clip01((margins[run] - NOISE_MARGIN) / 2.0) for run in runs)
        if any((np.abs(np.nan_to_num(spread[a:b + 1])) > WIDE).sum() < 2 for a, b in runs):
            clarity = min(clarity, 0.75)  # a half twist seen on one frame only
        frames = (runs[0][0], runs[-1][1])
    else:
        # No twist is sure when a wide view would have stood out of the jitter, and none came
        # near it.
        visible = _clip01(((SHOULDER_WIDTH - baseline) / noise - NOISE_MARGIN) / 2.0)
        closest = max([margins[run] for run in candidates] + [0.0])
        clarity = visible * _clip01((NOISE_MARGIN - closest) / NOISE_MARGIN + 0.5)
        frames = (take_off, flight_end - 1)
    confidence = clarity * _clip01(seen.mean() / MIN_POSED_SHARE - 1.0 + 0.5)
    if len(runs) > 1:
        # Under about three frames per half twist, a half twist can fall between two frames.
        per_half = (runs[-1][1] - runs[0][0] + 1) / len(runs)
        confidence *= _clip01((per_half - 2.0) / 2.0)
    evidence = (f"the shoulders swept across the image {len(runs)} time{'s' if len(runs) != 1 else ''} "
                "(once per half twist)" if runs else "the body stayed in profile through the flight: no twist")
    return PartReading(len(runs), confidence, frames, evidence), runs


def _position(track: Track, take_off: int, flight_end: int, twist_runs, twisting: bool | None) -> PartReading:
    """The held position; ``twisting`` None when the twists could not be read."""
    n = flight_end - take_off
    frames = np.arange(take_off + round(0.1 * n), take_off + round(0.8 * n))
    for a, b in twist_runs:  # facing the camera, hip and knee angles are foreshortened
        frames = frames[(frames < a) | (frames > b)]
    hips = mean_of_sides([interior_angles(track.shoulders, hip, knee)
                          for hip, knee in zip(track.hip_sides, track.knees)])
    knees = mean_of_sides([interior_angles(hip, knee, ankle) for hip, knee, ankle in
                            zip(track.hip_sides, track.knees, track.ankles)])
    frames = frames[np.isfinite(hips[frames]) & np.isfinite(knees[frames])]
    if frames.size < 3:
        return PartReading(None, 0.0, None, "the legs were seen on too few flight frames to tell the position")
    order = frames[np.argsort(hips[frames])]
    held = np.sort(order[:max(3, round(POSITION_SHARE * frames.size))])
    hip, knee = float(np.median(hips[held])), float(np.median(knees[held]))
    frames_used = (int(held[0]), int(held[-1]))
    if hip >= OPEN_DEG and knee >= OPEN_DEG:
        letter, margin = "A", min(hip, knee) - OPEN_DEG
    elif hip < CLOSED_HIP and knee < BENT_KNEE:
        letter, margin = "C", min(CLOSED_HIP - hip, BENT_KNEE - knee)
    elif hip < CLOSED_HIP and knee >= OPEN_DEG - 10:
        letter, margin = "B", min(CLOSED_HIP - hip, knee - (OPEN_DEG - 10))
    else:
        letter, margin = ("B" if knee > BENT_KNEE else "C") if hip < CLOSED_HIP else "A", 0.0
    evidence = f"hips at {hip:.0f}° and knees at {knee:.0f}° over the most closed part of the flight"
    confidence = _clip01(0.5 + margin / ANGLE_MARGIN / 2)
    if twisting and letter in ("B", "C") and twist_runs:
        # Free: the twist is done straight, seen at the profile moments around and between
        # the wide views, while the somersaults were turned closed.
        window = np.arange(max(take_off, twist_runs[0][0] - 2), min(flight_end, twist_runs[-1][1] + 3))
        profile = window[~np.any([(window >= a) & (window <= b) for a, b in twist_runs], axis=0)]
        profile = profile[np.isfinite(hips[profile])]
        if profile.size and float(np.median(hips[profile])) >= OPEN_DEG - 10:
            return PartReading("D", confidence, frames_used,
                               evidence + f", then straight through the twist: free ({POSITIONS[letter]} "
                               "then straight)")
    if twisting is None and letter in ("B", "C"):
        return PartReading(letter, min(confidence, UNSURE / 2), frames_used,
                           f"{evidence}: {POSITIONS[letter]}, or free if the dive twists (its twists could "
                           "not be read)")
    return PartReading(letter, confidence, frames_used, f"{evidence}: {POSITIONS[letter]}")


def _code(group: str, armstand: bool, halves: int, twists: int, position: str) -> str | None:
    if armstand:
        digit = {"forward": 1, "back": 2, "reverse": 3}.get(group)
        text = f"6{digit}{halves}{twists if twists else ''}{position}"
    elif twists:
        text = f"5{GROUP_DIGIT[group]}{halves}{twists}{position}"
    else:
        text = f"{GROUP_DIGIT[group]}0{halves}{'A' if position == 'D' else position}"
    if halves > 9 or twists > 9:
        return None
    try:
        return parse_dive_number(text).code
    except ValueError:
        return None


def _unsure(stage_note: str) -> DiveReading:
    empty = PartReading(None, 0.0, None, stage_note)
    return DiveReading(None, 0.0, {name: empty for name in ("group", "somersaults", "twists", "position")},
                       None, stage_note)


def read_dive(keypoints: np.ndarray, schema: str, transitions: tuple[int, int], *, fps: float = 30.0,
              camera: np.ndarray | None = None) -> DiveReading:
    """Read the dive number from ``(T, J, 3)`` poses (x, y, confidence; NaN unknown) in
    ``schema`` and the stage transitions ``(take-off end, flight end)``.

    ``fps``: frames per second of the poses (the last half second of the take-off is read).
    ``camera``: optional ``(T, 2, 3)`` motion of the background from the previous frame to
    each frame (:mod:`inference.pose.camera_motion`); with it, pans and roll are removed.

    Raises:
        ValueError: transitions out of order or outside the clip, or a malformed camera.
    """
    keypoints = np.asarray(keypoints)
    if keypoints.ndim != 3 or keypoints.shape[-1] != 3:
        raise ValueError(f"poses must be (frames, joints, 3), got {keypoints.shape}")
    frames = keypoints.shape[0]
    take_off, flight_end = (int(t) for t in transitions)
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if not 0 < take_off < flight_end <= frames:
        raise ValueError(f"stage transitions {transitions} must satisfy 0 < take-off end < flight end <= "
                         f"{frames} frames")
    if flight_end - take_off < MIN_FLIGHT_FRAMES:
        return _unsure(f"the flight lasts {flight_end - take_off} frames; at least {MIN_FLIGHT_FRAMES} are needed")
    track, roll = stabilise(track_of(keypoints, schema), camera)
    scale = torso_scale(track)
    angle = trunk_direction(track, roll)
    posed = float(np.isfinite(angle[take_off:flight_end]).mean())
    if posed < MIN_POSED_SHARE or not scale > 0:
        return _unsure(f"the trunk was posed on {posed:.0%} of the flight; at least {MIN_POSED_SHARE:.0%} "
                       "is needed to read the dive")

    lead = max(3, round(TAKE_OFF_WINDOW_S * fps))  # the end of the take-off, what leads into the flight
    armstand = _armstand(track, angle, take_off, lead)
    somersaults, rotation_sign, _ = _somersaults(angle, take_off, flight_end, bool(armstand.value), posed)
    twists, runs = _twists(track, angle, take_off, flight_end, scale, lead)
    sense = _body_sense(track, angle, take_off, flight_end, rotation_sign, runs[0][0] if runs else None, lead)
    group = _group(sense, _water_side(track, take_off, flight_end, scale), rotation_sign, armstand)
    position = _position(track, take_off, flight_end, runs, None if twists.value is None else twists.value > 0)
    if twists.value and position.value in ("B", "C", "D") and position.confidence > twists.confidence:
        # Free or held is told from the frames of the twist: no surer than the twist itself.
        position = PartReading(position.value, twists.confidence, position.frames,
                               position.evidence + " (told apart from free by the twist's frames)")
    parts = {"group": group, "somersaults": somersaults, "twists": twists, "position": position}
    notes = []
    if armstand.value:
        notes.append("armstand: " + armstand.evidence)
    notes.append("a flying dive (a straight half somersault before the position) is not told apart")
    guess = None
    if all(p.value is not None for p in parts.values()):
        guess = _code(group.value, bool(armstand.value), somersaults.value, twists.value, position.value)
    weakest = min(parts, key=lambda name: parts[name].confidence if parts[name].value is not None else -1.0)
    confidence = min(p.confidence for p in parts.values())
    sure = all(p.sure for p in parts.values()) and guess is not None
    unsure = None
    if not sure:
        unsure = (f"the {weakest} is unsure: {parts[weakest].evidence}" if guess is not None or
                  parts[weakest].value is None else "the parts read do not make a valid dive number")
    return DiveReading(guess if sure else None, confidence, parts, guess, unsure, notes)
