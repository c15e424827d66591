"""Merge a new auto-annotation run into an existing, partly hand-corrected track.

Re-running a model must never undo the annotator's work. The rules, per joint of every frame
the new run covers:

- MANUAL joints are kept bit for bit (value and source).
- MODEL, INTERPOLATED and NONE joints are replaced by the new model output, NaN included:
  they were machine guesses, and a NaN from the new run means "not found" (source NONE).
- PROPAGATED joints are derived data (an old model value shifted by manual corrections), so
  they are replaced too; with propagate=True (the default) the manual corrections are
  re-applied to the new model values (interpolate.propagate_from_keyframes, with the track's
  MANUAL joints as keyframes and the new run's values on those frames as the model there),
  so a corrected stretch stays corrected. With propagate=False they become the raw new output.

Frames the new run does not cover are left alone, and only anchors on covered frames
propagate (an old model value under a manual joint on an uncovered frame is not known).
Gap filling is not redone here: run interpolate_gaps afterwards if wanted.
"""

from __future__ import annotations

import numpy as np

from inference.pose.interpolate import propagate_from_keyframes
from inference.provenance import JointSource


def merge_model_run(existing_kp: np.ndarray, existing_source: np.ndarray,
                    new_kp: np.ndarray, new_source: np.ndarray,
                    frames: np.ndarray | list[int] | None = None, *,
                    propagate: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge a model run into a track (rules in the module docstring).

    existing_kp float32 (T, J, 3), existing_source uint8 (T, J): the working track.
    new_kp float32 (N, J, 3), new_source uint8 (N, J): the new run, MODEL or NONE joints only,
    for `frames` (N distinct frame indices, any order) or for all T frames when frames is None.
    Returns new arrays (kp float32 (T, J, 3), source uint8 (T, J)) and changed_frames, the
    sorted int64 frame indices whose values (NaN equal to NaN) or sources differ from before.
    """
    existing_kp = np.asarray(existing_kp)
    existing_source = np.asarray(existing_source)
    new_kp = np.asarray(new_kp)
    new_source = np.asarray(new_source)
    if existing_kp.ndim != 3 or existing_kp.shape[2] != 3 or existing_source.shape != existing_kp.shape[:2]:
        raise ValueError(f"existing track must be (T, J, 3) and (T, J), got {existing_kp.shape} "
                         f"and {existing_source.shape}")
    T, J, _ = existing_kp.shape
    if frames is None:
        frames = np.arange(T)
    frames = np.asarray(frames, dtype=np.int64).reshape(-1)
    if new_kp.shape != (len(frames), J, 3) or new_source.shape != (len(frames), J):
        raise ValueError(f"the new run must be ({len(frames)}, {J}, 3) and ({len(frames)}, {J}) "
                         f"for {len(frames)} frames, got {new_kp.shape} and {new_source.shape}")
    if len(frames) and (frames.min() < 0 or frames.max() >= T or len(np.unique(frames)) != len(frames)):
        raise ValueError(f"frames must be distinct indices in 0..{T - 1}")
    if np.isin(new_source, (JointSource.MANUAL, JointSource.PROPAGATED)).any():
        raise ValueError("a model run cannot contain MANUAL or PROPAGATED joints")

    new_known = np.isfinite(new_kp[..., :2]).all(axis=-1)
    run_kp = np.full((T, J, 3), np.nan, dtype=np.float32)
    run_source = np.full((T, J), JointSource.NONE, dtype=np.uint8)
    run_kp[frames] = new_kp
    run_source[frames] = np.where(new_known, new_source, JointSource.NONE)
    covered = np.zeros(T, bool)
    covered[frames] = True

    manual = existing_source == JointSource.MANUAL
    replace = covered[:, None] & ~manual
    kp = np.array(existing_kp, dtype=np.float32, copy=True)
    source = np.array(existing_source, dtype=np.uint8, copy=True)
    if propagate and manual.any():
        keyframes = np.where(manual[..., None], existing_kp, np.nan)
        run_kp, run_source = propagate_from_keyframes(run_kp, run_source, keyframes)
    kp[replace] = run_kp[replace]
    source[replace] = run_source[replace]

    before, after = existing_kp.astype(np.float32), kp
    same_value = (before == after) | (np.isnan(before) & np.isnan(after))
    differs = ~same_value.all(axis=-1) | (source != existing_source)
    changed = np.flatnonzero(differs.any(axis=1)).astype(np.int64)
    return kp, source, changed
