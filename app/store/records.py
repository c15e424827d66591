"""Plain domain values read from the store; ORM rows never leave app/store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np


@dataclass(frozen=True)
class ClipRecord:
    id: int
    name: str
    # Relative to the project folder unless the video lies elsewhere; None (with fingerprint
    # and size) for a clip imported from annotations whose video is not attached yet.
    path: str | None
    fingerprint: str | None
    size_bytes: int | None
    frame_count: int
    fps: float
    width: int
    height: int
    codec: str
    is_vfr: bool
    sport: str
    athlete: str | None
    event: str | None
    dive_number: str | None
    difficulty: float | None
    split: str | None
    added_at: datetime
    source_key: str | None = None  # the dataset's key of an imported clip
    action: str | None = None  # the action in any sport; the dive number for dives
    exemplar_clip_id: int | None = None  # the clip the coach compares this one with


@dataclass(frozen=True)
class FramePose:
    """One frame of one pose layer.

    keypoints: float32 (J, 3) x, y, confidence in source pixels; NaN where a joint is unknown.
    visibility: uint8 (J,) 0 absent, 1 occluded, 2 visible.
    source: uint8 (J,) inference.provenance.JointSource values.
    bbox: (x1, y1, x2, y2) in pixels, or None.
    """

    frame: int
    schema: str
    keypoints: np.ndarray
    visibility: np.ndarray
    source: np.ndarray
    bbox: tuple[float, float, float, float] | None
    annotator: str | None
    reviewed: bool = False


@dataclass(frozen=True)
class PoseTrack:
    """All stored frames of one layer of a clip, in frame order.

    frames: int (N,); keypoints: float32 (N, J, 3); visibility, source: uint8 (N, J);
    bbox: float32 (N, 4), NaN rows where no box is set.
    """

    clip_id: int
    layer: str
    schema: str | None
    frames: np.ndarray
    keypoints: np.ndarray
    visibility: np.ndarray
    source: np.ndarray
    bbox: np.ndarray
    reviewed: np.ndarray | None = None  # bool (N,)


@dataclass(frozen=True)
class StageBoundaries:
    """Stage names and the K-1 frames at which each next stage begins."""

    clip_id: int
    source: str
    stage_names: tuple[str, ...]
    transitions: tuple[int, ...]
    annotator: str | None


@dataclass(frozen=True)
class ClipLabels:
    clip_id: int
    annotator: str
    overall_score: float | None
    judge_marks: tuple[float, ...] | None
    difficulty: float | None
    skill_level: str | None
    dimension_scores: dict[str, float] = field(default_factory=dict)
    notes: str | None = None


@dataclass(frozen=True)
class ClipCounts:
    pose_frames: int
    manual_frames: int
    stage_labels: int
    clip_labels: int


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    created_at: datetime
    annotator: str | None
    kind: str
    clip_id: int | None
    description: str
    state: str  # done | undone | dropped
