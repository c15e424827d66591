"""The result every stage finder returns, learned or rule-based."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class StagePrediction:
    """Stages found in one clip.

    Attributes:
        transitions: ``K - 1`` frames; stage ``k`` spans ``[transitions[k-1],
            transitions[k])`` with 0 and ``T`` at the ends (as in ``ClipSample``).
        stage_names: the ``K`` stage names, in order.
        per_frame_probs: ``(T, K)`` float32, each row a distribution over the stages.
        confidence: in ``[0, 1]``; for a model the mean over frames of the largest stage
            probability, for a rule a documented heuristic.
    """

    transitions: tuple[int, ...]
    stage_names: tuple[str, ...]
    per_frame_probs: np.ndarray
    confidence: float

    @property
    def num_frames(self) -> int:
        return int(self.per_frame_probs.shape[0])


def one_hot_stages(transitions: tuple[int, ...], num_frames: int, num_stages: int) -> np.ndarray:
    """``(T, K)`` float32 with a 1 in each frame's stage column."""
    stage_of_frame = np.searchsorted(np.asarray(transitions, dtype=np.int64),
                                     np.arange(num_frames), side="right")
    probs = np.zeros((num_frames, num_stages), dtype=np.float32)
    probs[np.arange(num_frames), stage_of_frame] = 1.0
    return probs
