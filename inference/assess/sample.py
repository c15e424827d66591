"""One clip as the assessment engine sees it: poses plus whatever labels it has."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DIVING_STAGES = ("take-off", "flight", "entry")


@dataclass(frozen=True, eq=False)
class ClipSample:
    """A clip's pose sequence and labels.

    Attributes:
        key: a stable name for the clip (its project id or dataset name).
        keypoints: ``(T, J, 3)`` float32 ``[x, y, confidence]`` in source pixels, NaN x/y
            where the joint is unknown.
        schema: skeleton name (``"mpii16"``, ``"coco17"``, ``"mp33"``, ``"openpose18"``).
        fps: frames per second of the source.
        score: the expert's overall score, if any.
        action: the action class (dive number such as ``"107B"``, or an exercise name).
        difficulty: degree of difficulty, if any.
        transitions: the expert's ``K - 1`` stage transition frames, if labelled; stage ``k``
            spans ``[transitions[k-1], transitions[k])`` with 0 and ``T`` at the ends.
        stage_names: the ``K`` stage names of the sport.
        split: ``"train"``, ``"val"``, ``"test"`` or None.
        boxes: ``(T, 4)`` athlete boxes ``x1, y1, x2, y2`` (NaN where unknown), or None.
    """

    key: str
    keypoints: np.ndarray
    schema: str
    fps: float = 30.0
    score: float | None = None
    action: str | None = None
    difficulty: float | None = None
    transitions: tuple[int, ...] | None = None
    stage_names: tuple[str, ...] = DIVING_STAGES
    split: str | None = None
    boxes: np.ndarray | None = field(default=None, repr=False)

    @property
    def num_frames(self) -> int:
        return int(self.keypoints.shape[0])
