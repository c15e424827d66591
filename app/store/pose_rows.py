"""Bulk reads and writes of pose rows for whole runs (auto-annotation), outside the edit log.

Model output is reproducible, so it is written in batches without undo entries; manual work
is protected by the merge rules of inference.pose.merge, not by the log.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.blobs import decode_flags, decode_keypoints, encode_flags, encode_keypoints
from app.store.models import PoseFrame, utc_now
from inference.provenance import Visibility

VISIBLE_CONFIDENCE = 0.5
"""A model joint at least this confident is VISIBLE, a weaker one OCCLUDED (a guess)."""


def visibility_from_confidence(keypoints: np.ndarray) -> np.ndarray:
    """uint8 (..., J) from float (..., J, 3): absent where unknown, occluded where unsure."""
    finite = np.isfinite(keypoints[..., :2]).all(axis=-1)
    sure = finite & (np.nan_to_num(keypoints[..., 2]) >= VISIBLE_CONFIDENCE)
    return np.where(sure, Visibility.VISIBLE, np.where(finite, Visibility.OCCLUDED, Visibility.ABSENT)).astype(np.uint8)


def rows_by_frame(session: Session, clip_id: int, layer: str, frames: Iterable[int] | None = None) -> dict[int, PoseFrame]:
    statement = select(PoseFrame).where(PoseFrame.clip_id == clip_id, PoseFrame.layer == layer)
    if frames is not None:
        statement = statement.where(PoseFrame.frame.in_(list(frames)))
    return {row.frame: row for row in session.scalars(statement)}


def stored_frames(session: Session, clip_id: int, layer: str) -> np.ndarray:
    return np.array(sorted(session.scalars(select(PoseFrame.frame).where(
        PoseFrame.clip_id == clip_id, PoseFrame.layer == layer))), dtype=np.int64)


def row_arrays(row: PoseFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return decode_keypoints(row.keypoints), decode_flags(row.visibility), decode_flags(row.source)


def upsert(session: Session, rows: dict[int, PoseFrame], *, clip_id: int, layer: str, frame: int, schema: str,
           keypoints: np.ndarray, visibility: np.ndarray, source: np.ndarray,
           bbox: tuple[float, float, float, float] | None, keep_bbox: bool = False) -> None:
    """Write one frame, creating its row when absent (and recording it in `rows`)."""
    row = rows.get(frame)
    if row is None:
        row = PoseFrame(clip_id=clip_id, layer=layer, frame=frame, schema=schema)
        session.add(row)
        rows[frame] = row
    row.keypoints = encode_keypoints(keypoints)
    row.visibility = encode_flags(visibility)
    row.source = encode_flags(source)
    if not (keep_bbox and bbox is None):
        row.bbox_x1, row.bbox_y1, row.bbox_x2, row.bbox_y2 = bbox if bbox is not None else (None,) * 4
    row.updated_at = utc_now()
