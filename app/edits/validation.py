"""Checks of label values; each failure says what is wrong and what is allowed."""

from __future__ import annotations

import math
from typing import Any

from app.errors import EditError
from inference.sports.diving import parse_dive_number

SKILL_LEVELS = ("novice", "intermediate", "advanced", "expert")
SPLITS = ("train", "val", "test")
MAX_JUDGES = 11


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise EditError(f"{what} must be a number, not {value!r}.")
    return float(value)


def check_judge_mark(value: Any) -> float:
    mark = _number(value, "A judge mark")
    if not 0 <= mark <= 10 or (mark * 2) != int(mark * 2):
        raise EditError(f"A judge mark is 0 to 10 in half points (e.g. 7.5); {value!r} is not.")
    return mark


def check_labels(values: dict[str, Any]) -> None:
    if values.get("overall_score") is not None:
        if _number(values["overall_score"], "The overall score") < 0:
            raise EditError(f"The overall score cannot be negative ({values['overall_score']}).")
    marks = values.get("judge_marks")
    if marks is not None:
        if not isinstance(marks, (list, tuple)) or not 1 <= len(marks) <= MAX_JUDGES:
            raise EditError(f"Judge marks are a list of 1 to {MAX_JUDGES} marks.")
        for mark in marks:
            check_judge_mark(mark)
    if values.get("difficulty") is not None:
        if not 0 < _number(values["difficulty"], "The difficulty") <= 10:
            raise EditError(f"The difficulty must be above 0 and at most 10, not {values['difficulty']}.")
    level = values.get("skill_level")
    if level is not None and level not in SKILL_LEVELS:
        raise EditError(f"Skill level {level!r} is not one of {', '.join(SKILL_LEVELS)}.")
    dims = values.get("dimension_scores")
    if dims is not None:
        if not isinstance(dims, dict):
            raise EditError("Dimension scores are a mapping of dimension name to a value in [0, 1].")
        for name, score in dims.items():
            if not 0 <= _number(score, f"The {name} score") <= 1:
                raise EditError(f"The {name} score must lie in [0, 1], not {score}.")
    notes = values.get("notes")
    if notes is not None and not isinstance(notes, str):
        raise EditError("Notes must be text.")


def check_clip_fields(values: dict[str, Any]) -> None:
    split = values.get("split")
    if split is not None and split not in SPLITS:
        raise EditError(f"Split {split!r} is not one of {', '.join(SPLITS)}.")
    dive = values.get("dive_number")
    if dive is not None:
        try:
            parsed = parse_dive_number(str(dive))
        except ValueError as exc:
            raise EditError(f"Dive number {dive!r} is not valid: {exc}") from None
        if parsed.code != dive:
            raise EditError(f"Dive number {dive!r} must be written as {parsed.code}.")
    if values.get("difficulty") is not None:
        if not 0 < _number(values["difficulty"], "The difficulty") <= 10:
            raise EditError(f"The difficulty must be above 0 and at most 10, not {values['difficulty']}.")
    if "name" in values and not str(values.get("name") or "").strip():
        raise EditError("A clip needs a name.")


def check_stages(stage_names: list[str], transitions: list[int], frame_count: int) -> None:
    if not stage_names or any(not str(name).strip() for name in stage_names):
        raise EditError("Every stage needs a name.")
    if len(transitions) != len(stage_names) - 1:
        raise EditError(
            f"{len(stage_names)} stages need {len(stage_names) - 1} transition frames, not {len(transitions)}."
        )
    previous = 0
    for t in transitions:
        if isinstance(t, bool) or not isinstance(t, int):
            raise EditError(f"A transition is a frame number, not {t!r}.")
        if not previous < t < frame_count:
            raise EditError(
                f"Transitions must increase and lie inside the clip (1 to {frame_count - 1}); {t} does not."
            )
        previous = t
