"""An edit: one gesture's worth of changes, undone and redone as one step."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.edits.targets import (
    BoxTarget,
    ClipFieldsTarget,
    ClipLabelTarget,
    JointsTarget,
    ReviewedTarget,
    StagesTarget,
    Target,
    _finite_or_none,
)
from app.store.models import WORKING_LAYER
from inference.provenance import JointSource, Visibility
from inference.sports.diving import parse_dive_number


@dataclass(frozen=True)
class Edit:
    description: str
    changes: tuple[tuple[Target, Any], ...]

    @property
    def kind(self) -> str:
        kinds = {target.kind for target, _ in self.changes}
        return kinds.pop() if len(kinds) == 1 else "combined"

    @property
    def clip_id(self) -> int | None:
        clips = {target.clip_id for target, _ in self.changes}
        return clips.pop() if len(clips) == 1 else None


def combine(description: str, edits: Iterable[Edit]) -> Edit:
    """Several edits as one undo step (e.g. interpolating a range of frames)."""
    return Edit(description, tuple(change for edit in edits for change in edit.changes))


def set_keypoints(
    clip_id: int,
    frame: int,
    keypoints: np.ndarray | Mapping[int, Sequence[float]],
    *,
    schema: str,
    source: JointSource = JointSource.MANUAL,
    visibility: Visibility | None = None,
    layer: str = WORKING_LAYER,
) -> Edit:
    """Set [x, y, confidence] of all joints ((J, 3) array) or of some ({joint: (x, y[, c])}).

    `visibility` is left unchanged unless given (placing a missing joint passes VISIBLE).
    """
    if isinstance(keypoints, Mapping):
        items = sorted(keypoints.items())
    else:
        items = list(enumerate(np.asarray(keypoints, dtype=np.float64)))
    joints, values = [], []
    for joint, point in items:
        point = list(point) + [1.0] * (3 - len(point))
        entry: dict[str, Any] = {"xyc": [_finite_or_none(v) for v in point[:3]], "source": int(source)}
        if visibility is not None:
            entry["visibility"] = int(visibility)
        joints.append(int(joint))
        values.append(entry)
    fields = ("xyc", "source") + (("visibility",) if visibility is not None else ())
    what = f"joint {joints[0]}" if len(joints) == 1 else "pose"
    target = JointsTarget(clip_id, frame, layer, tuple(joints), fields)
    return Edit(f"Move {what} on frame {frame}", ((target, {"schema": schema, "joints": values}),))


def set_visibility(
    clip_id: int, frame: int, joints: Sequence[int], visibility: Visibility, *, schema: str,
    layer: str = WORKING_LAYER,
) -> Edit:
    target = JointsTarget(clip_id, frame, layer, tuple(int(j) for j in joints), ("visibility",))
    value = {"schema": schema, "joints": [{"visibility": int(visibility)} for _ in joints]}
    name = Visibility(visibility).name.lower()
    return Edit(f"Mark {len(joints)} joint(s) {name} on frame {frame}", ((target, value),))


def set_box(
    clip_id: int, frame: int, bbox: Sequence[float] | None, *, schema: str, layer: str = WORKING_LAYER
) -> Edit:
    value = {"schema": schema, "bbox": None if bbox is None else [float(v) for v in bbox]}
    verb = "Clear" if bbox is None else "Set"
    return Edit(f"{verb} athlete box on frame {frame}", ((BoxTarget(clip_id, frame, layer), value),))


def set_reviewed(clip_id: int, frames: Sequence[int], reviewed: bool = True, *, layer: str = WORKING_LAYER) -> Edit:
    """Mark frames as reviewed keyframes (or clear the mark)."""
    verb = "Mark" if reviewed else "Unmark"
    what = f"frame {frames[0]}" if len(frames) == 1 else f"{len(frames)} frames"
    return Edit(f"{verb} {what} reviewed",
                tuple((ReviewedTarget(clip_id, int(f), layer), {"reviewed": bool(reviewed)}) for f in frames))


def set_stages(
    clip_id: int, stage_names: Sequence[str], transitions: Sequence[int] | None, *, source: str = "expert"
) -> Edit:
    """Stage transitions (None removes them)."""
    value = None if transitions is None else {
        "stage_names": list(stage_names), "transitions": [int(t) for t in transitions]}
    return Edit("Set stage transitions", ((StagesTarget(clip_id, source), value),))


def set_clip_labels(clip_id: int, annotator: str, **fields: Any) -> Edit:
    """Expert labels of one annotator: overall_score, judge_marks, difficulty, skill_level,
    dimension_scores, notes."""
    if "judge_marks" in fields and fields["judge_marks"] is not None:
        fields["judge_marks"] = list(fields["judge_marks"])
    target = ClipLabelTarget(clip_id, annotator, tuple(sorted(fields)))
    return Edit(f"Set {', '.join(sorted(fields))}", ((target, dict(fields)),))


def set_clip_fields(clip_id: int, **fields: Any) -> Edit:
    """Descriptive clip fields: name, sport, athlete, event, dive_number, action, difficulty,
    split.

    A dive number is stored in its canonical upper-case form (407c -> 407C) when it parses,
    and becomes the clip's action too unless an action is given: the dive number is what
    groups dives for comparison.
    """
    dive = fields.get("dive_number")
    if isinstance(dive, str):
        try:
            fields["dive_number"] = parse_dive_number(dive).code
        except ValueError:
            pass  # refused with its reason when the edit is checked
    if "dive_number" in fields and "action" not in fields:
        fields["action"] = fields["dive_number"]
    target = ClipFieldsTarget(clip_id, tuple(sorted(fields)))
    return Edit(f"Set clip {', '.join(sorted(fields))}", ((target, dict(fields)),))
