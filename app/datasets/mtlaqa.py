"""MTL-AQA annotations (Parmar & Morris, CVPR 2019): read-only.

Plumb reads MTL-AQA to train and check scorers; it never writes it (export as FineDiving
or sequences instead). Files, keys ``(video_no: int, dive_no: int)``:

* ``Ready_2_Use/MTL-AQA_split_0_data/final_annotations_dict.pkl``: key -> ``{primary_view,
  start_frame, end_frame, position, difficulty, armstand, rotation_type, ss_no, tw_no,
  final_score}``; ``train_split_0.pkl`` / ``test_split_0.pkl`` list the keys.
  ``Ready_2_Use/UNLV_Dive_split_4`` (UNLV-Dive) has the same layout.
* ``CoRe_info/final_annotations_dict_with_dive_number.pkl`` (from the CoRe repo): the same
  plus ``judge_scores`` (7 marks) and ``dive_number`` ('407C'). Used when present.

Class ids, checked against the dive numbers of all 1,412 dives:
``position`` 0 free (D), 1 pike (B), 2 tuck (C); ``rotation_type`` 0 back, 1 forward,
2 inward, 3 reverse (twisting and armstand dives carry their base direction);
``armstand`` 0/1; ``ss_no`` half somersaults; ``tw_no`` half twists.
These go to :attr:`DiveLabel.attributes` under their MTL-AQA names, with ``position_name``
and ``rotation_name`` spelled out.

Keys become ``"%02d/%d" % (video_no, dive_no)``: FineDiving names the same broadcasts
'01'..'26', so a dive present in both has the same key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from app.datasets.errors import DatasetError, malformed
from app.datasets.records import DiveLabel
from app.datasets.safe_pickle import load_pickle

ANNOTATIONS = "final_annotations_dict.pkl"
WITH_DIVE_NUMBERS = "final_annotations_dict_with_dive_number.pkl"
POSITIONS = {0: "free", 1: "pike", 2: "tuck"}
ROTATIONS = {0: "back", 1: "forward", 2: "inward", 3: "reverse"}
_KEYS = ("start_frame", "end_frame", "difficulty", "final_score")
_ATTRIBUTES = ("primary_view", "position", "armstand", "rotation_type", "ss_no", "tw_no")


def read(folder: str | os.PathLike, split: str = "0") -> list[DiveLabel]:
    """All dives under ``folder`` (the MTL-AQA root or a folder holding the annotation pickle).

    ``split`` picks ``train_split_<split>.pkl`` / ``test_split_<split>.pkl`` (UNLV-Dive also
    has ``"370_4"``). Judge marks and dive numbers come from CoRe's file when found at
    ``<root>/CoRe_info`` or beside the annotations; otherwise ``action`` is ``None``.
    """
    root = Path(folder)
    candidates = [root, root / "Ready_2_Use" / "MTL-AQA_split_0_data"]
    data_dir = next((d for d in candidates if (d / ANNOTATIONS).is_file()), None)
    if data_dir is None:
        raise DatasetError(f"{root}: no {ANNOTATIONS} here or under Ready_2_Use/MTL-AQA_split_0_data; "
                           "point at the MTL-AQA folder")
    path = data_dir / ANNOTATIONS
    annotations = _dict(load_pickle(path), path)
    extra_path = next((p for p in (root / "CoRe_info" / WITH_DIVE_NUMBERS, data_dir / WITH_DIVE_NUMBERS)
                       if p.is_file()), None)
    extra = _dict(load_pickle(extra_path), extra_path) if extra_path else {}
    splits: dict[tuple[int, int], str] = {}
    for name in ("train", "test"):
        split_path = data_dir / f"{name}_split_{split}.pkl"
        if split_path.is_file():
            keys = load_pickle(split_path)
            if not isinstance(keys, (list, tuple)):
                raise DatasetError(f"{split_path}: expected a list of (video, dive) keys")
            splits.update((_key(k, split_path), name) for k in keys)
    with malformed(path, "MTL-AQA annotation"):
        return [_dive(key, entry, extra.get(key), splits.get(key), path)
                for key, entry in annotations.items()]


def _dict(obj: Any, path: Path) -> dict:
    if not isinstance(obj, dict):
        raise DatasetError(f"{path}: expected a dict keyed by (video, dive), got {type(obj).__name__}")
    return {_key(k, path): v for k, v in obj.items()}


def _key(key: Any, path: Path) -> tuple[int, int]:
    try:
        video, dive = key
        return int(video), int(dive)
    except (TypeError, ValueError):
        raise DatasetError(f"{path}: key {key!r} is not a (video number, dive number) pair") from None


def _dive(key: tuple[int, int], entry: Any, extra: Any, split: str | None, path: Path) -> DiveLabel:
    name = f"{key[0]:02d}/{key[1]}"
    if not isinstance(entry, dict) or any(k not in entry for k in _KEYS):
        raise DatasetError(f"{path}: dive {name} lacks one of {', '.join(_KEYS)}")
    try:
        attributes: dict[str, Any] = {k: int(entry[k]) for k in _ATTRIBUTES if k in entry}
        if "position" in attributes:
            attributes["position_name"] = POSITIONS.get(attributes["position"], "unknown")
        if "rotation_type" in attributes:
            attributes["rotation_name"] = ROTATIONS.get(attributes["rotation_type"], "unknown")
        action, marks = None, ()
        if isinstance(extra, dict):
            if extra.get("dive_number") is not None:
                action = str(extra["dive_number"]).upper()
            if extra.get("judge_scores") is not None:
                marks = tuple(float(m) for m in np.asarray(extra["judge_scores"]).ravel())
        return DiveLabel(
            key=name, action=action, score=float(entry["final_score"]),
            difficulty=float(entry["difficulty"]), judge_marks=marks,
            start_frame=int(entry["start_frame"]), end_frame=int(entry["end_frame"]),
            event=f"{key[0]:02d}", split=split, attributes=attributes,
        )
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{path}: dive {name}: bad value ({exc})") from None


def write(path: str | os.PathLike, items: Any) -> None:
    """MTL-AQA is read-only in Plumb: export dives as FineDiving (or sequences) instead."""
    raise DatasetError(f"{path}: MTL-AQA is read-only here; export as 'finediving' instead")
