"""Dive stages from the body's motion alone, for a project without a trained segmenter.

A dive seen from the side (image y grows downwards) has three stages: take-off on the
board, flight, entry into the water. Two events separate them, and both leave a plain
trace in the pose track:

**Take-off ends when the feet (or, from a handstand, the hands) leave the board.** The hip
centre reaches its highest point (smallest y, smoothed over a sixth of a second) in the
flight, or holds it in a handstand until the fall; the apex is the last frame within 0.05
torso lengths of that height, so everything before it and still standing is take-off. The
board level is read off the lowest support (the largest y of the ankles and wrists) before
the apex: the 75th percentile of its y there, which lies on the board as long as the diver
stands for at least a quarter of the frames before the apex. The poses are read as given:
under a panning camera, map them to the scene first (inference.action.camera_path).
The first flight frame is the one after the last frame before the apex whose lowest foot
is within a margin of the board: 0.15 torso lengths, or three times the median
frame-to-frame change of the foot on the board (about three standard deviations of its
jitter) if that is larger. Taking the *last* such frame ignores a hurdle, a hop, or
jitter that lifts the feet earlier.

**Flight ends at the first frame in the water.** A pose model loses a joint once it is
under the water line, so the entry shows as joints vanishing for good, lowest first
(hands and head on a head-first entry). A joint *submerges* at the first frame after the
apex from which it is missing for the next 0.1 s (at least 3 frames, or up to the end of
the clip) and in at least 80 % of the remaining frames; a pose model's isolated misses do
not count. Only joints last seen below the board count (one lost high in the air was
occluded, not under water); the first frame of entry is the earliest such submersion.
When no joint submerges (the clip ends at the water, or the pose model keeps guessing
underwater joints), the entry is the first frame after the apex where the body is
head-down within 35 degrees of vertical and its lowest joint is within half a torso
length of the deepest point the body reaches in the clip (where the clip ends, or where
the guessed underwater joints stop going down); failing that, the last frame.

``per_frame_probs`` is one-hot. ``confidence`` is a heuristic in [0, 1], not a
probability: the mean of a take-off score (how clearly the feet rose above the board
margin two frames after the take-off, 0.3 when no standing frame was found) and an entry
score (1 for three or more submerging joints, 0.8 for one or two, 0.5 for the head-down
rule, 0.2 for the last-frame default), times the share of joints seen up to the entry.
"""

from __future__ import annotations

import numpy as np

from inference.assess.features import joint_index, normalise, torso_angle
from inference.assess.sample import DIVING_STAGES
from inference.assess.stages.prediction import StagePrediction, one_hot_stages
from inference.skeletons import get_skeleton

BOARD_MARGIN_TORSO = 0.15
JITTER_FACTOR = 3.0
SUBMERGED_SHARE = 0.8
SUBMERGED_RUN_S = 0.1
HEAD_DOWN_TOLERANCE = np.deg2rad(35.0)
ENTRY_DEPTH_TORSO = 0.5
APEX_SMOOTHING_S = 1 / 6
APEX_TOLERANCE_TORSO = 0.05


def _moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """``(T,)`` centred moving average of a finite series, edges averaged over what exists."""
    kernel = np.ones(width)
    total = np.convolve(x, kernel, mode="same")
    count = np.convolve(np.ones_like(x), kernel, mode="same")
    return total / count


def _lowest_foot(kp: np.ndarray, schema: str) -> np.ndarray:
    """``(T,)`` the larger y in pixels of the ankles and wrists (what stands on the board:
    the feet, or the hands of an armstand), NaN where none is seen."""
    skeleton = get_skeleton(schema)
    ankles = kp[:, [joint_index(skeleton, name) for name in ("left_ankle", "right_ankle", "left_wrist",
                                                              "right_wrist")], 1]
    seen = np.isfinite(ankles)
    return np.where(seen.any(axis=1), np.where(seen, ankles, -np.inf).max(axis=1), np.nan)


def _board_level(foot: np.ndarray, apex: int) -> float | None:
    """Pixel row of the board: the 75th percentile of the lowest foot before the apex."""
    before = foot[: apex + 1]
    known = before[np.isfinite(before)]
    return float(np.percentile(known, 75)) if known.size >= 2 else None


def _take_off_end(foot: np.ndarray, apex: int, board: float, scale: float) -> tuple[int, float]:
    """First flight frame (the apex when no standing frame precedes it) and its score."""
    before = foot[: apex + 1]
    known = np.isfinite(before)
    on_board = known & (before >= board - scale)
    steps = np.abs(np.diff(before[on_board]))
    jitter = float(np.median(steps)) if steps.size else 0.0
    margin = max(BOARD_MARGIN_TORSO * scale, JITTER_FACTOR * jitter)
    standing = np.flatnonzero(known & (before >= board - margin))
    standing = standing[standing < apex]
    if standing.size == 0:
        return apex, 0.3
    end = int(standing[-1]) + 1
    later = foot[min(end + 2, len(foot) - 1)]
    rise = (board - later) / (2.0 * margin) if np.isfinite(later) else 0.5
    return end, float(np.clip(rise, 0.0, 1.0))


def _submersions(kp: np.ndarray, apex: int, run_frames: int) -> list[tuple[int, float]]:
    """``(frame, last seen y)`` of every joint that vanishes for good after ``apex``."""
    missing = ~np.isfinite(kp[..., :2]).all(axis=-1)
    out = []
    num_frames = kp.shape[0]
    for j in range(kp.shape[1]):
        gone = missing[:, j]
        # Share of frames missing from t to the end, for every t.
        share = np.cumsum(gone[::-1])[::-1] / np.arange(num_frames, 0, -1)
        for t in range(apex + 1, num_frames):
            run = gone[t:t + run_frames]
            if run.all() and not gone[t - 1] and share[t] >= SUBMERGED_SHARE:
                out.append((t, float(kp[t - 1, j, 1])))
                break
    return out


def _head_down_entry(kp: np.ndarray, schema: str, coords: np.ndarray, apex: int,
                     scale: float) -> int | None:
    """First frame after the apex that is head-down near vertical with the lowest joint
    near the deepest point the body reaches in the clip."""
    angle = torso_angle(coords, schema)
    off_inverted = np.abs(np.mod(angle, 2 * np.pi) - np.pi)
    y = kp[..., 1]
    seen = np.isfinite(y).any(axis=1)
    lowest = np.where(seen, np.max(np.where(np.isfinite(y), y, -np.inf), axis=1), np.nan)
    after = np.flatnonzero(seen & (np.arange(len(y)) > apex))
    if after.size == 0:
        return None
    # A median of three keeps one wild joint from setting the depth.
    track = np.array([np.median(lowest[after][max(i - 1, 0):i + 2]) for i in range(after.size)])
    deep = track >= track.max() - ENTRY_DEPTH_TORSO * scale
    hits = after[deep & (off_inverted[after] <= HEAD_DOWN_TOLERANCE)]
    return int(hits[0]) if hits.size else None


def diving_stages(keypoints: np.ndarray, schema: str, fps: float = 30.0, *,
                  stage_names: tuple[str, ...] = DIVING_STAGES) -> StagePrediction:
    """Take-off, flight and entry of one dive by the rules in the module doc.

    Args:
        keypoints: ``(T, J, 3)`` ``[x, y, confidence]`` pixels, NaN where a joint is unknown.
        schema: the skeleton of ``keypoints``.
        fps: frames per second; the smoothing and the submersion run are set in seconds.
        stage_names: the three stage names to report.

    Raises:
        ValueError: wrong shape, fewer than 3 frames, not three stage names, or no frame
            showing the hips and shoulders.
    """
    kp = np.asarray(keypoints, dtype=np.float64)
    if kp.ndim != 3 or kp.shape[2] != 3:
        raise ValueError(f"keypoints must have shape (T, J, 3), got {kp.shape}")
    if len(stage_names) != 3:
        raise ValueError(f"a dive has 3 stages (take-off, flight, entry), got {stage_names}")
    num_frames = kp.shape[0]
    if num_frames < 3:
        raise ValueError(f"a dive needs at least 3 frames to hold 3 stages, got {num_frames}")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    norm = normalise(kp.astype(np.float32), schema)
    scale = norm.scale
    skeleton = get_skeleton(schema)
    hips = kp[:, [joint_index(skeleton, "left_hip"), joint_index(skeleton, "right_hip")], 1]
    hips_seen = np.isfinite(hips).any(axis=1)
    smoothing = max(3, 2 * round(APEX_SMOOTHING_S * fps / 2) + 1)
    hip_y = _moving_average(norm.centre[:, 1].astype(np.float64), smoothing)
    # The last frame at the top: from a handstand the hips are highest before the fall, and
    # the hands stay on the platform until the body leaves its top.
    height = np.where(hips_seen, hip_y, np.inf)
    apex = int(np.flatnonzero(height <= height.min() + APEX_TOLERANCE_TORSO * scale)[-1])
    apex = min(max(apex, 1), num_frames - 2)

    foot = _lowest_foot(kp, schema)
    board = _board_level(foot, apex)
    if board is None:
        # Feet never seen standing: nothing marks the take-off, and the lowest hip position
        # before the apex stands in for the board when telling submersion from occlusion.
        take_off, take_off_score = apex, 0.3
        board = float(hip_y[: apex + 1].max())
    else:
        take_off, take_off_score = _take_off_end(foot, apex, board, scale)

    run_frames = max(3, round(SUBMERGED_RUN_S * fps))
    at_water = [(t, y) for t, y in _submersions(kp, apex, run_frames) if y > board]
    if at_water:
        entry = min(t for t, _ in at_water)
        entry_score = 1.0 if len(at_water) >= 3 else 0.8
    else:
        entry = _head_down_entry(kp, schema, norm.coords, apex, scale)
        entry_score = 0.5
        if entry is None:
            entry, entry_score = num_frames - 1, 0.2
    entry = min(max(entry, take_off + 1), num_frames - 1)
    take_off = min(max(take_off, 1), entry - 1)

    seen = np.isfinite(kp[:entry, :, :2]).all(axis=-1).mean()
    confidence = float(np.clip(seen * 0.5 * (take_off_score + entry_score), 0.0, 1.0))
    transitions = (int(take_off), int(entry))
    probs = one_hot_stages(transitions, num_frames, 3)
    return StagePrediction(transitions, tuple(stage_names), probs, confidence)
