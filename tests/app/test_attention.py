"""Frame statuses and attention from hand-built pose tracks."""

from __future__ import annotations

import time

import numpy as np
import pytest

from app.attention import (
    JUMP_THRESHOLD,
    FrameStatus,
    attention_mask,
    attention_reasons,
    body_size,
    frame_statuses,
    next_attention,
    next_flagged,
)
from app.store.records import PoseTrack
from inference.provenance import JointSource

J = 16  # mpii16


def standing(frames: int, height: float = 200.0) -> np.ndarray:
    """float32 (frames, J, 3): a still figure about ``height`` pixels tall, confidence 0.9."""
    rng = np.random.default_rng(0)
    base = np.column_stack([rng.uniform(100, 100 + height / 2, J), np.linspace(100, 100 + height, J)])
    kp = np.empty((frames, J, 3), np.float32)
    kp[..., :2] = base
    kp[..., 2] = 0.9
    return kp


def track(kp: np.ndarray, source: np.ndarray | int = JointSource.MODEL, frames: np.ndarray | None = None,
          reviewed: np.ndarray | None = None, layer: str = "working") -> PoseTrack:
    n = kp.shape[0]
    frames = np.arange(n) if frames is None else np.asarray(frames)
    src = np.broadcast_to(np.asarray(source, np.uint8), (n, J)).copy()
    src[~np.isfinite(kp[..., 0])] = JointSource.NONE
    return PoseTrack(clip_id=1, layer=layer, schema="mpii16", frames=frames, keypoints=kp,
                     visibility=np.full((n, J), 2, np.uint8), source=src,
                     bbox=np.full((n, 4), np.nan, np.float32), reviewed=reviewed)


def test_each_status_from_a_hand_built_track():
    kp = standing(8)
    source = np.full((8, J), JointSource.MODEL, np.uint8)
    source[1, 3] = JointSource.MANUAL
    kp[2, 5, 2] = 0.1  # one unsure model joint
    source[3, 4] = JointSource.INTERPOLATED
    reviewed = np.zeros(8, bool)
    reviewed[4] = True
    source[5, 0] = JointSource.PROPAGATED  # reads as model
    kp[6] = np.nan  # nothing known, and no raw row says the model ran: no pose
    raw = track(standing(8), layer="model:mediapipe")
    raw.keypoints[7] = np.nan  # the model ran on frame 7 and lost the athlete
    working = track(kp, source, reviewed=reviewed)
    working.source[:] = np.where(np.isfinite(kp[..., 0]), source, JointSource.NONE)

    statuses = frame_statuses(working, 10, raw_track=raw)

    assert statuses.dtype == np.uint8 and statuses.shape == (10,)
    assert [FrameStatus(s) for s in statuses] == [
        FrameStatus.MODEL, FrameStatus.MANUAL, FrameStatus.LOW_CONFIDENCE, FrameStatus.INTERPOLATED,
        FrameStatus.REVIEWED, FrameStatus.MODEL, FrameStatus.NO_POSE, FrameStatus.LOST,
        FrameStatus.NO_POSE, FrameStatus.NO_POSE]


def test_precedence_human_decisions_outrank_the_model():
    kp = standing(3)
    kp[:, 0, 2] = 0.05  # low confidence everywhere
    source = np.full((3, J), JointSource.MODEL, np.uint8)
    source[1, 2] = JointSource.MANUAL
    raw = track(np.full((3, J, 3), np.nan, np.float32), layer="model:x")  # lost on all three
    reviewed = np.array([False, False, True])
    statuses = frame_statuses(track(kp, source, reviewed=reviewed), 3, raw_track=raw)
    assert list(statuses) == [FrameStatus.LOST, FrameStatus.MANUAL, FrameStatus.REVIEWED]
    assert list(frame_statuses(track(kp, source), 3)) == [
        FrameStatus.LOW_CONFIDENCE, FrameStatus.MANUAL, FrameStatus.LOW_CONFIDENCE]


def test_low_confidence_threshold_is_a_parameter():
    kp = standing(2)
    kp[1, 0, 2] = 0.4
    assert list(frame_statuses(track(kp), 2)) == [FrameStatus.MODEL, FrameStatus.MODEL]
    assert list(frame_statuses(track(kp), 2, low_confidence=0.5)) == [FrameStatus.MODEL, FrameStatus.LOW_CONFIDENCE]


def test_sparse_frames_and_rows_outside_the_clip():
    kp = standing(3)
    statuses = frame_statuses(track(kp, frames=[2, 5, 40]), 6)
    assert list(statuses) == [0, 0, FrameStatus.MODEL, 0, 0, FrameStatus.MODEL]
    assert list(frame_statuses(None, 3)) == [FrameStatus.NO_POSE] * 3
    empty = track(np.zeros((0, J, 3), np.float32))
    assert list(frame_statuses(empty, 2)) == [FrameStatus.NO_POSE] * 2


def test_big_jump_is_flagged_on_the_frame_it_appears():
    kp = standing(10)
    size = body_size(kp[..., :2].astype(float))
    kp[6:, 10, 0] += 0.5 * size  # the right wrist teleports between frames 5 and 6
    kp[8, 3, 1] += 0.2 * size  # a small wobble stays below the threshold
    reasons = attention_reasons(track(kp), 10)
    assert list(reasons) == [6]
    assert reasons[6][0].startswith("jump of 0.50 body sizes")
    assert 0.2 < JUMP_THRESHOLD < 0.5


def test_a_jump_between_two_manual_joints_is_the_annotators_choice():
    kp = standing(4)
    kp[2:, 10, 0] += 500
    source = np.full((4, J), JointSource.MODEL, np.uint8)
    source[1:3, 10] = JointSource.MANUAL
    assert attention_reasons(track(kp, source), 4) == {}
    source[1, 10] = JointSource.MODEL
    assert list(attention_reasons(track(kp, source), 4)) == [2]


def test_reasons_name_joints_lost_frames_and_holes():
    kp = standing(6)
    kp[1, [10, 15], 2] = 0.1
    kp[3] = np.nan  # a hole in the working layer
    raw = track(standing(6), layer="model:x")
    raw.keypoints[4] = np.nan
    kp[4] = standing(1)[0]  # interpolation filled the lost frame in the working layer
    source = np.full((6, J), JointSource.MODEL, np.uint8)
    source[4] = JointSource.INTERPOLATED
    reasons = attention_reasons(track(kp, source), 6, raw_track=raw)
    assert reasons == {
        1: ["low confidence: r_wrist, l_wrist"],
        3: ["no pose between posed frames"],
        4: ["athlete lost by the model"],
    }


def test_next_attention_forward_backward_and_skipping_reviewed():
    kp = standing(20)
    kp[[3, 8, 15], 0, 2] = 0.1
    reviewed = np.zeros(20, bool)
    reviewed[8] = True
    t = track(kp, reviewed=reviewed)
    assert next_attention(t, 20, 0) == 3
    assert next_attention(t, 20, 3) == 15  # 8 is reviewed
    assert next_attention(t, 20, 15) is None
    assert next_attention(t, 20, 15, direction=-1) == 3
    assert next_attention(t, 20, 3, direction=-1) is None
    assert next_attention(t, 20, 19, direction=-1) == 15
    with pytest.raises(ValueError):
        next_attention(t, 20, 0, direction=0)
    mask = attention_mask(t, 20)
    assert next_flagged(mask, 3) == 15 and next_flagged(mask, 3, -1) is None


def test_fast_for_a_long_clip():
    T = 5000
    kp = standing(T)
    kp[::7, 2, 2] = 0.1
    raw = track(standing(T), layer="model:x")
    raw.keypoints[100:130] = np.nan
    t = track(kp, reviewed=np.zeros(T, bool))
    start = time.perf_counter()
    frame_statuses(t, T, raw_track=raw)
    attention_mask(t, T, raw_track=raw)
    next_attention(t, T, 0, raw_track=raw)
    assert time.perf_counter() - start < 0.5
