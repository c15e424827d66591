"""Most probable ordered change points from per-frame stage probabilities (METHODS.md §2).

A per-frame classifier may flicker between stages; the stages of a movement, however,
come once each and in order. :func:`best_transitions` therefore picks, among all
segmentations "stage 0, then 1, ..., then K-1, each at least one frame long", the one with
the largest summed per-frame log-probability. This is the joint maximum over all ``K - 1``
change points, which also keeps them ordered.
"""

from __future__ import annotations

import numpy as np


def best_transitions(log_probs: np.ndarray) -> tuple[int, ...]:
    """The ``K - 1`` transition frames of the best monotone segmentation.

    Dynamic programming in ``O(T K)``: ``best[t, k]`` is the best score of frames ``0..t``
    with frame ``t`` in stage ``k``; it extends either ``best[t-1, k]`` (same stage) or
    ``best[t-1, k-1]`` (stage ``k`` starts at ``t``). Ties keep the earlier stage going,
    so the result is deterministic.

    Args:
        log_probs: ``(T, K)`` per-frame log-probabilities (any finite scores work; they
            are summed along the path).

    Returns:
        ``(t_1, ..., t_{K-1})``: ``t_k`` is the first frame of stage ``k``;
        ``0 < t_1 < ... < t_{K-1} < T``.

    Raises:
        ValueError: not a 2-D array, no stages, fewer frames than stages, or non-finite
            values.
    """
    scores = np.asarray(log_probs, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[1] < 1:
        raise ValueError(f"log_probs must be (T, K) with K >= 1, got shape {scores.shape}")
    num_frames, num_stages = scores.shape
    if num_frames < num_stages:
        raise ValueError(
            f"cannot split {num_frames} frames into {num_stages} stages of at least one frame"
        )
    if not np.all(np.isfinite(scores)):
        raise ValueError("log_probs must be finite; clip probabilities away from 0 first")
    if num_stages == 1:
        return ()

    best = np.full(num_stages, -np.inf)
    best[0] = scores[0, 0]
    # entered[t, k]: stage k began exactly at frame t on the best path ending (t, k).
    entered = np.zeros((num_frames, num_stages), dtype=bool)
    for t in range(1, num_frames):
        stay = best
        enter = np.concatenate(([-np.inf], best[:-1]))
        entered[t] = enter > stay
        best = np.maximum(stay, enter) + scores[t]

    transitions = [0] * (num_stages - 1)
    stage = num_stages - 1
    for t in range(num_frames - 1, 0, -1):
        if stage == 0:
            break
        if entered[t, stage]:
            transitions[stage - 1] = t
            stage -= 1
    return tuple(transitions)
