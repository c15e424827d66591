"""FineDiving annotations (Xu et al., CVPR 2022): read and write the pickles, export pose arrays.

A FineDiving ``Annotations`` folder holds (keys are ``(video_name: str, index: int)``):

* ``FineDiving_coarse_annotation.pkl``: key -> ``{action_type ('207c'), start_frame,
  end_frame, dive_score, difficulty, judge_scores (list)}``.
* ``FineDiving_fine-grained_annotation.pkl``: key -> ``{action_type, dive_score, difficulty,
  steps_transit_frames (int array), frames_labels (int array, one sub-action id a frame),
  sub-action_types (id -> name)}``.
* ``fine-grained_annotation_aqa.pkl``: key -> ``[action_type, dive_score, difficulty,
  steps_transit_frames, frames_labels]`` (what the TSA / MCoRe code loads).
* ``Sub_action_Types_Table.pkl``: id -> name for all 42 sub-actions.
* ``train_split.pkl`` / ``test_split.pkl``: lists of keys.

The HP-MCoRe revision (Lumos0507/HP-MCoRe) ships corrected fine-grained pickles for 43
dives; pass its folder as ``revision`` and its fine-grained labels replace the originals.

Pickles are read with :mod:`app.datasets.safe_pickle` (a pickle can run code) and written
with the standard pickle, protocol 4 (writing plain dicts and arrays is safe).

Where the coarse and fine-grained files disagree on action, score or DD, the coarse file
wins (in the released data they never disagree).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.datasets import atomic
from app.datasets.errors import DatasetError, malformed
from app.datasets.records import DiveLabel, PoseSequence
from app.datasets.safe_pickle import load_pickle

COARSE = "FineDiving_coarse_annotation.pkl"
FINE = "FineDiving_fine-grained_annotation.pkl"
AQA = "fine-grained_annotation_aqa.pkl"
SUB_ACTIONS = "Sub_action_Types_Table.pkl"
TRAIN = "train_split.pkl"
TEST = "test_split.pkl"

POSE_FRAMES = 96
"""Frames per clip in the pose arrays pose-based diving models read (FineDiving-Pose)."""

SUB_ACTION_TYPES: dict[int, str] = {
    1: "Forward", 2: "Back", 3: "Reverse", 4: "Inward", 5: "Arm.Forward", 6: "Arm.Back",
    7: "Arm.Reverse", 8: "1 Som.Straight", 9: "1.5 Soms.Straight", 10: "2 Soms.Straight",
    11: "2.5 Soms.Straight", 12: "1 Som.Pike", 13: "1.5 Soms.Pike", 14: "2 Soms.Pike",
    15: "2.5 Soms.Pike", 16: "3 Soms.Pike", 17: "3.5 Soms.Pike", 18: "4 Soms.Pike",
    19: "4.5 Soms.Pike", 20: "1 Som.Tuck", 21: "1.5 Soms.Tuck", 22: "2 Soms.Tuck",
    23: "2.5 Soms.Tuck", 24: "3 Soms.Tuck", 25: "3.5 Soms.Tuck", 26: "4 Soms.Tuck",
    27: "4.5 Soms.Tuck", 28: "5.5 Soms.Tuck", 29: "0.5 Twist", 30: "1 Twist",
    31: "1.5 Twists", 32: "2 Twists", 33: "2.5 Twists", 34: "3 Twists", 35: "3.5 Twists",
    36: "Entry", 37: "0.5 Som.Pike", 38: "Background", 39: "0.5 Som.Straight",
    40: "0.5 Som.Tuck", 41: "4 Twists", 42: "4.5 Twists",
}
"""FineDiving's sub-action table (``Sub_action_Types_Table.pkl``), written with every export."""

_COARSE_KEYS = ("action_type", "start_frame", "end_frame", "dive_score", "difficulty",
                "judge_scores")
_FINE_KEYS = ("steps_transit_frames", "frames_labels", "sub-action_types")


# ----------------------------------------------------------------------------- reading

def read(folder: str | os.PathLike, revision: str | os.PathLike | None = None) -> list[DiveLabel]:
    """All dives of a FineDiving ``Annotations`` folder, in the coarse file's order.

    Args:
        folder: holds at least ``FineDiving_coarse_annotation.pkl``; the fine-grained
            pickle and the split lists are used when present.
        revision: a folder with a corrected ``FineDiving_fine-grained_annotation.pkl``
            (the HP-MCoRe revision) that replaces the original fine-grained labels.

    Raises:
        DatasetError: a file is missing, unsafe, truncated or not laid out as above.
    """
    root = Path(folder)
    coarse_path = root / COARSE
    if not coarse_path.is_file():
        raise DatasetError(f"{coarse_path}: not found; point at FineDiving's Annotations folder")
    coarse = _mapping(load_pickle(coarse_path), coarse_path)
    fine_path = Path(revision) / FINE if revision is not None else root / FINE
    if revision is not None and not fine_path.is_file():
        raise DatasetError(f"{fine_path}: not found; point revision at the folder holding it")
    fine = _mapping(load_pickle(fine_path), fine_path) if fine_path.is_file() else {}
    split = {}
    for name, path in (("train", root / TRAIN), ("test", root / TEST)):
        if path.is_file():
            keys = load_pickle(path)
            if not isinstance(keys, (list, tuple)):
                raise DatasetError(f"{path}: expected a list of (video, index) keys")
            for key in keys:
                split[_key_tuple(key, path)] = name
    with malformed(coarse_path, "FineDiving annotation"):
        return [_dive(key, entry, fine.get(key), split.get(key), coarse_path, fine_path)
                for key, entry in coarse.items()]


def _mapping(obj: Any, path: Path) -> dict:
    if not isinstance(obj, dict):
        raise DatasetError(f"{path}: expected a dict keyed by (video, index), got {type(obj).__name__}")
    for key in obj:
        _key_tuple(key, path)
    return obj


def _key_tuple(key: Any, path: Path) -> tuple[str, int]:
    if (not isinstance(key, tuple) or len(key) != 2 or not isinstance(key[0], str)
            or not isinstance(key[1], (int, np.integer))):
        raise DatasetError(f"{path}: key {key!r} is not a (video name, dive index) pair")
    return key


def _dive(key: tuple[str, int], entry: Any, fine: Any, split: str | None,
          coarse_path: Path, fine_path: Path) -> DiveLabel:
    name = f"{key[0]}/{int(key[1])}"
    if not isinstance(entry, dict) or any(k not in entry for k in _COARSE_KEYS):
        raise DatasetError(f"{coarse_path}: dive {name} lacks one of {', '.join(_COARSE_KEYS)}")
    try:
        transitions: tuple[int, ...] = ()
        frame_labels = None
        names: dict[int, str] = {}
        if fine is not None:
            if not isinstance(fine, dict) or any(k not in fine for k in _FINE_KEYS):
                raise DatasetError(f"{fine_path}: dive {name} lacks one of {', '.join(_FINE_KEYS)}")
            transitions = tuple(int(t) for t in np.asarray(fine["steps_transit_frames"]).ravel())
            frame_labels = np.asarray(fine["frames_labels"])
            if frame_labels.ndim != 1 or frame_labels.dtype.kind not in "iu":
                raise DatasetError(f"{fine_path}: dive {name}: frames_labels must be a 1-D int "
                                   f"array, got {frame_labels.dtype} {frame_labels.shape}")
            frame_labels = frame_labels.astype(np.int64, copy=False)
            if not isinstance(fine["sub-action_types"], dict):
                raise DatasetError(f"{fine_path}: dive {name}: sub-action_types must be a dict of id -> name")
            names = {int(k): str(v) for k, v in dict(fine["sub-action_types"]).items()}
        start, end = _whole(entry["start_frame"]), _whole(entry["end_frame"])
        if start is None or end is None or not 0 <= start <= end:
            raise DatasetError(f"{coarse_path}: dive {name}: start_frame {entry['start_frame']!r} and end_frame "
                               f"{entry['end_frame']!r} must be whole frame numbers with 0 <= start <= end")
        return DiveLabel(
            key=name,
            action=str(entry["action_type"]).upper(),
            score=float(entry["dive_score"]),
            difficulty=float(entry["difficulty"]),
            judge_marks=tuple(float(m) for m in entry["judge_scores"]),
            start_frame=start,
            end_frame=end,
            stage_transitions=transitions,
            frame_labels=frame_labels,
            sub_action_names=names,
            event=key[0],
            split=split,
        )
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{coarse_path}: dive {name}: bad value ({exc})") from None


def _whole(value: Any) -> int | None:
    """A frame number as an int, or None when it is not a whole number (a float 12.0 is)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    if not np.isfinite(value) or value != int(value):
        return None
    return int(value)


# ----------------------------------------------------------------------------- writing

def write(folder: str | os.PathLike, dives: Iterable[DiveLabel]) -> list[Path]:
    """Write ``dives`` as a FineDiving ``Annotations`` folder (the six pickles); return the paths.

    Every dive needs an action, score, DD, start/end frames and frame labels. Dives whose
    split is ``None`` are in neither split list. Nothing is written when a dive is refused.
    """
    dives = list(dives)
    coarse: dict[tuple[str, int], dict] = {}
    fine: dict[tuple[str, int], dict] = {}
    aqa: dict[tuple[str, int], list] = {}
    splits: dict[str, list] = {"train": [], "test": []}
    table = dict(SUB_ACTION_TYPES)
    for dive in dives:
        key = _split_key(dive.key)
        if key in coarse:
            raise DatasetError(f"FineDiving export: dive {dive.key} appears twice")
        missing = [f for f in REQUIRED if getattr(dive, f) is None]
        if missing:
            raise DatasetError(f"FineDiving export: dive {dive.key} has no {', '.join(missing)}; "
                               "FineDiving needs them for every dive")
        action = dive.action.lower()
        labels = np.asarray(dive.frame_labels, dtype=np.int64)
        steps = np.asarray(dive.stage_transitions, dtype=np.int64)
        coarse[key] = {"action_type": action, "start_frame": int(dive.start_frame),
                       "end_frame": int(dive.end_frame), "dive_score": float(dive.score),
                       "difficulty": float(dive.difficulty),
                       "judge_scores": [float(m) for m in dive.judge_marks]}
        fine[key] = {"action_type": action, "dive_score": float(dive.score),
                     "difficulty": float(dive.difficulty), "steps_transit_frames": steps,
                     "frames_labels": labels,
                     "sub-action_types": {int(k): str(v) for k, v in dive.sub_action_names.items()}}
        aqa[key] = [action, float(dive.score), float(dive.difficulty), steps, labels]
        table.update({int(k): str(v) for k, v in dive.sub_action_names.items()})
        if dive.split in splits:
            splits[dive.split].append(key)
        elif dive.split is not None:
            raise DatasetError(f"FineDiving export: dive {dive.key} has split {dive.split!r}; "
                               "use 'train', 'test' or none")
    root = Path(folder)
    out = {COARSE: coarse, FINE: fine, AQA: aqa, SUB_ACTIONS: table,
           TRAIN: splits["train"], TEST: splits["test"]}
    paths = []
    for name, obj in out.items():
        atomic.write_bytes(root / name, pickle.dumps(obj, protocol=4))
        paths.append(root / name)
    return paths


REQUIRED = ("action", "score", "difficulty", "start_frame", "end_frame", "frame_labels")


def unexportable(dive: DiveLabel) -> str | None:
    """Why ``dive`` cannot be written as FineDiving (the fields it lacks), or None."""
    missing = [f for f in REQUIRED if getattr(dive, f) is None]
    if missing:
        return (f"dive {dive.key} has no {', '.join(missing)}; FineDiving needs them for every dive "
                "(label the dive number, score and DD, and its stages)")
    try:
        _split_key(dive.key)
    except DatasetError as exc:
        return str(exc)
    return None


def _split_key(key: str) -> tuple[str, int]:
    video, sep, index = key.rpartition("/")
    if not sep or not video or not index.lstrip("-").isdigit():
        raise DatasetError(f"FineDiving export: key {key!r} is not '<video name>/<dive index>'")
    return video, int(index)


# ----------------------------------------------------------------------------- pose arrays

def write_pose_arrays(folder: str | os.PathLike, sequences: Sequence[PoseSequence],
                      frames: int = POSE_FRAMES, channels: int = 3) -> list[Path]:
    """Export each clip as ``<folder>/<name>.npy``: float32 ``(frames, 16, channels)``.

    This is the layout pose-based diving models read (FineDiving-Pose: 96 frames a clip,
    MPII-16 joints, ``[x, y]`` or ``[x, y, confidence]``). A name ``"video/3"`` becomes
    ``video/3.npy``, FineDiving's own folder layout.

    Resampling: gaps inside a joint's track are first filled linearly between the labelled
    frames around them (METHODS §1), then the ``T`` frames are resampled to ``frames`` by
    linear interpolation at ``t_i = i (T-1)/(frames-1)``. A joint unknown before its first
    or after its last labelled frame stays NaN (its confidence 0): nothing is invented at
    the ends, and a model that cannot take NaN must mask or fill them itself.

    Raises:
        DatasetError: a clip is not MPII-16, is empty, or has a bad name; nothing is written.
    """
    if channels not in (2, 3) or frames < 1:
        raise DatasetError(f"pose arrays: channels must be 2 or 3 and frames >= 1, "
                           f"got {channels}, {frames}")
    root = Path(folder)
    arrays = {}
    for seq in sequences:
        if seq.schema != "mpii16":
            raise DatasetError(f"pose arrays: clip {seq.name} is {seq.schema}; diving pose "
                               "models read MPII-16 - convert it first (inference.skeletons.convert)")
        kp = np.asarray(seq.keypoints, dtype=np.float64)
        if kp.ndim != 3 or kp.shape[0] < 1 or kp.shape[1:] != (16, 3):
            raise DatasetError(f"pose arrays: clip {seq.name} keypoints must be (T>=1, 16, 3), "
                               f"got {kp.shape}")
        path = root / (_safe_name(seq.name) + ".npy")
        if path in arrays:
            raise DatasetError(f"pose arrays: clip {seq.name} appears twice")
        arrays[path] = resample(kp, frames)[..., :channels].astype(np.float32)
    for path, arr in arrays.items():
        with atomic.atomic_open(path) as handle:
            np.save(handle, arr, allow_pickle=False)
    return list(arrays)


def _safe_name(name: str) -> str:
    parts = name.replace("\\", "/").split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise DatasetError(f"clip name {name!r} cannot be a file name (empty, absolute or '..')")
    return "/".join(parts)


def resample(keypoints: np.ndarray, frames: int) -> np.ndarray:
    """``(T, J, 3)`` -> ``(frames, J, 3)`` by linear interpolation (see :func:`write_pose_arrays`).

    Known joints keep their confidence interpolated; unknown ones get NaN x, y and 0.
    """
    kp = np.array(keypoints, dtype=np.float64)
    t_count = kp.shape[0]
    known = np.isfinite(kp[..., 0]) & np.isfinite(kp[..., 1])  # (T, J)
    idx = np.arange(t_count)
    for j in range(kp.shape[1]):
        good = idx[known[:, j]]
        if good.size == 0:
            continue
        inner = (idx > good[0]) & (idx < good[-1]) & ~known[:, j]
        for c in range(kp.shape[2]):
            kp[inner, j, c] = np.interp(idx[inner], good, kp[good, j, c])
        known[inner, j] = True
    kp[~known] = np.nan
    pos = np.linspace(0.0, t_count - 1, frames) if frames > 1 else np.zeros(1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, t_count - 1)
    w = (pos - lo)[:, None, None]
    a, b = kp[lo], kp[hi]
    out = np.where(w == 0, a, (1.0 - w) * a + w * b)
    out[~np.isfinite(out[..., 0]) | ~np.isfinite(out[..., 1])] = np.array([np.nan, np.nan, 0.0])
    return out
