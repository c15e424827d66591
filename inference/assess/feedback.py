"""Coaching feedback from the skill dimensions and measured faults (METHODS §4-5).

One item per dimension under its threshold ``tau_d`` and, for diving, one per fault, each
anchored to a frame range and the stage it falls in, with what was seen (the numbers) and what
to change, in the words judges and coaches use. The level of the athlete moves the thresholds
(a novice is flagged only for larger gaps to the references, an expert for small ones) and the
advice that closes each fix. Other sports get the dimension items in generic wording.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from inference.assess.dimensions import DimensionReport
from inference.assess.diving_faults import (
    ENTRY_OFF_VERTICAL,
    KNEES_APART,
    LARGE_SPLASH,
    LEGS_BENT,
    OVER_ROTATION,
    UNDER_ROTATION,
    Fault,
)

LEVELS = ("novice", "intermediate", "advanced", "expert")
# tau_d for an intermediate athlete. A clip like the median reference scores 0.85; 0.6 is about
# one and a half reference spreads worse. Completeness is held higher (a missing part of the
# movement is never fine), energy efficiency lower (it weighs little and varies most).
DIMENSION_THRESHOLDS = {"temporal precision": 0.6, "spatial accuracy": 0.6, "movement smoothness": 0.55,
                        "completeness": 0.65, "energy efficiency": 0.5}
# Added to every tau_d: a novice is far from the references on everything, so only the largest
# gaps are worth a word; an expert is told about small ones, as a judge would mark them.
LEVEL_OFFSETS = {"novice": -0.2, "intermediate": 0.0, "advanced": 0.1, "expert": 0.15}
TOPIC_TITLES = {"temporal precision": "Timing", "spatial accuracy": "Body position",
                "movement smoothness": "Smoothness", "completeness": "Completeness",
                "energy efficiency": "Economy of movement"}

# What to change, per measure that lowered a dimension most: (diving, any sport).
MEASURE_FIXES = {
    "stage timing": ("Match the rhythm of the model dive: a steady hurdle, ride the board down and up before "
                     "leaving it, and hold the position until the planned kick-out.",
                     "Match the rhythm of the reference: count each phase out loud and give it the same time."),
    "tempo": ("Keep one tempo through the dive: do not rush into the position or hang before the kick-out.",
              "Keep an even tempo through the movement; practise it to a count or a metronome."),
    "pose deviation": ("Hit the positions crisply at this moment: as in the model dive, tight and exact, legs "
                       "together, toes pointed.",
                       "Copy the reference's body position at this moment; check the joints that stray most."),
    "jerk": ("Move through the dive in one flowing action: no snatched arm swing on the board, a smooth "
             "kick-out into the entry.",
             "Move more fluidly: slow the movement down until it is smooth, then build the speed back."),
    "speed steadiness": ("Keep the speed of the movements even: accelerate into the position and out of it in "
                         "one go rather than in bursts.",
                         "Keep the speed even: no stop-and-go within a phase."),
    "coverage": ("Much of the body is not seen here: film side-on with the whole dive, board to water, in frame.",
                 "Much of the body is not seen here: film the whole movement with the athlete fully in frame."),
    "stage lengths": ("A phase of the dive is missing or far off its usual length: rehearse the full sequence "
                      "of approach, take-off, flight and entry.",
                      "A phase is missing or far off its usual length: rehearse the full sequence of phases."),
    "range of motion": ("Reach the full range: full extension at take-off, the position fully closed in flight, "
                        "full stretch for the entry.",
                        "Reach the full range of motion of the reference in this phase."),
    "rotation": ("Complete the rotation: a stronger throw from the board and a tighter, earlier position spin "
                 "you round.",
                 "Complete the turn: start it with more drive and keep the body compact while turning."),
    "path length": ("Take the direct route: no wide arm circles or flailing legs, every movement towards the "
                    "next position.",
                    "Take the direct route: cut the extra movement of the arms and legs."),
    "unnecessary motion": ("Keep still what the model dive keeps still: arms and legs quiet, body line held.",
                           "Keep still the joints the reference holds still."),
}

# Judge-vocabulary templates per fault: what was seen, and the fix (by position where it matters).
POSITION_FIXES = {"tuck": "Squeeze the knees together and grab the shins.",
                  "pike": "Squeeze the legs together from hips to toes and hold behind the knees.",
                  "straight": "Squeeze the legs together from hips to toes."}
FAULT_FIXES = {
    LEGS_BENT: "Lock the knees and point the toes: close the pike from the hips, not by bending the legs.",
    ENTRY_OFF_VERTICAL: ("Reach for the water with flat hands, stretch through the shoulders and squeeze the body "
                         "into one vertical line; spot the entry point early."),
    UNDER_ROTATION: ("Throw harder from the board and get into the position sooner and tighter so the rotation "
                     "comes round; kick out only once you see the water."),
    OVER_ROTATION: ("Kick out earlier and stretch hard for the water: spot the entry point and stop the rotation "
                    "with the body line."),
    LARGE_SPLASH: ("Rip the entry: flat-hand grab, arms locked over the head, enter in a vertical line and keep "
                   "the body tight through the water."),
}
LEVEL_NOTES = {
    "diving": {"novice": " Take it step by step: drill it on dry land or from the 1 m board first.",
               "intermediate": "", "advanced": " Film it again and compare with the model dive frame by frame.",
               "expert": " At this level, this is where the judges' marks separate."},
    "other": {"novice": " Take it step by step: drill the phase on its own, slowly, before the whole movement.",
              "intermediate": "", "advanced": " Film it again and compare with the reference frame by frame.",
              "expert": " At this level, this is what separates the best executions."},
}


@dataclass(frozen=True)
class FeedbackItem:
    """One piece of feedback: its ``topic`` (a dimension or a fault name), the first and last
    frame it is about (inclusive), the ``stage`` those frames fall in ("" when stages are
    unknown), ``text`` (what was seen, with the numbers), ``fix`` (what to change) and
    ``severity`` in [0, 1]."""

    topic: str
    start_frame: int
    end_frame: int
    stage: str
    text: str
    fix: str
    severity: float


def threshold(dimension: str, level: str = "intermediate") -> float:
    """``tau_d`` of a dimension for an athlete at ``level`` (one of :data:`LEVELS`)."""
    if level not in LEVEL_OFFSETS:
        raise ValueError(f"unknown level {level!r}; levels: {', '.join(LEVELS)}")
    if dimension not in DIMENSION_THRESHOLDS:
        raise ValueError(f"unknown dimension {dimension!r}; dimensions: {', '.join(DIMENSION_THRESHOLDS)}")
    return min(0.95, max(0.05, DIMENSION_THRESHOLDS[dimension] + LEVEL_OFFSETS[level]))


def stage_of(start: int, end: int, transitions: Sequence[int] | None, stage_names: Sequence[str],
             num_frames: int) -> str:
    """The stage that holds most of frames ``start..end`` ("" when the stages are unknown)."""
    if transitions is None or len(stage_names) != len(transitions) + 1:
        return ""
    bounds = [0, *transitions, num_frames]
    overlap = [max(0, min(end + 1, hi) - max(start, lo)) for lo, hi in zip(bounds[:-1], bounds[1:])]
    best = max(range(len(overlap)), key=lambda k: overlap[k])
    return stage_names[best] if overlap[best] > 0 else ""


def _where(start: int, end: int, stage: str) -> str:
    frames = f"frame {start}" if start == end else f"frames {start}-{end}"
    return f"{frames}, {stage}" if stage else frames


def _fault_text(fault: Fault, where: str) -> tuple[str, str]:
    if fault.name == KNEES_APART:
        fix = POSITION_FIXES.get(fault.context, "Keep the knees and feet together throughout the dive.")
        return (f"Knees apart in the {fault.context} ({where}): {fault.value:.2f} torso lengths between the knees.",
                fix)
    if fault.name == LEGS_BENT:
        return f"Legs bent in the {fault.context} ({where}): knees bent {fault.value:.0f}°.", FAULT_FIXES[LEGS_BENT]
    if fault.name == ENTRY_OFF_VERTICAL:
        return f"Entry {fault.value:.0f}° off vertical ({where}).", FAULT_FIXES[ENTRY_OFF_VERTICAL]
    if fault.name in (UNDER_ROTATION, OVER_ROTATION):
        verb = "Under-rotated" if fault.name == UNDER_ROTATION else "Over-rotated"
        detail = f"; {fault.context}" if fault.context else ""
        return f"{verb} by {fault.value:.0f}° ({where}{detail}).", FAULT_FIXES[fault.name]
    if fault.name == LARGE_SPLASH:
        return f"Large splash ({where}): {fault.value:.1f} times the reference splash.", FAULT_FIXES[LARGE_SPLASH]
    return (f"{fault.name.capitalize()} ({where}): {fault.value:.2f} {fault.unit}, over {fault.threshold:.2f}.",
            "Compare this moment with the model dive.")


def fault_feedback(faults: Sequence[Fault], *, num_frames: int, level: str = "intermediate",
                   stage_names: Sequence[str] = (), transitions: Sequence[int] | None = None) -> list[FeedbackItem]:
    """Diving faults as feedback items in judges' words, most severe first: they are measured
    against the rules of the sport, so they need no reference clip and no trained model."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; levels: {', '.join(LEVELS)}")
    note = LEVEL_NOTES["diving"][level]
    items = []
    for fault in faults:
        stage = stage_of(fault.start, fault.end, transitions, stage_names, num_frames)
        text, fix = _fault_text(fault, _where(fault.start, fault.end, stage))
        items.append(FeedbackItem(fault.name, fault.start, fault.end, stage, text, fix + note, fault.severity))
    return sorted(items, key=lambda item: (-item.severity, item.start_frame))


def feedback(report: DimensionReport, faults: Sequence[Fault] = (), *, sport: str = "diving",
             level: str = "intermediate", stage_names: Sequence[str] | None = None,
             transitions: Sequence[int] | None = None) -> list[FeedbackItem]:
    """Feedback items, most severe first (ties: earliest frames first). A dimension's severity
    is its relative shortfall ``(tau - value) / tau``, scaled from half (lightest dimension) to
    full (heaviest); a fault's is its own.

    ``stage_names`` and ``transitions`` default to the report's; ``faults`` are used for
    diving only (:func:`fault_feedback` words them when there is no report). Dimensions that
    could not be measured are left out.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; levels: {', '.join(LEVELS)}")
    names = tuple(stage_names) if stage_names is not None else report.stage_names
    bounds = tuple(transitions) if transitions is not None else report.transitions
    diving = sport == "diving"
    note = LEVEL_NOTES["diving" if diving else "other"][level]
    items = []
    # A dimension's gap counts more when the dimension weighs more in the overall score.
    top_weight = max(d.weight for d in report.dimensions)
    for dim in report.dimensions:
        tau = threshold(dim.name, level)
        if not math.isfinite(dim.value) or dim.value >= tau:
            continue
        start, end = dim.worst_frames
        stage = stage_of(start, end, bounds, names, report.num_frames)
        seen = dim.measures[0][2] if dim.measures else dim.evidence
        fix = MEASURE_FIXES.get(dim.measure, ("Compare this moment with the reference.",) * 2)[0 if diving else 1]
        items.append(FeedbackItem(dim.name, start, end, stage,
                                  f"{TOPIC_TITLES.get(dim.name, dim.name)} {dim.value:.2f}, under the {level} "
                                  f"target {tau:.2f} ({_where(start, end, stage)}): {seen}.", fix + note,
                                  (tau - dim.value) / tau * (0.5 + 0.5 * dim.weight / top_weight)))
    if diving:
        items += fault_feedback(faults, num_frames=report.num_frames, level=level, stage_names=names,
                                transitions=bounds)
    return sorted(items, key=lambda item: (-item.severity, item.start_frame))
