"""Trainable quality-score models of METHODS.md §3.

* :mod:`~inference.assess.score.stage_tokens`: clips as ``(K, L, F)`` stage-resampled features.
* :mod:`~inference.assess.score.encoder`: :class:`PoseEncoder`, features to stage tokens.
* :mod:`~inference.assess.score.contrastive`: exemplar contrastive regression with voting.
* :mod:`~inference.assess.score.coarse_fine`: the coarse-to-fine grade head with a fixed ETF.
* :mod:`~inference.assess.score.model`: :func:`train_score_model`, :class:`ScoreModel`,
  :func:`load_score_model`.
"""

from inference.assess.score.coarse_fine import CoarseFineHead, GradeScale, simplex_etf
from inference.assess.score.contrastive import ExemplarBank, ExemplarScorer
from inference.assess.score.encoder import PoseEncoder
from inference.assess.score.model import (
    MIN_TRAIN_CLIPS, ScoreModel, ScorePrediction, ScoreSettings, load_score_model, train_score_model,
)
from inference.assess.score.stage_tokens import FeatureStandardiser, stage_resampled

__all__ = [
    "MIN_TRAIN_CLIPS", "CoarseFineHead", "ExemplarBank", "ExemplarScorer", "FeatureStandardiser",
    "GradeScale", "PoseEncoder", "ScoreModel", "ScorePrediction", "ScoreSettings", "load_score_model",
    "simplex_etf", "stage_resampled", "train_score_model",
]
