"""Label-only baselines every score report shows beside a model (METHODS.md §3).

On FineDiving the degree of difficulty alone reaches SRCC ~0.565 and the mean score of the
same dive number ~0.59. A pose model that does not beat these has learned the labels, not the
movement. The priors see only labels (score, action, difficulty), never the poses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from inference.assess.metrics import r_l2, srcc
from inference.assess.sample import ClipSample


def _known(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _train_scores(train: Sequence[ClipSample]) -> np.ndarray:
    """``(N,)`` float64 scores of the training clips; every one must have a score."""
    if len(train) == 0:
        raise ValueError("the priors need at least one training clip with a score")
    unscored = [clip.key for clip in train if not _known(clip.score)]
    if unscored:
        raise ValueError(
            f"{len(unscored)} training clip(s) have no score (e.g. {unscored[0]!r}); "
            "pass only scored clips to the priors"
        )
    return np.array([clip.score for clip in train], dtype=np.float64)


def mean_prior(train: Sequence[ClipSample], test: Sequence[ClipSample]) -> np.ndarray:
    """``(M,)`` the mean training score for every test clip.

    A constant prediction has no ranking, so its SRCC is ``nan``; it is reported for its R-l2.
    """
    return np.full(len(test), _train_scores(train).mean(), dtype=np.float64)


def action_mean_prior(train: Sequence[ClipSample], test: Sequence[ClipSample]) -> np.ndarray:
    """``(M,)`` for each test clip, the mean training score of clips with the same action.

    Actions never seen in training fall back to the overall training mean. ``None`` is a group
    of its own only when training clips without an action exist.
    """
    scores = _train_scores(train)
    totals: dict[str | None, list[float]] = {}
    for clip, score in zip(train, scores):
        totals.setdefault(clip.action, []).append(float(score))
    group_means = {action: float(np.mean(values)) for action, values in totals.items()}
    overall = float(scores.mean())
    return np.array([group_means.get(clip.action, overall) for clip in test], dtype=np.float64)


def difficulty_prior(train: Sequence[ClipSample], test: Sequence[ClipSample]) -> np.ndarray | None:
    """``(M,)`` least-squares ``score ~ a + b * difficulty`` fitted on train, predicted for test.

    None when any training or test clip lacks a difficulty, or when all training clips share
    one difficulty (no slope can be fitted).
    """
    scores = _train_scores(train)
    if not all(_known(clip.difficulty) for clip in (*train, *test)):
        return None
    difficulty = np.array([clip.difficulty for clip in train], dtype=np.float64)
    centred = difficulty - difficulty.mean()
    spread = float((centred * centred).sum())
    if spread == 0.0:
        return None
    slope = float((centred * (scores - scores.mean())).sum()) / spread
    intercept = float(scores.mean()) - slope * float(difficulty.mean())
    test_difficulty = np.array([clip.difficulty for clip in test], dtype=np.float64)
    return intercept + slope * test_difficulty


def prior_report(train: Sequence[ClipSample], test: Sequence[ClipSample]) -> dict[str, dict[str, float]]:
    """SRCC and R-l2 (x100) of each available prior on the test clips.

    Keys are ``"difficulty"`` (only when :func:`difficulty_prior` applies), ``"action_mean"``
    and ``"mean"``; each maps to ``{"srcc": ..., "r_l2": ...}``. R-l2 uses the score range of
    train and test together; it is ``nan`` when all those scores are equal. The mean prior's
    SRCC is always ``nan`` (a constant has no ranking).

    Raises:
        ValueError: no test clips, a test clip without a score, or a training clip without one.
    """
    if len(test) == 0:
        raise ValueError("the prior report needs at least one test clip")
    unscored = [clip.key for clip in test if not _known(clip.score)]
    if unscored:
        raise ValueError(
            f"{len(unscored)} test clip(s) have no score (e.g. {unscored[0]!r}); "
            "the priors are judged against test scores, so score or drop those clips"
        )
    truth = np.array([clip.score for clip in test], dtype=np.float64)
    every_score = np.concatenate([_train_scores(train), truth])
    y_min, y_max = float(every_score.min()), float(every_score.max())

    predictions: dict[str, np.ndarray | None] = {
        "difficulty": difficulty_prior(train, test),
        "action_mean": action_mean_prior(train, test),
        "mean": mean_prior(train, test),
    }
    report: dict[str, dict[str, float]] = {}
    for name, predicted in predictions.items():
        if predicted is None:
            continue
        report[name] = {
            "srcc": srcc(predicted, truth),
            "r_l2": r_l2(predicted, truth, y_min, y_max) if y_max > y_min else float("nan"),
        }
    return report
