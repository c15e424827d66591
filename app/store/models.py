"""Tables of a Plumb project (SQLAlchemy 2 typed ORM).

Coordinates are pixels of the source frame everywhere. Per-frame keypoints are stored as
small binary blobs (see app/store/blobs.py) because a clip has thousands of frames and a
row per joint would make every frame read a join over 16-33 rows.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

WORKING_LAYER = "working"
"""The pose layer annotators edit; raw model runs live in layers named 'model:<name>'."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Clip(Base):
    __tablename__ = "clip"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    # Relative to the project folder (POSIX separators) so a project can move as a whole.
    # path, fingerprint and size_bytes are None for a clip imported from a dataset whose
    # video is not attached yet (width, height 0 and codec "" then mean unknown).
    path: Mapped[str | None] = mapped_column(String(1024))
    fingerprint: Mapped[str | None] = mapped_column(String(80), index=True)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    frame_count: Mapped[int] = mapped_column(Integer)
    fps: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    height: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    codec: Mapped[str] = mapped_column(String(40), default="", server_default="")
    is_vfr: Mapped[bool] = mapped_column(Boolean, default=False)
    sport: Mapped[str] = mapped_column(String(40), default="diving")
    athlete: Mapped[str | None] = mapped_column(String(255))
    event: Mapped[str | None] = mapped_column(String(255))
    dive_number: Mapped[str | None] = mapped_column(String(8))
    # The action as named by its source, in any sport (a dive number, "bicep curl", ...).
    action: Mapped[str | None] = mapped_column(String(80))
    difficulty: Mapped[float | None] = mapped_column(Float)
    split: Mapped[str | None] = mapped_column(String(8))
    # The dive's key in the dataset it was imported from ("<video>/<index>"); unique.
    source_key: Mapped[str | None] = mapped_column(String(255), index=True, unique=True)
    # The clip the coach chose to compare this one with; cleared when that clip is deleted.
    exemplar_clip_id: Mapped[int | None] = mapped_column(
        ForeignKey("clip.id", ondelete="SET NULL", name="fk_clip_exemplar_clip_id"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class PoseFrame(Base):
    __tablename__ = "pose_frame"
    __table_args__ = (UniqueConstraint("clip_id", "layer", "frame"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clip.id", ondelete="CASCADE"), index=True)
    frame: Mapped[int] = mapped_column(Integer)
    layer: Mapped[str] = mapped_column(String(80), default=WORKING_LAYER)
    schema: Mapped[str] = mapped_column(String(16))
    keypoints: Mapped[bytes] = mapped_column(LargeBinary)  # float32 (J, 3): x, y, confidence
    visibility: Mapped[bytes] = mapped_column(LargeBinary)  # uint8 (J,): 0 absent, 1 occluded, 2 visible
    source: Mapped[bytes] = mapped_column(LargeBinary)  # uint8 (J,): JointSource values
    bbox_x1: Mapped[float | None] = mapped_column(Float)
    bbox_y1: Mapped[float | None] = mapped_column(Float)
    bbox_x2: Mapped[float | None] = mapped_column(Float)
    bbox_y2: Mapped[float | None] = mapped_column(Float)
    annotator: Mapped[str | None] = mapped_column(String(80))
    # An annotator checked this frame: a keyframe that interpolation and propagation trust.
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class StageLabel(Base):
    __tablename__ = "stage_label"
    __table_args__ = (UniqueConstraint("clip_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clip.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # "expert" or "model"
    stage_names: Mapped[list[Any]] = mapped_column(JSON)
    transitions: Mapped[list[Any]] = mapped_column(JSON)  # len(stage_names) - 1 frame indices
    annotator: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ClipLabel(Base):
    __tablename__ = "clip_label"
    __table_args__ = (UniqueConstraint("clip_id", "annotator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clip.id", ondelete="CASCADE"), index=True)
    annotator: Mapped[str] = mapped_column(String(80), default="")
    overall_score: Mapped[float | None] = mapped_column(Float)
    judge_marks: Mapped[list[Any] | None] = mapped_column(JSON)
    difficulty: Mapped[float | None] = mapped_column(Float)
    skill_level: Mapped[str | None] = mapped_column(String(16))
    dimension_scores: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class EditLogEntry(Base):
    """Append-only audit trail; `state` is the only column that changes (undo/redo)."""

    __tablename__ = "edit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    annotator: Mapped[str | None] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    clip_id: Mapped[int | None] = mapped_column(Integer, index=True)
    description: Mapped[str] = mapped_column(String(255))
    target: Mapped[dict[str, Any]] = mapped_column(JSON)
    old: Mapped[Any] = mapped_column(JSON, nullable=True)
    new: Mapped[Any] = mapped_column(JSON, nullable=True)
    state: Mapped[str] = mapped_column(String(8), default="done", index=True)  # done|undone|dropped
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The window or command that made the edit (EditHistory.session_id); None before sessions.
    session_id: Mapped[str | None] = mapped_column(String(36), index=True)


class PlumbSession(Base):
    """A Plumb window that has the project open (see app/edits/presence.py)."""

    __tablename__ = "plumb_session"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(255))
    annotator: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Setting(Base):
    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


class TrainedModel(Base):
    __tablename__ = "model"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    file: Mapped[str] = mapped_column(String(1024))
    schema: Mapped[str | None] = mapped_column(String(16))
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    data_fingerprint: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Assessment(Base):
    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clip.id", ondelete="CASCADE"), index=True)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("model.id", ondelete="SET NULL"))
    score: Mapped[float | None] = mapped_column(Float)
    spread: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(40))
    stages: Mapped[list[Any] | None] = mapped_column(JSON)
    dimensions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    feedback: Mapped[list[Any] | None] = mapped_column(JSON)
    notes: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # why the score or dimensions are missing
    action: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the recognised action (app.action_recognition)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
