"""Typed read functions: a Session in, plain records (app/store/records.py) out."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import ProjectError
from app.store.blobs import decode_flags, decode_keypoints
from app.store.models import (
    WORKING_LAYER,
    Clip,
    ClipLabel,
    EditLogEntry,
    PoseFrame,
    Setting,
    StageLabel,
)
from app.store.records import (
    ClipCounts,
    ClipLabels,
    ClipRecord,
    FramePose,
    HistoryEntry,
    PoseTrack,
    StageBoundaries,
)
from inference.provenance import JointSource


def clip_record(row: Clip) -> ClipRecord:
    return ClipRecord(
        id=row.id, name=row.name, path=row.path, fingerprint=row.fingerprint,
        size_bytes=row.size_bytes, frame_count=row.frame_count, fps=row.fps,
        width=row.width, height=row.height, codec=row.codec, is_vfr=row.is_vfr,
        sport=row.sport, athlete=row.athlete, event=row.event, dive_number=row.dive_number,
        difficulty=row.difficulty, split=row.split, added_at=row.added_at, source_key=row.source_key,
        action=row.action, exemplar_clip_id=row.exemplar_clip_id,
    )


def list_clips(session: Session) -> list[ClipRecord]:
    return [clip_record(row) for row in session.scalars(select(Clip).order_by(Clip.id))]


def get_clip(session: Session, clip_id: int) -> ClipRecord:
    row = session.get(Clip, clip_id)
    if row is None:
        raise ProjectError(f"There is no clip {clip_id} in this project; `plumb info` lists the clips.")
    return clip_record(row)


def clip_with_fingerprint(session: Session, fingerprint: str) -> ClipRecord | None:
    row = session.scalars(select(Clip).where(Clip.fingerprint == fingerprint)).first()
    return clip_record(row) if row else None


def _bbox(row: PoseFrame) -> tuple[float, float, float, float] | None:
    if row.bbox_x1 is None:
        return None
    return (row.bbox_x1, row.bbox_y1, row.bbox_x2, row.bbox_y2)


def frame_pose(row: PoseFrame) -> FramePose:
    return FramePose(
        frame=row.frame, schema=row.schema, keypoints=decode_keypoints(row.keypoints),
        visibility=decode_flags(row.visibility), source=decode_flags(row.source),
        bbox=_bbox(row), annotator=row.annotator, reviewed=bool(row.reviewed),
    )


def pose_row(session: Session, clip_id: int, frame: int, layer: str = WORKING_LAYER) -> PoseFrame | None:
    return session.scalars(
        select(PoseFrame).where(
            PoseFrame.clip_id == clip_id, PoseFrame.layer == layer, PoseFrame.frame == frame
        )
    ).first()


def pose_at(session: Session, clip_id: int, frame: int, layer: str = WORKING_LAYER) -> FramePose | None:
    row = pose_row(session, clip_id, frame, layer)
    return frame_pose(row) if row else None


def pose_track(session: Session, clip_id: int, layer: str = WORKING_LAYER) -> PoseTrack:
    rows = session.scalars(
        select(PoseFrame)
        .where(PoseFrame.clip_id == clip_id, PoseFrame.layer == layer)
        .order_by(PoseFrame.frame)
    ).all()
    if not rows:
        empty = np.zeros((0, 0), np.uint8)
        return PoseTrack(clip_id, layer, None, np.zeros(0, np.int64), np.zeros((0, 0, 3), np.float32),
                         empty, empty, np.zeros((0, 4), np.float32), np.zeros(0, bool))
    poses = [frame_pose(row) for row in rows]
    bbox = np.array([p.bbox if p.bbox else (np.nan,) * 4 for p in poses], np.float32)
    return PoseTrack(
        clip_id=clip_id, layer=layer, schema=rows[0].schema,
        frames=np.array([p.frame for p in poses], np.int64),
        keypoints=np.stack([p.keypoints for p in poses]),
        visibility=np.stack([p.visibility for p in poses]),
        source=np.stack([p.source for p in poses]),
        bbox=bbox,
        reviewed=np.array([p.reviewed for p in poses], bool),
    )


def stage_boundaries(session: Session, clip_id: int, source: str = "expert") -> StageBoundaries | None:
    row = session.scalars(
        select(StageLabel).where(StageLabel.clip_id == clip_id, StageLabel.source == source)
    ).first()
    if row is None:
        return None
    return StageBoundaries(clip_id, row.source, tuple(row.stage_names), tuple(row.transitions), row.annotator)


def clip_labels(session: Session, clip_id: int) -> list[ClipLabels]:
    rows = session.scalars(select(ClipLabel).where(ClipLabel.clip_id == clip_id).order_by(ClipLabel.annotator))
    return [
        ClipLabels(
            clip_id=row.clip_id, annotator=row.annotator, overall_score=row.overall_score,
            judge_marks=tuple(row.judge_marks) if row.judge_marks is not None else None,
            difficulty=row.difficulty, skill_level=row.skill_level,
            dimension_scores=dict(row.dimension_scores or {}), notes=row.notes,
        )
        for row in rows
    ]


def clip_counts(session: Session) -> dict[int, ClipCounts]:
    """Per clip: stored working-layer frames, frames with a manual joint, label rows."""
    def grouped(statement) -> dict[int, int]:
        return {clip_id: count for clip_id, count in session.execute(statement)}

    pose = grouped(select(PoseFrame.clip_id, func.count()).where(PoseFrame.layer == WORKING_LAYER)
                   .group_by(PoseFrame.clip_id))
    stages = grouped(select(StageLabel.clip_id, func.count()).group_by(StageLabel.clip_id))
    labels = grouped(select(ClipLabel.clip_id, func.count()).group_by(ClipLabel.clip_id))
    manual: dict[int, int] = {}
    manual_flag = JointSource.MANUAL.value
    for clip_id, source in session.execute(
        select(PoseFrame.clip_id, PoseFrame.source).where(PoseFrame.layer == WORKING_LAYER)
    ):
        if manual_flag in source:
            manual[clip_id] = manual.get(clip_id, 0) + 1
    clip_ids = session.scalars(select(Clip.id)).all()
    return {
        cid: ClipCounts(pose.get(cid, 0), manual.get(cid, 0), stages.get(cid, 0), labels.get(cid, 0))
        for cid in clip_ids
    }


def history(session: Session, limit: int = 200) -> list[HistoryEntry]:
    """Newest first."""
    rows = session.scalars(select(EditLogEntry).order_by(EditLogEntry.id.desc()).limit(limit))
    return [
        HistoryEntry(row.id, row.created_at, row.annotator, row.kind, row.clip_id, row.description, row.state)
        for row in rows
    ]


def get_setting(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(Setting, key)
    return default if row is None else row.value
