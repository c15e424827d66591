"""The places an edit can write to, each able to read, check and write a JSON value.

A target's value is plain JSON so that the edit log can store the old and the new value and
undo/redo can replay them after the program restarts. `None` means "no row": undoing the
edit that created a row deletes it again.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.edits.validation import check_clip_fields, check_labels, check_stages
from app.errors import EditError
from app.store.blobs import decode_flags, decode_keypoints, encode_flags, encode_keypoints
from app.store.events import ChangeEvent, LabelsChanged, PosesChanged, StagesChanged, ClipsChanged
from app.store.models import Clip, ClipLabel, PoseFrame, StageLabel, utc_now
from app.store.queries import pose_row
from inference.provenance import JointSource, Visibility
from inference.skeletons import get_skeleton

Json = Any
JOINT_FIELDS = ("xyc", "visibility", "source")


def _clip(session: Session, clip_id: int) -> Clip:
    clip = session.get(Clip, clip_id)
    if clip is None:
        raise EditError(f"There is no clip {clip_id} in this project.")
    return clip


def _finite_or_none(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _row_for(session: Session, row, value: Json, make_row: Callable[[], Any]):
    """The row to write `value` into (created when absent), or None after deleting it for a None value."""
    if value is None:
        if row is not None:
            session.delete(row)
        return None
    if row is None:
        row = make_row()
        session.add(row)
    return row


class Target(ABC):
    kind: ClassVar[str]
    clip_id: int

    @abstractmethod
    def to_json(self) -> dict[str, Any]: ...

    @classmethod
    @abstractmethod
    def from_json(cls, data: dict[str, Any]) -> Target: ...

    @abstractmethod
    def read(self, session: Session) -> Json: ...

    @abstractmethod
    def write(self, session: Session, value: Json, annotator: str | None) -> None: ...

    def check(self, session: Session, value: Json) -> None:
        """Raise EditError when `value` must not be written; called before anything is written."""

    @abstractmethod
    def events(self) -> list[ChangeEvent]: ...


@dataclass(frozen=True)
class _PoseRowTarget(Target):
    clip_id: int
    frame: int
    layer: str

    def _check_frame(self, session: Session) -> Clip:
        clip = _clip(session, self.clip_id)
        if not 0 <= self.frame < clip.frame_count:
            raise EditError(
                f"Frame {self.frame} is outside clip {self.clip_id} ({clip.name}), whose frames are "
                f"0 to {clip.frame_count - 1}."
            )
        return clip

    def _row(self, session: Session) -> PoseFrame | None:
        return pose_row(session, self.clip_id, self.frame, self.layer)

    def _new_row(self, session: Session, schema: str) -> PoseFrame:
        joints = get_skeleton(schema).num_joints
        row = PoseFrame(
            clip_id=self.clip_id, frame=self.frame, layer=self.layer, schema=schema,
            keypoints=encode_keypoints(np.full((joints, 3), np.nan, np.float32)),
            visibility=encode_flags(np.full(joints, Visibility.ABSENT, np.uint8)),
            source=encode_flags(np.full(joints, JointSource.NONE, np.uint8)),
        )
        session.add(row)
        return row

    def events(self) -> list[ChangeEvent]:
        return [PosesChanged(self.clip_id, frozenset({self.frame}), self.layer)]


@dataclass(frozen=True)
class JointsTarget(_PoseRowTarget):
    """Some fields of some joints of one frame.

    Value: None (no pose row) or {"schema": str, "joints": [{field: value}, ...]} aligned with
    `joints`; fields are "xyc" ([x, y, confidence], null for unknown), "visibility", "source".
    """

    kind: ClassVar[str] = "joints"
    joints: tuple[int, ...]
    fields: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"clip_id": self.clip_id, "frame": self.frame, "layer": self.layer,
                "joints": list(self.joints), "fields": list(self.fields)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JointsTarget:
        return cls(data["clip_id"], data["frame"], data["layer"], tuple(data["joints"]), tuple(data["fields"]))

    def read(self, session: Session) -> Json:
        row = self._row(session)
        if row is None:
            return None
        keypoints, visibility, source = (decode_keypoints(row.keypoints), decode_flags(row.visibility),
                                         decode_flags(row.source))
        values = []
        for j in self.joints:
            entry: dict[str, Any] = {}
            if "xyc" in self.fields:
                entry["xyc"] = [_finite_or_none(v) for v in keypoints[j]]
            if "visibility" in self.fields:
                entry["visibility"] = int(visibility[j])
            if "source" in self.fields:
                entry["source"] = int(source[j])
            values.append(entry)
        return {"schema": row.schema, "joints": values}

    def check(self, session: Session, value: Json) -> None:
        self._check_frame(session)
        if value is None:
            return
        schema = value["schema"]
        try:
            skeleton = get_skeleton(schema)
        except ValueError as exc:
            raise EditError(str(exc)) from exc
        row = self._row(session)
        if row is not None and row.schema != schema:
            raise EditError(f"Frame {self.frame} holds a {row.schema} pose; a {schema} edit cannot change it.")
        bad = [j for j in self.joints if not 0 <= j < skeleton.num_joints]
        if bad:
            raise EditError(f"Joint {bad[0]} does not exist in {schema} (0 to {skeleton.num_joints - 1}).")
        if len(value["joints"]) != len(self.joints):
            raise EditError("The edit gives values for a different number of joints than it names.")
        for entry in value["joints"]:
            if "visibility" in entry and entry["visibility"] not in {v.value for v in Visibility}:
                raise EditError(f"Visibility must be 0 (absent), 1 (occluded) or 2 (visible), not {entry['visibility']}.")
            if "source" in entry and entry["source"] not in {s.value for s in JointSource}:
                raise EditError(f"Unknown joint source {entry['source']}.")
            if "xyc" in entry:
                xyc = entry["xyc"]
                if len(xyc) != 3 or any(v is not None and not math.isfinite(v) for v in xyc):
                    raise EditError("A keypoint is [x, y, confidence] with finite numbers (or null for unknown).")

    def write(self, session: Session, value: Json, annotator: str | None) -> None:
        row = self._row(session)
        if value is None:
            # "No row" before this edit: clear only these joints, so values other writers
            # (a model run) put into the row since then survive the undo.
            if row is not None:
                self._clear_joints(row)
                _delete_if_empty(session, row)
            return
        if row is None:
            row = self._new_row(session, value["schema"])
        keypoints, visibility, source = (decode_keypoints(row.keypoints), decode_flags(row.visibility),
                                         decode_flags(row.source))
        for j, entry in zip(self.joints, value["joints"]):
            if "xyc" in entry:
                keypoints[j] = [np.nan if v is None else v for v in entry["xyc"]]
            if "visibility" in entry:
                visibility[j] = entry["visibility"]
            if "source" in entry:
                source[j] = entry["source"]
        row.keypoints, row.visibility, row.source = (encode_keypoints(keypoints), encode_flags(visibility),
                                                     encode_flags(source))
        row.annotator = annotator
        row.updated_at = utc_now()

    def _clear_joints(self, row: PoseFrame) -> None:
        keypoints, visibility, source = (decode_keypoints(row.keypoints), decode_flags(row.visibility),
                                         decode_flags(row.source))
        joints = list(self.joints)
        if "xyc" in self.fields:
            keypoints[joints] = np.nan
        if "visibility" in self.fields:
            visibility[joints] = Visibility.ABSENT
        if "source" in self.fields:
            source[joints] = JointSource.NONE
        row.keypoints, row.visibility, row.source = (encode_keypoints(keypoints), encode_flags(visibility),
                                                     encode_flags(source))


def _delete_if_empty(session: Session, row: PoseFrame) -> None:
    """Remove a pose row that no longer holds a joint or a box."""
    if row.bbox_x1 is None and not np.isfinite(decode_keypoints(row.keypoints)[:, :2]).any() \
            and not (decode_flags(row.visibility) != Visibility.ABSENT).any():
        session.delete(row)


@dataclass(frozen=True)
class BoxTarget(_PoseRowTarget):
    """The athlete box of one frame. Value: None (no pose row) or {"schema", "bbox": [x1,y1,x2,y2] | None}."""

    kind: ClassVar[str] = "box"

    def to_json(self) -> dict[str, Any]:
        return {"clip_id": self.clip_id, "frame": self.frame, "layer": self.layer}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BoxTarget:
        return cls(data["clip_id"], data["frame"], data["layer"])

    def read(self, session: Session) -> Json:
        row = self._row(session)
        if row is None:
            return None
        bbox = None if row.bbox_x1 is None else [row.bbox_x1, row.bbox_y1, row.bbox_x2, row.bbox_y2]
        return {"schema": row.schema, "bbox": bbox}

    def check(self, session: Session, value: Json) -> None:
        self._check_frame(session)
        if value is None or value["bbox"] is None:
            return
        x1, y1, x2, y2 = value["bbox"]
        if not all(math.isfinite(v) for v in (x1, y1, x2, y2)) or x2 <= x1 or y2 <= y1:
            raise EditError(f"A box needs x1 < x2 and y1 < y2 in pixels; got {value['bbox']}.")
        row = self._row(session)
        if row is not None and row.schema != value["schema"]:
            raise EditError(f"Frame {self.frame} holds a {row.schema} pose; a {value['schema']} edit cannot change it.")

    def write(self, session: Session, value: Json, annotator: str | None) -> None:
        row = self._row(session)
        if value is None:
            if row is not None:
                row.bbox_x1 = row.bbox_y1 = row.bbox_x2 = row.bbox_y2 = None
                _delete_if_empty(session, row)
            return
        if row is None:
            row = self._new_row(session, value["schema"])
        bbox = value["bbox"] or [None] * 4
        row.bbox_x1, row.bbox_y1, row.bbox_x2, row.bbox_y2 = bbox
        row.annotator = annotator
        row.updated_at = utc_now()


@dataclass(frozen=True)
class ReviewedTarget(_PoseRowTarget):
    """The reviewed-keyframe mark of one frame's pose. Value: {"reviewed": bool}."""

    kind: ClassVar[str] = "reviewed"

    def to_json(self) -> dict[str, Any]:
        return {"clip_id": self.clip_id, "frame": self.frame, "layer": self.layer}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReviewedTarget:
        return cls(data["clip_id"], data["frame"], data["layer"])

    def read(self, session: Session) -> Json:
        row = self._row(session)
        return {"reviewed": bool(row.reviewed) if row is not None else False}

    def check(self, session: Session, value: Json) -> None:
        self._check_frame(session)
        if value["reviewed"] and self._row(session) is None:
            raise EditError(f"Frame {self.frame} has no pose yet; place the joints before marking it reviewed.")

    def write(self, session: Session, value: Json, annotator: str | None) -> None:
        row = self._row(session)
        if row is not None:
            row.reviewed = bool(value["reviewed"])
            row.updated_at = utc_now()


@dataclass(frozen=True)
class StagesTarget(Target):
    """Stage transitions of a clip. Value: None or {"stage_names": [...], "transitions": [...]}."""

    kind: ClassVar[str] = "stages"
    clip_id: int
    source: str = "expert"

    def to_json(self) -> dict[str, Any]:
        return {"clip_id": self.clip_id, "source": self.source}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StagesTarget:
        return cls(data["clip_id"], data["source"])

    def _row(self, session: Session) -> StageLabel | None:
        return session.scalars(select(StageLabel).where(
            StageLabel.clip_id == self.clip_id, StageLabel.source == self.source)).first()

    def read(self, session: Session) -> Json:
        row = self._row(session)
        return None if row is None else {"stage_names": list(row.stage_names), "transitions": list(row.transitions)}

    def check(self, session: Session, value: Json) -> None:
        clip = _clip(session, self.clip_id)
        if value is not None:
            check_stages(value["stage_names"], value["transitions"], clip.frame_count)

    def write(self, session: Session, value: Json, annotator: str | None) -> None:
        row = _row_for(session, self._row(session), value,
                       lambda: StageLabel(clip_id=self.clip_id, source=self.source))
        if row is None:
            return
        row.stage_names = list(value["stage_names"])
        row.transitions = [int(t) for t in value["transitions"]]
        row.annotator = annotator
        row.updated_at = utc_now()

    def events(self) -> list[ChangeEvent]:
        return [StagesChanged(self.clip_id)]


LABEL_FIELDS = ("overall_score", "judge_marks", "difficulty", "skill_level", "dimension_scores", "notes")


@dataclass(frozen=True)
class ClipLabelTarget(Target):
    """Some expert label fields of one annotator for a clip. Value: None (no row) or {field: value}."""

    kind: ClassVar[str] = "clip_label"
    clip_id: int
    annotator: str
    fields: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"clip_id": self.clip_id, "annotator": self.annotator, "fields": list(self.fields)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClipLabelTarget:
        return cls(data["clip_id"], data["annotator"], tuple(data["fields"]))

    def _row(self, session: Session) -> ClipLabel | None:
        return session.scalars(select(ClipLabel).where(
            ClipLabel.clip_id == self.clip_id, ClipLabel.annotator == self.annotator)).first()

    def read(self, session: Session) -> Json:
        row = self._row(session)
        return None if row is None else {field: getattr(row, field) for field in self.fields}

    def check(self, session: Session, value: Json) -> None:
        _clip(session, self.clip_id)
        unknown = set(self.fields) - set(LABEL_FIELDS)
        if unknown:
            raise EditError(f"Unknown label field(s) {sorted(unknown)}; known: {', '.join(LABEL_FIELDS)}.")
        if value is not None:
            check_labels(value)

    def write(self, session: Session, value: Json, annotator: str | None) -> None:
        row = _row_for(session, self._row(session), value,
                       lambda: ClipLabel(clip_id=self.clip_id, annotator=self.annotator))
        if row is None:
            return
        for field in self.fields:
            setattr(row, field, value.get(field))
        row.updated_at = utc_now()

    def events(self) -> list[ChangeEvent]:
        return [LabelsChanged(self.clip_id)]


CLIP_FIELDS = ("name", "sport", "athlete", "event", "dive_number", "action", "difficulty", "split",
               "exemplar_clip_id")


def _check_exemplar(session: Session, clip_id: int, exemplar_id: Any) -> None:
    """A clip is compared with another clip of the same sport (its stages and rules match)."""
    if not isinstance(exemplar_id, int) or exemplar_id == clip_id:
        raise EditError("A clip's exemplar must be another clip of the project.")
    clip, exemplar = _clip(session, clip_id), session.get(Clip, exemplar_id)
    if exemplar is None:
        raise EditError(f"There is no clip {exemplar_id} in this project to compare with.")
    if exemplar.sport != clip.sport:
        raise EditError(f"{exemplar.name} is a {exemplar.sport} clip and {clip.name} a {clip.sport} clip; "
                        "choose an exemplar of the same sport.")


@dataclass(frozen=True)
class ClipFieldsTarget(Target):
    """Descriptive fields of the clip row itself. Value: {field: value}."""

    kind: ClassVar[str] = "clip_fields"
    clip_id: int
    fields: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"clip_id": self.clip_id, "fields": list(self.fields)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClipFieldsTarget:
        return cls(data["clip_id"], tuple(data["fields"]))

    def read(self, session: Session) -> Json:
        clip = _clip(session, self.clip_id)
        return {field: getattr(clip, field) for field in self.fields}

    def check(self, session: Session, value: Json) -> None:
        _clip(session, self.clip_id)
        unknown = set(self.fields) - set(CLIP_FIELDS)
        if unknown:
            raise EditError(f"Unknown clip field(s) {sorted(unknown)}; known: {', '.join(CLIP_FIELDS)}.")
        check_clip_fields(value)
        if value.get("exemplar_clip_id") is not None:
            _check_exemplar(session, self.clip_id, value["exemplar_clip_id"])

    def write(self, session: Session, value: Json, annotator: str | None) -> None:
        clip = _clip(session, self.clip_id)
        for field in self.fields:
            setattr(clip, field, value.get(field))

    def events(self) -> list[ChangeEvent]:
        return [ClipsChanged(frozenset({self.clip_id})), LabelsChanged(self.clip_id)]


TARGET_KINDS: dict[str, type[Target]] = {
    cls.kind: cls for cls in (JointsTarget, BoxTarget, ReviewedTarget, StagesTarget, ClipLabelTarget,
                              ClipFieldsTarget)
}

