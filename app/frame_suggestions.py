"""What to correct next: the frames of a clip where a correction would help most, ranked.

Each frame the annotator has not yet reviewed or corrected gets a score in [0, 1], the
strongest of its evidence:

- the model lost the athlete (1.0), or there is no pose between posed frames (0.8);
- implausible bones: a bone far from its own length over the clip (the median, so one bad
  frame does not set the scale): 1.5x or 1/1.5x starts to count, 3x counts fully;
- a jump: a joint moving more than the attention rule's threshold since the previous frame;
- low confidence: model joints the model is unsure of, more of them scoring higher;
- disagreement between model runs stored for the clip (two backends, or a re-run): their
  joints apart by a tenth of the body size starts to count, half of it fully.

Frames are then picked greedily by score, each suppressing its neighbours (a window scaled to
the clip, so suggestions spread over it instead of crowding one bad stretch), after first
taking the best frame of every stage that has candidates, so each stage gets looked at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from app.attention import JUMP_THRESHOLD, LOW_CONFIDENCE, body_size, frame_evidence
from app.errors import PlumbError
from app.store.models import WORKING_LAYER, PoseFrame, StageLabel
from app.store.queries import pose_track
from app.store.records import PoseTrack
from inference.provenance import JointSource
from inference.skeletons import get_skeleton

# A frame with this many hand-placed joints counts as corrected already.
CORRECTED_JOINTS = 4
# Bone length ratios (to the clip's median) where the evidence starts and where it is full.
BONE_START, BONE_FULL = 1.5, 3.0
# Model runs apart by these shares of the body size: evidence starts / is full.
DISAGREE_START, DISAGREE_FULL = 0.1, 0.5
LOST_SCORE, HOLE_SCORE = 1.0, 0.8


@dataclass(frozen=True)
class Suggestion:
    frame: int
    score: float
    reasons: tuple[str, ...]
    stage: str | None


@dataclass(frozen=True)
class Stages:
    names: tuple[str, ...]
    transitions: tuple[int, ...]

    def of(self, frame: int) -> str:
        return self.names[int(np.searchsorted(self.transitions, frame, side="right"))]


def _ramp(value: np.ndarray, start: float, full: float) -> np.ndarray:
    return np.clip((value - start) / (full - start), 0.0, 1.0)


def _bone_evidence(xy: np.ndarray, schema: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(T,) score, (T,) worst ratio, bone names: each bone's length against its clip median."""
    skeleton = get_skeleton(schema)
    names = [f"{skeleton.joint_names[a]}-{skeleton.joint_names[b]}" for a, b in skeleton.bones]
    if not skeleton.bones:
        return np.zeros(len(xy)), np.ones(len(xy)), names
    a, b = np.array(skeleton.bones).T
    lengths = np.hypot(*(xy[:, a] - xy[:, b]).transpose(2, 0, 1))  # (T, B)
    with np.errstate(invalid="ignore", divide="ignore"):
        usual = np.nanmedian(np.where(lengths > 0, lengths, np.nan), axis=0) if np.isfinite(lengths).any() else None
        if usual is None:
            return np.zeros(len(xy)), np.ones(len(xy)), names
        ratio = lengths / usual
        off = np.abs(np.log(ratio))
    off = np.where(np.isfinite(off), off, 0.0)
    worst = off.argmax(axis=1)
    score = _ramp(off.max(axis=1), math.log(BONE_START), math.log(BONE_FULL))
    worst_ratio = ratio[np.arange(len(xy)), worst]
    return score, np.where(np.isfinite(worst_ratio), worst_ratio, 1.0), [names[i] for i in worst]


def _disagreement(track: PoseTrack, others: list[PoseTrack], frame_count: int, size: float) -> np.ndarray:
    """(T,) median joint distance, in body sizes, between the working pose and each other run."""
    out = np.zeros(frame_count)
    if not others or not np.isfinite(size):
        return out
    mine = np.full((frame_count, track.keypoints.shape[1], 2), np.nan)
    mine[track.frames] = track.keypoints[..., :2]
    for other in others:
        if other.schema != track.schema:
            continue
        theirs = np.full_like(mine, np.nan)
        inside = other.frames < frame_count
        theirs[other.frames[inside]] = other.keypoints[inside][..., :2]
        apart = np.hypot(*(mine - theirs).transpose(2, 0, 1))
        with np.errstate(all="ignore"):
            median = np.nanmedian(np.where(np.isfinite(apart), apart, np.nan), axis=1) / size
        out = np.fmax(out, np.nan_to_num(median, nan=0.0))
    return out


def rank_frames(track: PoseTrack, frame_count: int, raw: PoseTrack | None = None,
                others: list[PoseTrack] | None = None, stages: Stages | None = None,
                count: int = 10) -> list[Suggestion]:
    """The `count` frames most worth correcting, best first (see the module docstring)."""
    e = frame_evidence(track, frame_count, raw)
    names = list(get_skeleton(track.schema).joint_names)
    manual = (e.source == JointSource.MANUAL).sum(axis=1)
    open_frames = ~e.reviewed & (manual < CORRECTED_JOINTS)
    bone, ratio, bone_names = _bone_evidence(e.xy, track.schema)
    jump = _ramp(e.jump, JUMP_THRESHOLD, 2 * JUMP_THRESHOLD)
    low_share = e.low.sum(axis=1) / max(e.low.shape[1], 1)
    low = np.where(e.low.any(axis=1), 0.5 + 0.5 * low_share, 0.0)
    apart = _disagreement(track, others or [], frame_count, body_size(e.xy))
    disagree = _ramp(apart, DISAGREE_START, DISAGREE_FULL)
    score = np.maximum.reduce([e.lost * LOST_SCORE, e.holes * HOLE_SCORE, bone, jump, low, disagree])
    score = np.where(open_frames, score, 0.0)

    def reasons(f: int) -> tuple[str, ...]:
        found = []
        if e.lost[f]:
            found.append("athlete lost by the model")
        if e.holes[f]:
            found.append("no pose between posed frames")
        if bone[f] > 0:
            found.append(f"{bone_names[f]} {ratio[f]:.1f}x its usual length")
        if jump[f] > 0:
            found.append(f"jump of {e.jump[f]:.2f} body sizes since the previous frame")
        if low[f] > 0:
            unsure = np.flatnonzero(e.low[f])
            worst = min(unsure, key=lambda j: np.nan_to_num(e.conf[f, j]))
            found.append(f"{len(unsure)} unsure joint(s), {names[worst]} confidence {np.nan_to_num(e.conf[f, worst]):.2f}")
        if disagree[f] > 0:
            found.append(f"model runs {apart[f]:.2f} body sizes apart")
        return tuple(found)

    picked = _spread(score, count, stages)
    return [Suggestion(f, round(float(score[f]), 3), reasons(f), stages.of(f) if stages else None) for f in picked]


def _spread(score: np.ndarray, count: int, stages: Stages | None) -> list[int]:
    """Greedy picks by score with a suppression window, the best of each stage first."""
    window = max(1, len(score) // max(4 * count, 1))
    alive = score > 0
    picked: list[int] = []

    def take(f: int) -> None:
        picked.append(f)
        alive[max(0, f - window):f + window + 1] = False

    if stages is not None:
        bounds = [0, *stages.transitions, len(score)]
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            inside = np.flatnonzero(alive[lo:hi])
            if inside.size and len(picked) < count:
                take(int(lo + inside[np.argmax(score[lo + inside])]))
    while len(picked) < count and alive.any():
        candidates = np.flatnonzero(alive)
        take(int(candidates[np.argmax(score[candidates])]))
    return sorted(picked, key=lambda f: -score[f])


def suggest_frames(project, clip_id: int, count: int = 10) -> list[Suggestion]:
    """rank_frames on a clip of the project: its working poses, its stored model runs and its
    stages (the expert's, else the model's)."""
    clips = {c.id: c for c in project.clips()}
    if clip_id not in clips:
        raise PlumbError(f"There is no clip {clip_id} in this project; `plumb info` lists the clips.")
    if count < 1:
        raise PlumbError("--count must be at least 1.")
    with project.store.reading() as session:
        track = pose_track(session, clip_id)
        if not len(track.frames):
            raise PlumbError(f"Clip {clip_id} has no poses yet: run `plumb pose PROJECT --clip {clip_id}` first.")
        layers = sorted(set(session.scalars(select(PoseFrame.layer).where(
            PoseFrame.clip_id == clip_id, PoseFrame.layer != WORKING_LAYER))))
        runs = [pose_track(session, clip_id, layer) for layer in layers]
        labels = {row.source: row for row in session.scalars(select(StageLabel).where(StageLabel.clip_id == clip_id))}
    label = labels.get("expert") or labels.get("model")
    stages = Stages(tuple(label.stage_names), tuple(int(t) for t in label.transitions)) if label else None
    frame_count = max(clips[clip_id].frame_count, int(track.frames.max()) + 1)
    return rank_frames(track, frame_count, runs[0] if runs else None, runs, stages, count)


__all__ = ["LOW_CONFIDENCE", "Suggestion", "Stages", "rank_frames", "suggest_frames"]
