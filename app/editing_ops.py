"""Qt-free editing helpers that build one Edit from what the store holds now.

Each function reads the working layer, decides, and returns an Edit (apply it through the
history, or the UI's undo stack, to make it one undo step); nothing here writes.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import delete, select

from app.edits import Edit, combine, set_box, set_keypoints, set_visibility
from app.errors import EditError
from app.project import Project
from app.store import queries
from app.store.events import PosesChanged
from app.store.models import WORKING_LAYER, PoseFrame
from app.store.records import FramePose
from inference.pose.interpolate import interpolate_gaps
from inference.provenance import JointSource, Visibility
from inference.skeletons import get_skeleton


def _pose(project: Project, clip_id: int, frame: int) -> FramePose | None:
    with project.store.reading() as session:
        return queries.pose_at(session, clip_id, frame)


def _with_visibility(clip_id: int, frame: int, schema: str, joints: dict[int, list[float]],
                     visibility: dict[int, int], source: JointSource) -> list[Edit]:
    """set_keypoints per visibility value, so each joint keeps the visibility it should have."""
    edits = []
    for vis in sorted(set(visibility.values())):
        group = {j: xyc for j, xyc in joints.items() if visibility[j] == vis}
        edits.append(set_keypoints(clip_id, frame, group, schema=schema, source=source, visibility=Visibility(vis)))
    return edits


def copy_pose(project: Project, clip_id: int, from_frame: int, to_frame: int) -> Edit:
    """Copy the joints (and box) of ``from_frame`` onto ``to_frame`` as manual joints.

    Joints the source frame does not know (NaN or absent) are left as they are on the target.
    """
    source = _pose(project, clip_id, from_frame)
    if source is None or not np.isfinite(source.keypoints[:, :2]).any():
        raise EditError(f"Frame {from_frame} has no pose to copy; step to a frame with joints first.")
    target = _pose(project, clip_id, to_frame)
    if target is not None and target.schema != source.schema:
        raise EditError(f"Frame {to_frame} holds a {target.schema} pose and frame {from_frame} a {source.schema} "
                        "pose; they cannot be copied onto each other.")
    known = np.isfinite(source.keypoints[:, :2]).all(axis=1) & (source.visibility != Visibility.ABSENT)
    joints = {int(j): source.keypoints[j].tolist() for j in np.flatnonzero(known)}
    visibility = {j: int(source.visibility[j]) for j in joints}
    edits = _with_visibility(clip_id, to_frame, source.schema, joints, visibility, JointSource.MANUAL)
    if source.bbox is not None:
        edits.append(set_box(clip_id, to_frame, source.bbox, schema=source.schema))
    return combine(f"Copy pose of frame {from_frame} to frame {to_frame}", edits)


def keyframes_around(reviewed_frames: np.ndarray, frame: int) -> tuple[int, int] | None:
    """The two reviewed frames a < b with a <= frame <= b and none between them (None if none).

    When ``frame`` is itself reviewed, the span after it is preferred, then the one before.
    """
    frames = np.unique(np.asarray(reviewed_frames, np.int64))
    before, after = frames[frames <= frame], frames[frames >= frame]
    if before.size and after.size and before[-1] != after[0]:
        return int(before[-1]), int(after[0])
    if frame in frames:
        later, earlier = frames[frames > frame], frames[frames < frame]
        if later.size:
            return int(frame), int(later[0])
        if earlier.size:
            return int(earlier[-1]), int(frame)
    return None


def interpolate_between_keyframes(project: Project, clip_id: int, frame: int) -> Edit:
    """Fill the frames between the reviewed keyframes around ``frame`` linearly, as INTERPOLATED.

    Manual joints are never changed; inside the span they are anchors themselves (a corrected
    wrist halfway splits that joint's interpolation in two). Joints unknown on a keyframe are
    left alone.
    """
    with project.store.reading() as session:
        track = queries.pose_track(session, clip_id)
    if track.schema is None or track.reviewed is None or not track.reviewed.any():
        raise EditError("Mark at least two frames as reviewed keyframes (K) before interpolating between them.")
    span = keyframes_around(track.frames[track.reviewed], frame)
    if span is None:
        raise EditError(f"Frame {frame} does not lie between two reviewed keyframes; mark one before and one "
                        "after it (K).")
    a, b = span
    joints = get_skeleton(track.schema).num_joints
    T = b - a + 1
    keypoints = np.full((T, joints, 3), np.nan, np.float32)
    source = np.zeros((T, joints), np.uint8)
    visibility = np.zeros((T, joints), np.uint8)
    for i, f in enumerate(track.frames.tolist()):
        if a <= f <= b:
            keypoints[f - a], source[f - a], visibility[f - a] = track.keypoints[i], track.source[i], track.visibility[i]
    trusted = np.zeros((T, joints), bool)
    trusted[[0, -1]] = visibility[[0, -1]] != Visibility.ABSENT
    filled, filled_source = interpolate_gaps(keypoints, source, trusted)
    edits = []
    for k in range(1, T - 1):
        changed = (filled_source[k] == JointSource.INTERPOLATED) & (source[k] != JointSource.MANUAL)
        if not changed.any():
            continue
        chosen = {int(j): filled[k, j].tolist() for j in np.flatnonzero(changed)}
        # An interpolated joint is shown; one marked occluded stays occluded.
        vis = {j: Visibility.OCCLUDED if visibility[k, j] == Visibility.OCCLUDED else Visibility.VISIBLE
               for j in chosen}
        edits += _with_visibility(clip_id, a + k, track.schema, chosen, vis, JointSource.INTERPOLATED)
    if not edits:
        raise EditError(f"No joint between keyframes {a} and {b} can be interpolated: a joint needs a position "
                        "on both keyframes.")
    return combine(f"Interpolate frames {a + 1}–{b - 1} between keyframes {a} and {b}", edits)


def hide_joints(clip_id: int, frame: int, joints: list[int], *, schema: str) -> Edit:
    """Mark joints absent (they stop being drawn and stop counting as known)."""
    return set_visibility(clip_id, frame, joints, Visibility.ABSENT, schema=schema)


def discard_model_frames(project: Project, clip_id: int, layer: str, first: int, last: int | None = None) -> int:
    """Forget a model run's raw frames from ``first`` on (to ``last``, inclusive, when given),
    so that the next run starts there; returns how many frames were forgotten.

    The working layer (what annotators see and edit) is untouched; the next run merges its
    new output into it without overwriting manual joints.
    """
    if layer == WORKING_LAYER:
        raise ValueError("discard_model_frames forgets a model layer, never the working layer")
    where = [PoseFrame.clip_id == clip_id, PoseFrame.layer == layer, PoseFrame.frame >= first]
    if last is not None:
        where.append(PoseFrame.frame <= last)
    with project.store.transaction() as tx:
        frames = frozenset(tx.session.scalars(select(PoseFrame.frame).where(*where)).all())
        if frames:
            tx.session.execute(delete(PoseFrame).where(*where))
            tx.announce(PosesChanged(clip_id, frames, layer))
    return len(frames)
