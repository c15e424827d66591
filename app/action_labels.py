"""Whether the label typed for a clip agrees with the action recognised in it.

Light on purpose (no model or media code): the label panel and ``plumb check`` compare the
typed dive number or action name with what the newest analysis stored
(:mod:`app.action_recognition`). Only confident readings count: a part of a dive number read
with at least :data:`DISAGREE_CONFIDENCE`, or the classifier's answer as sure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inference.sports.diving import parse_dive_number

DISAGREE_CONFIDENCE = 0.7
PART_WORDS = {"group": "group", "somersaults": "half somersaults", "twists": "half twists",
              "position": "position"}


def recognised_line(action: dict[str, Any] | None) -> str | None:
    """One line for a stored recognition: the action read and how sure, or why it is unsure."""
    if not action:
        return None
    if action.get("label"):
        return (f"Recognised {action['label']} ({action.get('description') or action['label']}), confidence "
                f"{action.get('confidence', 0.0):.2f}, from the {action.get('source')}.")
    guess = f" (best guess {action['guess']})" if action.get("guess") else ""
    return f"Action unsure{guess}: {action.get('unsure') or 'the poses are too poor'}."


@dataclass(frozen=True)
class Disagreement:
    """A typed label the recogniser confidently reads otherwise: ``message`` says how, and
    ``frames`` where to look."""

    typed: str
    recognised: str
    confidence: float
    message: str
    frames: tuple[int, int] | None


def _is_dive_number(text: str) -> bool:
    try:
        parse_dive_number(text)
    except ValueError:
        return False  # an action name, or a mistyped number (reported by its own check)
    return True


def _part_of(code: str, part: str) -> Any:
    dive = parse_dive_number(code)
    return {"group": dive.direction, "somersaults": dive.half_somersaults, "twists": dive.half_twists,
            "position": dive.position}[part]


def disagreement(typed: str | None, action: dict[str, Any] | None) -> Disagreement | None:
    """How the typed label (dive number or action name) confidently disagrees with a stored
    recognition, or None (agrees, unsure, or nothing to compare)."""
    if not typed or not action:
        return None
    dive = action.get("dive")
    if dive is not None and _is_dive_number(typed):
        wrong = []
        for part, reading in dive["parts"].items():
            if reading["sure"] and reading["confidence"] >= DISAGREE_CONFIDENCE \
                    and reading["value"] != _part_of(typed, part):
                wrong.append((part, reading))
        if wrong:
            said = "; ".join(f"{PART_WORDS[p]}: {r['value']} read (confidence {r['confidence']:.2f}), "
                             f"{_part_of(typed, p)} typed" for p, r in wrong)
            frames = [tuple(r["frames"]) for _, r in wrong if r.get("frames")]
            span = (min(f[0] for f in frames), max(f[1] for f in frames)) if frames else None
            return Disagreement(typed, dive.get("label") or dive.get("guess") or "?",
                                min(r["confidence"] for _, r in wrong),
                                f"typed {parse_dive_number(typed).code}, but the poses read otherwise: {said}", span)
        return None
    classifier = action.get("classifier")
    if classifier and classifier.get("label") and classifier["label"] != typed \
            and classifier.get("confidence", 0.0) >= DISAGREE_CONFIDENCE:
        return Disagreement(typed, classifier["label"], float(classifier["confidence"]),
                            f"typed {typed}, but the action classifier reads {classifier['label']} "
                            f"(confidence {classifier['confidence']:.2f})", None)
    return None
