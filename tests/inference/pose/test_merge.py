"""Re-running auto-annotation keeps the annotator's work."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference.pose.merge import merge_model_run
from inference.provenance import JointSource as S


def random_track(rng, T, J, sources=(S.NONE, S.MODEL, S.MANUAL, S.INTERPOLATED, S.PROPAGATED)):
    kp = rng.uniform(0, 400, (T, J, 3)).astype(np.float32)
    src = rng.choice(np.array(sources, np.uint8), (T, J))
    kp[src == S.NONE, :2] = np.nan
    return kp, src


def model_run(rng, N, J):
    kp, src = random_track(rng, N, J, (S.NONE, S.MODEL))
    return kp, src


@settings(max_examples=80, deadline=None)
@given(T=st.integers(1, 30), J=st.integers(1, 5), seed=st.integers(0, 2**16),
       subset=st.booleans(), propagate=st.booleans())
def test_manual_joints_are_never_changed(T, J, seed, subset, propagate):
    rng = np.random.default_rng(seed)
    kp, src = random_track(rng, T, J)
    frames = np.sort(rng.choice(T, rng.integers(0, T + 1), replace=False)) if subset else None
    n = T if frames is None else len(frames)
    new_kp, new_src = model_run(rng, n, J)
    out, out_src, changed = merge_model_run(kp, src, new_kp, new_src, frames, propagate=propagate)
    manual = src == S.MANUAL
    assert out[manual].tobytes() == kp[manual].tobytes()
    assert (out_src[manual] == S.MANUAL).all() and (out_src == S.MANUAL).sum() == manual.sum()
    # frames not covered are untouched; changed_frames lists exactly the frames that differ
    covered = np.zeros(T, bool)
    covered[np.arange(T) if frames is None else frames] = True
    assert out[~covered].tobytes() == kp[~covered].tobytes()
    same = ((out == kp) | (np.isnan(out) & np.isnan(kp))).all(axis=(1, 2)) & (out_src == src).all(axis=1)
    assert list(changed) == list(np.flatnonzero(~same))


def test_machine_joints_are_replaced_including_by_not_found():
    kp = np.zeros((3, 4, 3), np.float32)
    src = np.array([[S.MODEL, S.INTERPOLATED, S.NONE, S.MANUAL]] * 3, np.uint8)
    kp[:, 2, :2] = np.nan
    new = np.full((3, 4, 3), 7.0, np.float32)
    new[1, 0, :2] = np.nan  # the new model did not find joint 0 on frame 1
    new_src = np.full((3, 4), S.MODEL, np.uint8)
    out, out_src, changed = merge_model_run(kp, src, new, new_src)
    assert (out[:, :3][~np.isnan(new[:, :3, 0])] == 7).all()
    assert np.isnan(out[1, 0, :2]).all() and out_src[1, 0] == S.NONE
    assert (out_src[:, 1:3] == S.MODEL).all()
    assert (out[:, 3] == 0).all() and (out_src[:, 3] == S.MANUAL).all()
    assert list(changed) == [0, 1, 2]
    # running the same model again changes nothing
    again = merge_model_run(out, out_src, new, new_src)
    assert again[2].size == 0


def test_subset_of_frames():
    kp = np.zeros((6, 1, 3), np.float32)
    src = np.full((6, 1), S.MODEL, np.uint8)
    new = np.array([[[5, 5, 1]], [[0, 0, 0]]], np.float32)
    out, out_src, changed = merge_model_run(kp, src, new, np.full((2, 1), S.MODEL, np.uint8), [4, 1])
    assert list(changed) == [4]  # frame 1 got the same values
    assert (out[4, 0] == [5, 5, 1]).all() and (out[[0, 1, 2, 3, 5]] == 0).all()


def test_propagated_joints_are_rederived_from_the_new_run():
    T = 9
    kp = np.zeros((T, 1, 3), np.float32)
    src = np.full((T, 1), S.PROPAGATED, np.uint8)
    src[0, 0] = src[8, 0] = S.MANUAL
    kp[0, 0] = [0, 0, 1]
    kp[8, 0] = [80, 0, 1]
    new = np.zeros((T, 1, 3), np.float32)
    new[:, 0, 0] = np.arange(T) * 10.0 + 4  # the new model is consistently 4 px right
    new[:, 0, 2] = 0.8
    new_src = np.full((T, 1), S.MODEL, np.uint8)
    out, out_src, _ = merge_model_run(kp, src, new, new_src)
    # corrections (manual - model) are -4 at both ends: frames between shift by -4
    np.testing.assert_allclose(out[1:8, 0, 0], np.arange(1, 8) * 10.0)
    assert (out_src[1:8, 0] == S.PROPAGATED).all() and (out_src[[0, 8], 0] == S.MANUAL).all()
    out, out_src, _ = merge_model_run(kp, src, new, new_src, propagate=False)
    np.testing.assert_allclose(out[1:8, 0, 0], np.arange(1, 8) * 10.0 + 4)
    assert (out_src[1:8, 0] == S.MODEL).all()


def test_rejects_bad_input():
    kp = np.zeros((3, 2, 3), np.float32)
    src = np.full((3, 2), S.MODEL, np.uint8)
    with pytest.raises(ValueError, match="MANUAL"):
        merge_model_run(kp, src, kp, np.full((3, 2), S.MANUAL, np.uint8))
    with pytest.raises(ValueError, match="for 2 frames"):
        merge_model_run(kp, src, kp, src, [0, 1])
    with pytest.raises(ValueError, match="distinct"):
        merge_model_run(kp, src, kp[:2], src[:2], [1, 1])
