"""AIoU: how well predicted stage transitions match the expert's (METHODS.md §2).

A clip of ``T`` frames split into ``K`` stages is described by its ``K - 1`` transition
frames ``t_1 < ... < t_{K-1}``; stage ``k`` is the half-open frame interval
``[t_k, t_{k+1})`` with ``t_0 = 0`` and ``t_K = T``.

* The IoU of two intervals is ``|A ∩ B| / |A ∪ B|`` counted in frames.
* ``clip_iou`` is the mean of that IoU over the ``K`` stages of one clip.
* ``AIoU@d`` is the share of clips whose ``clip_iou`` is at least ``d``; the literature
  (TSA, HP-MCoRe on FineDiving) reports it at ``d = 0.5`` and ``d = 0.75``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

AIOU_THRESHOLDS = (0.5, 0.75)


def stage_intervals(transitions: Sequence[int], num_frames: int) -> list[tuple[int, int]]:
    """The ``K`` half-open stage intervals ``[start, end)`` of a clip.

    Args:
        transitions: ``K - 1`` transition frames, strictly increasing, each in ``(0, T)``,
            so that every stage has at least one frame.
        num_frames: ``T``, the clip length.

    Raises:
        ValueError: ``num_frames`` is not positive, or the transitions are not strictly
            increasing inside ``(0, num_frames)``.
    """
    num_frames = int(num_frames)
    if num_frames < 1:
        raise ValueError(f"a clip needs at least one frame, got num_frames={num_frames}")
    points = [int(t) for t in transitions]
    if any(t != float(raw) for t, raw in zip(points, transitions)):
        raise ValueError(f"transition frames must be whole numbers, got {tuple(transitions)}")
    bounds = [0, *points, num_frames]
    for before, after in zip(bounds[:-1], bounds[1:]):
        if after <= before:
            raise ValueError(
                f"transitions {tuple(points)} must increase strictly and lie inside "
                f"(0, {num_frames}) so that every stage has at least one frame"
            )
    return list(zip(bounds[:-1], bounds[1:]))


def _interval_iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    intersection = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = (a[1] - a[0]) + (b[1] - b[0]) - intersection
    return intersection / union


def clip_iou(
    pred_transitions: Sequence[int], true_transitions: Sequence[int], num_frames: int
) -> float:
    """Mean over the ``K`` stages of the frame IoU of predicted and true stage intervals.

    Raises:
        ValueError: the two lists have different lengths (a different number of stages),
            or either is not a valid set of transitions for ``num_frames`` frames.
    """
    if len(pred_transitions) != len(true_transitions):
        raise ValueError(
            f"predicted transitions {tuple(pred_transitions)} and true transitions "
            f"{tuple(true_transitions)} describe different numbers of stages"
        )
    pred = stage_intervals(pred_transitions, num_frames)
    true = stage_intervals(true_transitions, num_frames)
    return float(np.mean([_interval_iou(p, t) for p, t in zip(pred, true)]))


def clip_ious(
    preds: Sequence[Sequence[int]],
    truths: Sequence[Sequence[int]],
    lengths: Sequence[int],
) -> np.ndarray:
    """``(N,)`` :func:`clip_iou` of every clip.

    Raises:
        ValueError: no clips, or the three sequences differ in length.
    """
    if not (len(preds) == len(truths) == len(lengths)):
        raise ValueError(
            f"need one prediction, one truth and one length per clip; got "
            f"{len(preds)}, {len(truths)} and {len(lengths)}"
        )
    if len(preds) == 0:
        raise ValueError("AIoU needs at least one clip")
    return np.array(
        [clip_iou(p, t, n) for p, t, n in zip(preds, truths, lengths)], dtype=np.float64
    )


def aiou(
    preds: Sequence[Sequence[int]],
    truths: Sequence[Sequence[int]],
    lengths: Sequence[int],
    threshold: float,
) -> float:
    """AIoU@``threshold``: the share of clips whose :func:`clip_iou` is ``>= threshold``.

    Args:
        preds: per clip, the predicted ``K - 1`` transition frames.
        truths: per clip, the expert's ``K - 1`` transition frames.
        lengths: per clip, its number of frames ``T``.
        threshold: ``d`` in ``[0, 1]``; METHODS.md reports ``0.5`` and ``0.75``.

    Returns:
        A fraction in ``[0, 1]`` (multiply by 100 to compare with published figures).
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"the AIoU threshold must lie in [0, 1], got {threshold}")
    return float(np.mean(clip_ious(preds, truths, lengths) >= threshold))
