"""Sub-action stages of a movement (METHODS.md §2).

* :mod:`~inference.assess.stages.prediction`: :class:`StagePrediction`, what every stage
  finder returns.
* :mod:`~inference.assess.stages.aiou`: stage intervals, clip IoU and AIoU@d.
* :mod:`~inference.assess.stages.decode`: the most probable ordered change points.
* :mod:`~inference.assess.stages.segmenter`: the Bi-GRU stage segmenter, its training and
  its model file.
* :mod:`~inference.assess.stages.diving_fallback`: dive stages from body motion alone, for
  a project without a trained segmenter.
"""

from inference.assess.stages.aiou import AIOU_THRESHOLDS, aiou, clip_iou, clip_ious, stage_intervals
from inference.assess.stages.decode import best_transitions
from inference.assess.stages.diving_fallback import diving_stages
from inference.assess.stages.prediction import StagePrediction, one_hot_stages
from inference.assess.stages.segmenter import (
    MIN_TRAIN_CLIPS,
    StageSegmenter,
    TrainedSegmenter,
    load_segmenter,
    train_segmenter,
)

__all__ = [
    "AIOU_THRESHOLDS",
    "MIN_TRAIN_CLIPS",
    "StagePrediction",
    "StageSegmenter",
    "TrainedSegmenter",
    "aiou",
    "best_transitions",
    "clip_iou",
    "clip_ious",
    "diving_stages",
    "load_segmenter",
    "one_hot_stages",
    "stage_intervals",
    "train_segmenter",
]
