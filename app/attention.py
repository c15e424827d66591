"""Which frames of a clip's pose track need a human, and the one-glance status of every frame.

Qt-free and vectorised: a track is spread once into dense (T, J) arrays and every rule is a
numpy expression over them, so a 5,000-frame clip costs a few milliseconds.

Frame status (one per frame, highest precedence wins):

    REVIEWED > MANUAL > LOST > LOW_CONFIDENCE > INTERPOLATED > MODEL > NO_POSE

- REVIEWED: the annotator marked the frame as checked (``PoseTrack.reviewed``).
- MANUAL: at least one joint was placed by hand.
- LOST: the raw model layer has a row for the frame with no known joint (the model ran and did
  not find the athlete), whatever the working layer filled in there.
- LOW_CONFIDENCE: a model (or propagated) joint has confidence below ``low_confidence``.
- INTERPOLATED: at least one joint was filled between trusted frames.
- MODEL: the pose is model output (or model output shifted by propagation) and looks sure.
- NO_POSE: no known joint on the frame.

A human decision outranks the model's failure: a frame the annotator placed joints on or
marked reviewed is shown as such even where the model lost the athlete, so the strip shows
what is left to do rather than what once went wrong.

Attention (frames that need a human) is independent of the status colour; a frame needs
attention, unless it is reviewed, when any of these hold:

- "lost": its status is LOST;
- "low confidence": a model or propagated joint is below ``low_confidence``;
- "jump": some joint that is not manual on both frames moved, since the previous frame, by
  more than ``JUMP_THRESHOLD`` (0.35) body sizes. The body size is the median, over the
  clip's posed frames, of the diagonal of the box around each frame's known joints; a clip
  median keeps a tuck (a small box) from inflating the ratio. At 25-30 fps the fastest real
  motion in a dive (wrists in a fast somersault) moves about 0.15-0.25 body sizes a frame, so
  0.35 flags identity switches, left/right swaps and wild model guesses;
- "no pose": no known joint although posed frames lie before and after it (a hole).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from app.store.records import PoseTrack
from inference.provenance import JointSource
from inference.skeletons import get_skeleton

LOW_CONFIDENCE = 0.3
JUMP_THRESHOLD = 0.35  # joint displacement between consecutive frames, in body sizes


class FrameStatus(IntEnum):
    """Values of the uint8 array ``frame_statuses`` returns; see the module docstring."""

    NO_POSE = 0
    MODEL = 1
    LOW_CONFIDENCE = 2
    INTERPOLATED = 3
    MANUAL = 4
    REVIEWED = 5
    LOST = 6


STATUS_LABELS: dict[FrameStatus, str] = {
    FrameStatus.NO_POSE: "no pose",
    FrameStatus.MODEL: "model",
    FrameStatus.LOW_CONFIDENCE: "low confidence",
    FrameStatus.INTERPOLATED: "interpolated",
    FrameStatus.MANUAL: "manual",
    FrameStatus.REVIEWED: "reviewed",
    FrameStatus.LOST: "athlete lost",
}

# Lowest precedence first: later assignments overwrite earlier ones.
_PRECEDENCE = (FrameStatus.MODEL, FrameStatus.INTERPOLATED, FrameStatus.LOW_CONFIDENCE,
               FrameStatus.LOST, FrameStatus.MANUAL, FrameStatus.REVIEWED)


@dataclass(frozen=True)
class _Dense:
    """A track spread over the clip: xy float64 (T, J, 2) NaN unknown, conf (T, J),
    source uint8 (T, J), reviewed bool (T,), lost bool (T,)."""

    xy: np.ndarray
    conf: np.ndarray
    source: np.ndarray
    reviewed: np.ndarray
    lost: np.ndarray

    @property
    def known(self) -> np.ndarray:
        return np.isfinite(self.xy).all(axis=-1)


def _rows_inside(track: PoseTrack, frame_count: int) -> tuple[np.ndarray, np.ndarray]:
    frames = np.asarray(track.frames, dtype=np.int64).reshape(-1)
    keep = (frames >= 0) & (frames < frame_count)
    return frames[keep], keep


def _dense(track: PoseTrack | None, frame_count: int, raw_track: PoseTrack | None) -> _Dense:
    T = max(int(frame_count), 0)
    J = 0
    if track is not None and np.asarray(track.keypoints).ndim == 3:
        J = track.keypoints.shape[1]
    xy = np.full((T, J, 2), np.nan)
    conf = np.full((T, J), np.nan)
    source = np.zeros((T, J), np.uint8)
    reviewed = np.zeros(T, bool)
    if track is not None and J and len(track.frames):
        frames, keep = _rows_inside(track, T)
        kp = np.asarray(track.keypoints, dtype=np.float64)[keep]
        xy[frames] = kp[..., :2]
        conf[frames] = kp[..., 2]
        source[frames] = np.asarray(track.source, dtype=np.uint8)[keep]
        if track.reviewed is not None:
            reviewed[frames] = np.asarray(track.reviewed, dtype=bool)[keep]
    lost = np.zeros(T, bool)
    if raw_track is not None and len(raw_track.frames):
        frames, keep = _rows_inside(raw_track, T)
        raw_xy = np.asarray(raw_track.keypoints, dtype=np.float64)[keep][..., :2]
        lost[frames] = ~np.isfinite(raw_xy).all(axis=-1).any(axis=-1)
    return _Dense(xy, conf, source, reviewed, lost)


def _model_like(source: np.ndarray) -> np.ndarray:
    return (source == JointSource.MODEL) | (source == JointSource.PROPAGATED)


def _low_confidence_joints(d: _Dense, low_confidence: float) -> np.ndarray:
    """bool (T, J): known model/propagated joints below the threshold (NaN confidence counts
    as unsure)."""
    model_like = _model_like(d.source) & d.known
    sure = np.nan_to_num(d.conf, nan=0.0) >= low_confidence
    return model_like & ~sure


def _statuses(d: _Dense, low_confidence: float) -> np.ndarray:
    known = d.known
    any_known = known.any(axis=1)
    conditions = {
        FrameStatus.MODEL: (_model_like(d.source) & known).any(axis=1),
        FrameStatus.INTERPOLATED: ((d.source == JointSource.INTERPOLATED) & known).any(axis=1),
        FrameStatus.LOW_CONFIDENCE: _low_confidence_joints(d, low_confidence).any(axis=1),
        FrameStatus.LOST: d.lost,
        FrameStatus.MANUAL: ((d.source == JointSource.MANUAL) & known).any(axis=1),
        FrameStatus.REVIEWED: d.reviewed,
    }
    out = np.full(d.reviewed.shape, FrameStatus.NO_POSE, np.uint8)
    # Known joints of an unknown source (NONE with values) read as model output.
    out[any_known] = FrameStatus.MODEL
    for status in _PRECEDENCE:
        out[conditions[status]] = status
    return out


def frame_statuses(track: PoseTrack | None, frame_count: int, raw_track: PoseTrack | None = None,
                   low_confidence: float = LOW_CONFIDENCE) -> np.ndarray:
    """uint8 (frame_count,) of FrameStatus values, one per frame of the clip.

    track: the working layer; raw_track: the raw model layer ("model:<backend>"), whose all-NaN
    rows mark frames where the athlete was lost. Rows outside 0..frame_count-1 are ignored.
    """
    return _statuses(_dense(track, frame_count, raw_track), low_confidence)


def body_size(xy: np.ndarray) -> float:
    """Median over frames of the diagonal of the box around the frame's known joints.

    xy: float (T, J, 2), NaN where unknown. Returns NaN when no frame has two known joints.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames are expected here
        lo = np.nanmin(xy, axis=1)
        hi = np.nanmax(xy, axis=1)
    diag = np.hypot(*(hi - lo).T)
    diag = diag[np.isfinite(diag) & (diag > 0)]
    return float(np.median(diag)) if diag.size else float("nan")


def _jumps(d: _Dense) -> np.ndarray:
    """float (T,): the largest joint displacement from the previous frame, in body sizes, over
    joints known on both frames and not manual on both; 0 where nothing compares."""
    T = d.reviewed.shape[0]
    out = np.zeros(T)
    size = body_size(d.xy)
    if T < 2 or not np.isfinite(size):
        return out
    step = np.hypot(*(d.xy[1:] - d.xy[:-1]).transpose(2, 0, 1)) / size  # (T-1, J)
    manual = d.source == JointSource.MANUAL
    compare = d.known[1:] & d.known[:-1] & ~(manual[1:] & manual[:-1])
    step = np.where(compare, step, 0.0)
    out[1:] = step.max(axis=1) if step.shape[1] else 0.0
    return out


def _holes(d: _Dense) -> np.ndarray:
    """bool (T,): frames with no known joint between the first and the last posed frame."""
    posed = d.known.any(axis=1)
    if not posed.any():
        return np.zeros_like(posed)
    first, last = np.flatnonzero(posed)[[0, -1]]
    idx = np.arange(posed.size)
    return ~posed & (idx > first) & (idx < last)


def attention_mask(track: PoseTrack | None, frame_count: int, raw_track: PoseTrack | None = None,
                   low_confidence: float = LOW_CONFIDENCE, jump_threshold: float = JUMP_THRESHOLD) -> np.ndarray:
    """bool (frame_count,): frames that need a human (see the module docstring)."""
    d = _dense(track, frame_count, raw_track)
    return _attention(d, low_confidence, jump_threshold)[0]


def _attention(d: _Dense, low_confidence: float, jump_threshold: float):
    status = _statuses(d, low_confidence)
    lost = status == FrameStatus.LOST
    low = _low_confidence_joints(d, low_confidence)
    jump = _jumps(d)
    holes = _holes(d) & ~d.lost
    needs = (lost | low.any(axis=1) | (jump > jump_threshold) | holes) & ~d.reviewed
    return needs, lost, low, jump, holes


@dataclass(frozen=True)
class FrameEvidence:
    """The per-frame evidence behind attention, dense over the clip: xy (T, J, 2), conf and
    source (T, J), reviewed, lost (the model lost the athlete) and holes (T,) bool, low (T, J)
    unsure model joints, jump (T,) largest joint move since the previous frame in body sizes."""

    xy: np.ndarray
    conf: np.ndarray
    source: np.ndarray
    reviewed: np.ndarray
    lost: np.ndarray
    low: np.ndarray
    jump: np.ndarray
    holes: np.ndarray


def frame_evidence(track: PoseTrack | None, frame_count: int, raw_track: PoseTrack | None = None,
                   low_confidence: float = LOW_CONFIDENCE, jump_threshold: float = JUMP_THRESHOLD) -> FrameEvidence:
    d = _dense(track, frame_count, raw_track)
    _, lost, low, jump, holes = _attention(d, low_confidence, jump_threshold)
    return FrameEvidence(d.xy, d.conf, d.source, d.reviewed, lost, low, jump, holes)


def attention_reasons(track: PoseTrack | None, frame_count: int, raw_track: PoseTrack | None = None,
                      low_confidence: float = LOW_CONFIDENCE,
                      jump_threshold: float = JUMP_THRESHOLD) -> dict[int, list[str]]:
    """{frame: [reason, ...]} for every frame that needs a human, in frame order.

    Reasons read e.g. "athlete lost by the model", "low confidence: r_wrist, l_wrist",
    "jump of 0.62 body sizes since the previous frame", "no pose between posed frames".
    """
    d = _dense(track, frame_count, raw_track)
    needs, lost, low, jump, holes = _attention(d, low_confidence, jump_threshold)
    names = _joint_names(track, d.source.shape[1])
    reasons: dict[int, list[str]] = {}
    for f in np.flatnonzero(needs).tolist():
        found: list[str] = []
        if lost[f]:
            found.append("athlete lost by the model")
        if low[f].any():
            found.append("low confidence: " + ", ".join(names[j] for j in np.flatnonzero(low[f])))
        if jump[f] > jump_threshold:
            found.append(f"jump of {jump[f]:.2f} body sizes since the previous frame")
        if holes[f]:
            found.append("no pose between posed frames")
        reasons[f] = found
    return reasons


def _joint_names(track: PoseTrack | None, joints: int) -> list[str]:
    try:
        names = list(get_skeleton(track.schema).joint_names) if track is not None and track.schema else []
    except ValueError:
        names = []
    return names if len(names) == joints else [f"joint {j}" for j in range(joints)]


def next_attention(track: PoseTrack | None, frame_count: int, current: int, direction: int = +1,
                   raw_track: PoseTrack | None = None, low_confidence: float = LOW_CONFIDENCE,
                   jump_threshold: float = JUMP_THRESHOLD) -> int | None:
    """The nearest frame strictly after (direction > 0) or before (direction < 0) ``current``
    that needs a human, or None when there is none that way (no wrap-around: the caller may
    wrap by asking again from the other end)."""
    mask = attention_mask(track, frame_count, raw_track, low_confidence, jump_threshold)
    return next_flagged(mask, current, direction)


def next_flagged(mask: np.ndarray, current: int, direction: int = +1) -> int | None:
    """The nearest True frame of a bool (T,) mask strictly after (direction > 0) or before
    (direction < 0) ``current``, or None. For callers that keep ``attention_mask`` between
    key presses instead of recomputing it."""
    if direction == 0:
        raise ValueError("direction must be +1 (forward) or -1 (backward)")
    frames = np.flatnonzero(mask)
    if direction > 0:
        after = frames[frames > current]
        return int(after[0]) if after.size else None
    before = frames[frames < current]
    return int(before[-1]) if before.size else None
