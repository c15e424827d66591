"""Score metrics of METHODS.md §3: SRCC, Pearson, R-l2 (x100) and ROC AUC.

All functions take 1-D sequences of equal length and return a Python float. NaN inputs are
refused with ValueError: a NaN prediction is a bug upstream, and silently dropping it would
make a model look better than it is. Where a statistic is undefined (fewer than two clips, a
constant series, a single class) the result is ``nan`` so a report can show it as such.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

ArrayLike = Sequence[float] | np.ndarray


def _vector(name: str, values: ArrayLike) -> np.ndarray:
    """``values`` as a float64 ``(N,)`` array, refusing NaN and anything not 1-D."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence, got shape {array.shape}; flatten it first")
    if np.isnan(array).any():
        count = int(np.isnan(array).sum())
        raise ValueError(f"{name} holds {count} NaN value(s); drop or fix those clips before scoring")
    return array


def _pair(pred: ArrayLike, truth: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p = _vector("pred", pred)
    t = _vector("truth", truth)
    if p.shape != t.shape:
        raise ValueError(f"pred has {p.size} values but truth has {t.size}; pass one prediction per clip")
    return p, t


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks ``1..N`` of ``values (N,)``; tied values share the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    # Boundaries of runs of equal values in the sorted order.
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], values.size]
    run_ranks = (starts + ends + 1) / 2.0  # mean of ranks starts+1 .. ends
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.repeat(run_ranks, ends - starts)
    return ranks


def pearson(pred: ArrayLike, truth: ArrayLike) -> float:
    """Pearson correlation; ``nan`` with fewer than 2 values or a constant series."""
    p, t = _pair(pred, truth)
    if p.size < 2:
        return float("nan")
    pc = p - p.mean()
    tc = t - t.mean()
    denominator = np.sqrt((pc * pc).sum() * (tc * tc).sum())
    if denominator == 0.0:
        return float("nan")
    return float(np.clip((pc * tc).sum() / denominator, -1.0, 1.0))


def srcc(pred: ArrayLike, truth: ArrayLike) -> float:
    """Spearman rank correlation with average ranks for ties.

    ``nan`` with fewer than 2 values or when either series is constant (a constant
    predictor has no ranking to judge).
    """
    p, t = _pair(pred, truth)
    if p.size < 2:
        return float("nan")
    return pearson(average_ranks(p), average_ranks(t))


def r_l2(pred: ArrayLike, truth: ArrayLike, y_min: float, y_max: float) -> float:
    """Relative L2 distance x100: ``100 * mean(((pred - truth) / (y_max - y_min))**2)``.

    ``y_min``/``y_max`` are the score range of the dataset (METHODS.md §3); ``nan`` for no
    clips.
    """
    p, t = _pair(pred, truth)
    if not (np.isfinite(y_min) and np.isfinite(y_max)) or y_max <= y_min:
        raise ValueError(
            f"r_l2 needs y_min < y_max (the dataset's score range), got {y_min} and {y_max}"
        )
    if p.size == 0:
        return float("nan")
    relative = (p - t) / (float(y_max) - float(y_min))
    return float(100.0 * np.mean(relative * relative))


def roc_auc(scores: ArrayLike, labels01: ArrayLike) -> float:
    """Area under the ROC curve: the chance a positive outranks a negative, ties count half.

    ``labels01`` holds 0/1 (or bools); ``nan`` when only one class is present.
    """
    s = _vector("scores", scores)
    labels = _vector("labels01", labels01)
    if s.shape != labels.shape:
        raise ValueError(f"scores has {s.size} values but labels01 has {labels.size}; pass one label per score")
    if not np.isin(labels, (0.0, 1.0)).all():
        raise ValueError("labels01 must hold only 0 and 1 (1 = positive class)")
    positive = labels == 1.0
    n_pos = int(positive.sum())
    n_neg = labels.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    # Mann-Whitney U from average ranks: a tied positive/negative pair adds one half.
    rank_sum = average_ranks(s)[positive].sum()
    u = rank_sum - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))
