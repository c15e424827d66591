"""Bulk changes (dataset imports, `plumb pose` runs) as one undoable edit-log entry.

A bulk change is written by its own fast code path, not edit by edit. To undo it as one
step, :class:`ClipDataTarget` reads everything such a change can touch on one clip (the clip
row, its pose rows in some layers, its stage and label rows, its dataset extras) as plain
JSON before and after; the edit log keeps both, and undo writes the old snapshot back. A
clip the change created has the old value None: undo deletes it, redo recreates it with
the same id.

Pose rows are kept only for the frames the change wrote (all frames of the layers for a
model run), so the log grows with what was changed, not with the project.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.edits.targets import Target
from app.store.events import ChangeEvent, ClipsChanged, LabelsChanged, PosesChanged, StagesChanged
from app.store.models import Clip, ClipLabel, PoseFrame, Setting, StageLabel

Json = Any
EXTRAS_SETTING = "dataset_extras"  # app.datasets.project_io keeps per-dive extras under this key

_CLIP_COLUMNS = ("name", "path", "fingerprint", "size_bytes", "frame_count", "fps", "width", "height", "codec",
                 "is_vfr", "sport", "athlete", "event", "dive_number", "action", "difficulty", "split",
                 "source_key", "added_at")
_POSE_COLUMNS = ("schema", "keypoints", "visibility", "source", "bbox_x1", "bbox_y1", "bbox_x2", "bbox_y2",
                 "annotator", "reviewed", "updated_at")
_STAGE_COLUMNS = ("source", "stage_names", "transitions", "annotator", "updated_at")
_LABEL_COLUMNS = ("annotator", "overall_score", "judge_marks", "difficulty", "skill_level", "dimension_scores",
                  "notes", "updated_at")
_POSE_BLOBS = frozenset({"keypoints", "visibility", "source"})
_TIMES = {"added_at", "updated_at"}


def _to_json(row: Any, columns: Sequence[str]) -> dict[str, Json]:
    out = {}
    for column in columns:
        value = getattr(row, column)
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        elif column in _TIMES and value is not None:
            value = value.isoformat()
        out[column] = value
    return out


def _from_json(row: Any, columns: Sequence[str], data: dict[str, Json], blobs: frozenset[str] = frozenset()) -> None:
    for column in columns:
        value = data[column]
        if column in blobs:
            value = base64.b64decode(value)
        elif column in _TIMES and value is not None:
            value = datetime.fromisoformat(value)
        setattr(row, column, value)


@dataclass(frozen=True)
class ClipDataTarget(Target):
    """All of one clip that a bulk change can write.

    ``frames`` None means every frame of ``layers``. Value: None (no clip) or
    ``{"clip": {column: value}, "poses": {layer: [[frame, row | None], ...]},
    "stages": [row, ...], "labels": [row, ...], "extras": value | None}``.
    """

    kind: ClassVar[str] = "clip_data"
    clip_id: int
    layers: tuple[str, ...]
    frames: tuple[int, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"clip_id": self.clip_id, "layers": list(self.layers),
                "frames": None if self.frames is None else list(self.frames)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClipDataTarget:
        frames = data.get("frames")
        return cls(data["clip_id"], tuple(data["layers"]), None if frames is None else tuple(frames))

    def _pose_rows(self, session: Session, layer: str) -> dict[int, PoseFrame]:
        statement = select(PoseFrame).where(PoseFrame.clip_id == self.clip_id, PoseFrame.layer == layer)
        if self.frames is not None:
            statement = statement.where(PoseFrame.frame.in_(self.frames))
        return {row.frame: row for row in session.scalars(statement)}

    def read(self, session: Session) -> Json:
        return read_all(session, [self])[0]

    def write(self, session: Session, value: Json, annotator: str | None) -> None:
        clip = session.get(Clip, self.clip_id)
        if value is None:
            if clip is not None:
                self._set_extras(session, clip.source_key, None)
                for table in (PoseFrame, StageLabel, ClipLabel):
                    session.execute(delete(table).where(table.clip_id == self.clip_id))
                session.delete(clip)
            return
        if clip is None:
            clip = Clip(id=self.clip_id)
            session.add(clip)
        _from_json(clip, _CLIP_COLUMNS, value["clip"])
        session.flush()
        for layer, frames in value["poses"].items():
            rows = self._pose_rows(session, layer)
            if self.frames is None:  # the whole layer: frames absent from the snapshot go
                kept = {f for f, _ in frames}
                for f, row in rows.items():
                    if f not in kept:
                        session.delete(row)
            for f, data in frames:
                row = rows.get(f)
                if data is None:
                    if row is not None:
                        session.delete(row)
                    continue
                if row is None:
                    row = PoseFrame(clip_id=self.clip_id, frame=f, layer=layer)
                    session.add(row)
                _from_json(row, _POSE_COLUMNS, data, _POSE_BLOBS)
        session.execute(delete(StageLabel).where(StageLabel.clip_id == self.clip_id))
        session.execute(delete(ClipLabel).where(ClipLabel.clip_id == self.clip_id))
        session.flush()
        for data in value["stages"]:
            row = StageLabel(clip_id=self.clip_id)
            _from_json(row, _STAGE_COLUMNS, data)
            session.add(row)
        for data in value["labels"]:
            row = ClipLabel(clip_id=self.clip_id)
            _from_json(row, _LABEL_COLUMNS, data)
            session.add(row)
        self._set_extras(session, clip.source_key, value["extras"])

    @staticmethod
    def _set_extras(session: Session, key: str | None, extra: Json) -> None:
        if not key:
            return
        row = session.get(Setting, EXTRAS_SETTING)
        extras = dict(row.value or {}) if row is not None else {}
        if extra is None:
            extras.pop(key, None)
        else:
            extras[key] = extra
        if row is None:
            session.add(Setting(key=EXTRAS_SETTING, value=extras))
        else:
            row.value = extras  # a new dict, so the JSON column sees the change

    def events(self) -> list[ChangeEvent]:
        frames = frozenset(self.frames or ())
        return [ClipsChanged(frozenset({self.clip_id})), LabelsChanged(self.clip_id), StagesChanged(self.clip_id),
                *(PosesChanged(self.clip_id, frames, layer) for layer in self.layers)]


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def read_all(session: Session, targets: Sequence[ClipDataTarget]) -> list[Json]:
    """Each target's value, read with a few queries for all of them (an import of
    thousands of dives reads its clips at once, not clip by clip)."""
    ids = sorted({t.clip_id for t in targets})
    clips: dict[int, Clip] = {}
    stages: dict[int, list] = {i: [] for i in ids}
    labels: dict[int, list] = {i: [] for i in ids}
    for chunk in _chunks(ids):
        clips.update((c.id, c) for c in session.scalars(select(Clip).where(Clip.id.in_(chunk))))
        for row in session.scalars(select(StageLabel).where(StageLabel.clip_id.in_(chunk))
                                   .order_by(StageLabel.clip_id, StageLabel.source)):
            stages[row.clip_id].append(_to_json(row, _STAGE_COLUMNS))
        for row in session.scalars(select(ClipLabel).where(ClipLabel.clip_id.in_(chunk))
                                   .order_by(ClipLabel.clip_id, ClipLabel.annotator)):
            labels[row.clip_id].append(_to_json(row, _LABEL_COLUMNS))
    extras_row = session.get(Setting, EXTRAS_SETTING)
    extras = (extras_row.value or {}) if extras_row is not None else {}
    values = []
    for target in targets:
        clip = clips.get(target.clip_id)
        if clip is None:
            values.append(None)
            continue
        poses = {}
        for layer in target.layers:
            rows = target._pose_rows(session, layer)
            frames = sorted(rows) if target.frames is None else list(target.frames)
            poses[layer] = [[f, _to_json(rows[f], _POSE_COLUMNS) if f in rows else None] for f in frames]
        values.append({
            "clip": _to_json(clip, _CLIP_COLUMNS),
            "poses": poses,
            "stages": stages[target.clip_id],
            "labels": labels[target.clip_id],
            "extras": extras.get(clip.source_key) if clip.source_key else None,
        })
    return values


def snapshot(session: Session, targets: Iterable[ClipDataTarget]) -> list[tuple[ClipDataTarget, Json]]:
    """Each target with its current value: the "old" side of a bulk change, read before it."""
    targets = list(targets)
    return list(zip(targets, read_all(session, targets)))
