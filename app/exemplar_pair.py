"""A clip and its exemplar as the side-by-side view and ``plumb render --side-by-side`` show
them: both clips' poses in the athlete's skeleton, the frame of the exemplar that corresponds
to each frame of the clip (stage by stage, :func:`inference.assess.stage_sync.aligned_frame`),
and the exemplar's pose normalised onto the athlete (hip centre, torso length)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.store import queries
from inference.assess.features import joint_index
from inference.assess.stage_sync import aligned_frame
from inference.skeletons import convert, get_skeleton


def stages_of(session, clip_id: int) -> tuple[int, ...] | None:
    """The clip's stage transitions, the expert's over the model's; None without stages."""
    found = queries.stage_boundaries(session, clip_id, "expert") or queries.stage_boundaries(session, clip_id, "model")
    return None if found is None else tuple(found.transitions)


def dense_poses(track, frame_count: int, schema: str | None) -> np.ndarray | None:
    """(T, J, 3) poses in ``schema`` (the athlete's skeleton), NaN where unknown."""
    if track.schema is None or len(track.frames) == 0:
        return None
    keypoints = track.keypoints
    if schema is not None and track.schema != schema:
        keypoints = convert(keypoints, track.schema, schema).keypoints
    out = np.full((frame_count, *keypoints.shape[1:]), np.nan, np.float32)
    inside = track.frames < frame_count
    out[track.frames[inside]] = keypoints[inside]
    return out


def hips_and_torso(pose: np.ndarray, schema: str) -> tuple[np.ndarray, float] | None:
    """The hip centre and torso length (hip centre to shoulder centre) of one pose, in pixels."""
    skeleton = get_skeleton(schema)
    xy = pose[:, :2].astype(np.float64)
    hips = xy[[joint_index(skeleton, "left_hip"), joint_index(skeleton, "right_hip")]].mean(0)
    shoulders = xy[[joint_index(skeleton, "left_shoulder"), joint_index(skeleton, "right_shoulder")]].mean(0)
    torso = float(np.linalg.norm(shoulders - hips))
    return (hips, torso) if np.isfinite(hips).all() and np.isfinite(torso) and torso > 0 else None


def normalised_onto(exemplar: np.ndarray, athlete: np.ndarray, schema: str) -> np.ndarray | None:
    """The exemplar's pose moved to the athlete's hip centre and scaled to the athlete's torso."""
    mine, theirs = hips_and_torso(athlete, schema), hips_and_torso(exemplar, schema)
    if mine is None or theirs is None:
        return None
    out = exemplar.copy()
    out[:, :2] = (exemplar[:, :2] - theirs[0]) * (mine[1] / theirs[1]) + mine[0]
    return out


@dataclass(frozen=True)
class ExemplarPair:
    clip: object
    exemplar: object
    schema: str | None
    poses: np.ndarray | None           # the clip's (T, J, 3), NaN where unknown
    exemplar_poses: np.ndarray | None  # the exemplar's, in the clip's skeleton
    transitions: tuple[int, ...]       # empty when the clips cannot be aligned stage by stage
    exemplar_transitions: tuple[int, ...]

    @classmethod
    def load(cls, project, clip_id: int, exemplar_id: int) -> ExemplarPair:
        clip, exemplar = project.clip(clip_id), project.clip(exemplar_id)
        with project.store.reading() as session:
            mine, theirs = stages_of(session, clip_id), stages_of(session, exemplar_id)
            track, other = queries.pose_track(session, clip_id), queries.pose_track(session, exemplar_id)
        by_stage = mine is not None and theirs is not None and len(mine) == len(theirs)
        return cls(clip, exemplar, track.schema, dense_poses(track, clip.frame_count, None),
                   dense_poses(other, exemplar.frame_count, track.schema),
                   mine if by_stage else (), theirs if by_stage else ())

    @property
    def by_stage(self) -> bool:
        return bool(self.transitions)

    def exemplar_frame(self, frame: int) -> int:
        return aligned_frame(frame, self.transitions, self.clip.frame_count, self.exemplar_transitions,
                             self.exemplar.frame_count)

    def pose(self, frame: int) -> np.ndarray | None:
        return _at(self.poses, frame)

    def exemplar_pose(self, frame: int) -> np.ndarray | None:
        return _at(self.exemplar_poses, frame)

    def overlay(self, frame: int, exemplar_frame: int) -> np.ndarray | None:
        """The exemplar's pose at ``exemplar_frame`` normalised onto the clip's at ``frame``."""
        mine, theirs = self.pose(frame), self.exemplar_pose(exemplar_frame)
        if mine is None or theirs is None or self.schema is None:
            return None
        return normalised_onto(theirs, mine, self.schema)


def _at(poses: np.ndarray | None, frame: int) -> np.ndarray | None:
    if poses is None or not 0 <= frame < len(poses) or not np.isfinite(poses[frame, :, :2]).any():
        return None
    return poses[frame]
