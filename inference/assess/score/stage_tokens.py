"""Per-stage resampled features: the input every score model of this package reads.

A clip of ``T`` frames with ``K - 1`` stage transitions becomes a ``(K, L, F)`` array: each
stage interval is resampled to the same ``L`` frames, so two dives of different length line
up stage by stage (the take-off of one against the take-off of the other). Clips without
transitions are cut into ``K`` equal parts; for a dive that is roughly take-off, flight and
entry, and it keeps the models usable on clips nobody has segmented yet.

Features are standardised with the mean and standard deviation of the training clips (one
value per feature over all their stage frames); the :class:`FeatureStandardiser` travels with
the model so prediction applies exactly the numbers training used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from inference.assess.features import frame_features, resample
from inference.assess.sample import ClipSample

DEFAULT_FRAMES_PER_STAGE = 16
# Features that barely vary over the training clips (a joint never seen) keep their spread
# at this floor so standardising does not blow tiny differences up to huge values.
MIN_FEATURE_STD = 1e-3
# Standardised values are clipped here: one glitched keypoint can give a velocity hundreds
# of deviations out, which would dominate a small network (and overflow float16).
MAX_STANDARD_SCORE = 20.0


def equal_transitions(num_frames: int, num_stages: int) -> tuple[int, ...]:
    """The ``num_stages - 1`` transitions that cut ``num_frames`` frames into equal parts."""
    if num_stages < 1:
        raise ValueError(f"need at least one stage, got {num_stages}")
    return tuple(int(round(num_frames * k / num_stages)) for k in range(1, num_stages))


def stage_bounds(num_frames: int, transitions: Sequence[int]) -> list[tuple[int, int]]:
    """``(start, end)`` frame ranges of the ``len(transitions) + 1`` stages.

    Stage ``k`` spans ``[transitions[k-1], transitions[k])`` with 0 and ``num_frames`` at the
    ends. Transitions outside the clip are clipped into it; a stage that ends up empty keeps
    the one frame at its start so every stage has something to resample.

    Raises:
        ValueError: the clip has no frames or the transitions decrease.
    """
    if num_frames < 1:
        raise ValueError("the clip has no frames")
    cuts = [int(t) for t in transitions]
    if any(b < a for a, b in zip(cuts, cuts[1:])):
        raise ValueError(f"stage transitions must not decrease, got {tuple(cuts)}")
    edges = [0] + [min(max(c, 0), num_frames) for c in cuts] + [num_frames]
    bounds = []
    for start, end in zip(edges, edges[1:]):
        start = min(start, num_frames - 1)
        bounds.append((start, max(end, start + 1)))
    return bounds


def stage_resampled(values: np.ndarray, transitions: Sequence[int] | None, *,
                    num_stages: int = 3,
                    frames_per_stage: int = DEFAULT_FRAMES_PER_STAGE) -> np.ndarray:
    """``values`` ``(T, F)`` as ``(K, L, F)`` float32: every stage resampled to ``L`` frames.

    ``transitions`` holds the ``K - 1`` transition frames; None cuts the clip into
    ``num_stages`` equal parts (then ``K = num_stages``).
    """
    x = np.asarray(values, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"values must have shape (T, F), got {x.shape}")
    if transitions is None:
        transitions = equal_transitions(x.shape[0], num_stages)
    bounds = stage_bounds(x.shape[0], transitions)
    return np.stack([resample(x[start:end], frames_per_stage) for start, end in bounds])


def clip_stage_features(sample: ClipSample, transitions: Sequence[int] | None, *,
                        frames_per_stage: int = DEFAULT_FRAMES_PER_STAGE) -> np.ndarray:
    """The clip's frame features (:func:`~inference.assess.features.frame_features`) as
    ``(K, L, F)`` float32, ``K = len(sample.stage_names)``.

    Raises:
        ValueError: naming the clip, when its keypoints are all missing, its athlete's size is
            unknown, or ``transitions`` does not hold ``K - 1`` frames.
    """
    num_stages = len(sample.stage_names)
    keypoints = np.asarray(sample.keypoints)
    if keypoints.size == 0 or not np.isfinite(keypoints[..., :2]).any():
        raise ValueError(f"clip {sample.key!r} has no known keypoints; pose it before scoring")
    if transitions is not None and len(transitions) != num_stages - 1:
        raise ValueError(f"clip {sample.key!r}: {num_stages} stages need {num_stages - 1} "
                         f"transitions, got {len(transitions)}")
    try:
        values = frame_features(keypoints, sample.schema, fps=sample.fps).values
    except ValueError as error:
        raise ValueError(f"clip {sample.key!r}: {error}") from error
    return stage_resampled(values, transitions, num_stages=num_stages,
                           frames_per_stage=frames_per_stage)


@dataclass(frozen=True)
class FeatureStandardiser:
    """Per-feature ``mean`` and ``std`` ``(F,)`` float32 of the training clips' stage frames."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, features: np.ndarray) -> FeatureStandardiser:
        """From training features ``(N, K, L, F)``."""
        flat = np.asarray(features, dtype=np.float64).reshape(-1, features.shape[-1])
        std = np.maximum(flat.std(axis=0), MIN_FEATURE_STD)
        return cls(flat.mean(axis=0).astype(np.float32), std.astype(np.float32))

    def apply(self, features: np.ndarray) -> np.ndarray:
        """``(..., F)`` standardised, clipped to +-:data:`MAX_STANDARD_SCORE` and rounded to
        float16 precision, returned as float32.

        The exemplar bank is stored as float16; rounding every clip the same way means a
        model scores identically before and after a save/load round trip.
        """
        z = (np.asarray(features, dtype=np.float32) - self.mean) / self.std
        z = np.clip(z, -MAX_STANDARD_SCORE, MAX_STANDARD_SCORE)
        return z.astype(np.float16).astype(np.float32)
