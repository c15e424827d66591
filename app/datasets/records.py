"""Plain records the dataset formats read and write: no database, no Qt.

Arrays have documented shapes and dtypes; a missing value is NaN (floats) or ``None``.
Two records are equal when every field is equal, arrays compared element-wise with NaN
equal to NaN (so a read -> write -> read round trip can be checked with ``==``).

Coordinates are image pixels; boxes are ``(x1, y1, x2, y2)`` like the rest of Plumb.
Visibility follows COCO: 0 not labelled, 1 labelled but occluded, 2 labelled and visible.
Keypoints are ``[x, y, confidence]`` as in :mod:`inference.skeletons`; for ground truth the
confidence is 1.0 on labelled joints and 0.0 (with NaN x, y) on the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np


def values_equal(a: Any, b: Any) -> bool:
    """Deep equality where numpy arrays compare by shape, dtype kind and values (NaN == NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(values_equal(x, y) for x, y in zip(a, b)))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # NaN
    return bool(a == b)


class _Record:
    """Field-by-field equality that understands arrays; records are not hashable."""

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(values_equal(getattr(self, f.name), getattr(other, f.name))
                   for f in fields(self))  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False)
class DiveLabel(_Record):
    """One judged dive (FineDiving, MTL-AQA).

    Attributes:
        key: ``"<video>/<index>"``, e.g. ``"FINAWorldChampionships2019_Men10mSynchronised_final_r4/1"``.
            MTL-AQA video numbers are written with two digits (``"01/1"``), which is the
            name FineDiving uses for the same broadcast, so the same dive has the same key.
        action: FINA dive number, upper case (``"207C"``), or ``None`` when not labelled.
        score: the awarded dive score, or ``None``.
        difficulty: degree of difficulty (DD), or ``None``.
        judge_marks: the judges' marks in the file's order (3, 5 or 7; empty when unknown).
        start_frame, end_frame: first and last frame of the dive in the untrimmed video
            (inclusive), or ``None``.
        stage_transitions: frame indices, relative to ``start_frame``, where a sub-action
            (stage) begins.
        frame_labels: ``(T,)`` int64 sub-action id per frame, ``T = end - start + 1``, or ``None``.
        sub_action_names: sub-action id -> name for the ids in ``frame_labels``.
        event: the source video (competition / round) the dive comes from.
        split: ``"train"``, ``"test"`` or ``None``.
        attributes: other per-dive fields of the source format (plain ints, floats, strings),
            documented in that format's module.
    """

    key: str
    action: str | None = None
    score: float | None = None
    difficulty: float | None = None
    judge_marks: tuple[float, ...] = ()
    start_frame: int | None = None
    end_frame: int | None = None
    stage_transitions: tuple[int, ...] = ()
    frame_labels: np.ndarray | None = None
    sub_action_names: Mapping[int, str] = field(default_factory=dict)
    event: str = ""
    split: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class PoseSequence(_Record):
    """One person's pose over a clip.

    Attributes:
        name: clip name; may contain ``/`` (a sub-folder in file formats), never ``..``.
        schema: skeleton name for :func:`inference.skeletons.get_skeleton` (``"mpii16"``, ...).
        keypoints: ``(T, J, 3)`` float32 ``[x, y, confidence]``; NaN x, y where unknown.
        visibility: ``(T, J)`` uint8, COCO convention (0 / 1 / 2).
        bbox: ``(T, 4)`` float32 ``x1, y1, x2, y2``; NaN rows where unknown.
        frame_images: ``T`` image file names (or ``None``) the frames came from.
        labels: clip labels (``score``, ``split``, ``action``, ``difficulty``,
            ``transitions``...), plain values.
    """

    name: str
    schema: str
    keypoints: np.ndarray
    visibility: np.ndarray
    bbox: np.ndarray
    frame_images: tuple[str | None, ...] = ()
    labels: Mapping[str, Any] = field(default_factory=dict)

    @property
    def num_frames(self) -> int:
        return int(self.keypoints.shape[0])


@dataclass(frozen=True, eq=False)
class ImagePose(_Record):
    """One person's labelled pose in one image (COCO, MPII, LabelMe).

    Attributes:
        image: the image file name as the annotation file gives it.
        width, height: image size in pixels, or ``None`` when the format does not say.
        schema: skeleton name (``"mpii16"``, ``"coco17"``, ``"mp33"``).
        keypoints: ``(J, 3)`` float64 ``[x, y, confidence]``; NaN x, y where not labelled.
        visibility: ``(J,)`` uint8, COCO convention (0 / 1 / 2).
        bbox: ``(4,)`` float64 ``x1, y1, x2, y2``; all NaN when unknown.
        center: ``(2,)`` float64 box centre (MPII / mmpose top-down), or ``None``.
        scale: person scale, box height ~ ``scale * 200`` px (MPII), or ``None``.
        attributes: other per-person fields of the source format (COCO ids, area...).
    """

    image: str
    width: int | None
    height: int | None
    schema: str
    keypoints: np.ndarray
    visibility: np.ndarray
    bbox: np.ndarray
    center: np.ndarray | None = None
    scale: float | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


def no_box() -> np.ndarray:
    """A ``(4,)`` float64 all-NaN box: unknown."""
    return np.full(4, np.nan)
