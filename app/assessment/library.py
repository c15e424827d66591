"""A project's clips as :class:`~inference.assess.sample.ClipSample` values.

One read transaction gathers every clip's working-layer poses, its expert stages and its
score. The score of a clip labelled by several annotators is the mean of their overall
scores: the consensus of the panel, as judges' marks are combined. Clips whose poses are in
another skeleton than the library's (the most common one) are converted to it.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select

from app.sports_templates import load_sport
from app.store.models import WORKING_LAYER, Clip, ClipLabel, PoseFrame, StageLabel
from inference.assess.sample import ClipSample
from inference.skeletons import convert, get_skeleton


@dataclass(frozen=True)
class Library:
    """``samples`` with poses; ``skipped`` maps a clip name to why it was left out."""

    samples: list[ClipSample]
    skipped: dict[str, str]
    schema: str | None



@dataclass(frozen=True)
class ScoredClip:
    """What choosing reference clips needs, read without loading any pose."""

    clip_id: int
    action: str | None
    score: float


def library_version(project) -> str:
    """Changes whenever a working-layer pose, a score, an expert stage, or a clip's split,
    action or difficulty does; read from counts and last-change times, so it costs no pose
    loading (models record it, and say when the library has moved on since)."""
    with project.store.reading() as session:
        parts = (
            session.execute(select(func.count(), func.max(PoseFrame.updated_at))
                            .where(PoseFrame.layer == WORKING_LAYER)).one(),
            session.execute(select(func.count(), func.max(ClipLabel.updated_at),
                                   func.sum(ClipLabel.overall_score))).one(),
            session.execute(select(func.count(), func.max(StageLabel.updated_at))
                            .where(StageLabel.source == "expert")).one(),
            session.execute(select(Clip.id, Clip.split, Clip.action, Clip.dive_number, Clip.difficulty)
                            .order_by(Clip.id)).all(),
        )
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:16]


def scored_clips_with_poses(project) -> list[ScoredClip]:
    """Clips that have working-layer poses and a score (the mean over annotators)."""
    with project.store.reading() as session:
        posed = set(session.scalars(select(PoseFrame.clip_id).where(PoseFrame.layer == WORKING_LAYER).distinct()))
        rows = session.execute(select(Clip.id, Clip.action, Clip.dive_number, func.avg(ClipLabel.overall_score))
                               .join(ClipLabel, ClipLabel.clip_id == Clip.id)
                               .where(ClipLabel.overall_score.is_not(None)).group_by(Clip.id)).all()
    return [ScoredClip(i, action or dive, float(score)) for i, action, dive, score in rows if i in posed]


def clip_key(clip_id: int) -> str:
    return str(clip_id)


def load_library(project, clip_ids: Iterable[int] | None = None, layer: str = WORKING_LAYER,
                 schema: str | None = None) -> Library:
    """Every selected clip (all when ``clip_ids`` is None) that has poses, in ``schema`` (by
    default the skeleton most of the selected clips use)."""
    wanted = None if clip_ids is None else set(clip_ids)
    with project.store.reading() as session:
        clips = [c for c in session.scalars(select(Clip).order_by(Clip.id)) if wanted is None or c.id in wanted]
        ids = [c.id for c in clips]
        stages = {r.clip_id: r for r in session.scalars(
            select(StageLabel).where(StageLabel.source == "expert", StageLabel.clip_id.in_(ids)))}
        scores: dict[int, list[float]] = defaultdict(list)
        for r in session.scalars(select(ClipLabel).where(ClipLabel.clip_id.in_(ids))):
            if r.overall_score is not None:
                scores[r.clip_id].append(float(r.overall_score))
        poses: dict[int, list] = defaultdict(list)
        statement = (select(PoseFrame.clip_id, PoseFrame.frame, PoseFrame.schema, PoseFrame.keypoints)
                     .where(PoseFrame.layer == layer, PoseFrame.clip_id.in_(ids))
                     .order_by(PoseFrame.clip_id, PoseFrame.frame))
        for row in session.execute(statement):
            poses[row.clip_id].append(row)
    schema_votes = Counter(rows[0].schema for rows in poses.values() if rows)
    if schema is None and schema_votes:
        schema = schema_votes.most_common(1)[0][0]
    samples, skipped = [], {}
    default_stages = _stage_names(project)
    for clip in clips:
        rows = poses.get(clip.id)
        if not rows:
            skipped[clip.name] = "no poses (run plumb pose or import them)"
            continue
        keypoints = _track(rows, clip.frame_count, schema)
        if not np.isfinite(keypoints[..., :2]).any():
            skipped[clip.name] = "every joint is unknown"
            continue
        stage = stages.get(clip.id)
        votes = scores.get(clip.id)
        samples.append(ClipSample(
            key=clip_key(clip.id), keypoints=keypoints, schema=schema, fps=float(clip.fps or 30.0),
            score=float(np.mean(votes)) if votes else None, action=clip.action or clip.dive_number,
            difficulty=clip.difficulty,
            transitions=tuple(int(t) for t in stage.transitions) if stage and stage.transitions else None,
            stage_names=tuple(stage.stage_names) if stage else default_stages,
            split=clip.split,
        ))
    return Library(samples, skipped, schema)


def _stage_names(project) -> tuple[str, ...]:
    return tuple(load_sport(project.setting("sport") or "diving").stage_names)


def _track(rows, frame_count: int, schema: str) -> np.ndarray:
    """``(T, J, 3)`` float32 with NaN where a frame or joint is unknown, in ``schema``."""
    t = max(frame_count, rows[-1].frame + 1)
    out = np.full((t, get_skeleton(schema).num_joints, 3), np.nan, np.float32)
    out[..., 2] = 0.0
    by_schema: dict[str, list] = defaultdict(list)
    for row in rows:
        by_schema[row.schema].append(row)
    for source, group in by_schema.items():
        joints = get_skeleton(source).num_joints
        kp = np.frombuffer(b"".join(r.keypoints for r in group), "<f4").reshape(len(group), joints, 3)
        if source != schema:
            kp = convert(kp, source, schema).keypoints
        out[[r.frame for r in group]] = kp
    return out
