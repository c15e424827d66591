"""Test-split measurements shared by ``plumb train`` and ``plumb evaluate``.

Stage models are measured by AIoU@0.5 / 0.75 (and the mean clip IoU); for diving, the
model-free rules are measured on the same clips so a trained segmenter is always seen next
to what a fresh project already gets. Score models are measured by SRCC and R-l2 (x100)
next to the label-only priors on the same test clips; with only two score values (good /
bad form), ROC AUC as well.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from inference.assess.metrics import r_l2, roc_auc, srcc
from inference.assess.priors import action_mean_prior, difficulty_prior, mean_prior
from inference.assess.sample import ClipSample
from inference.assess.stages import StagePrediction, aiou, clip_ious
from inference.assess.stages.diving_fallback import diving_stages

NO_TEST = "no test clips; run plumb split PROJECT to hold some out, then plumb evaluate"


def _stage_scores(preds: list[tuple[int, ...]], clips: Sequence[ClipSample]) -> dict[str, float]:
    truths = [s.transitions for s in clips]
    lengths = [s.num_frames for s in clips]
    return {"aiou@0.5": aiou(preds, truths, lengths, 0.5), "aiou@0.75": aiou(preds, truths, lengths, 0.75),
            "mean_iou": float(np.mean(clip_ious(preds, truths, lengths)))}


def stage_metrics(predict: Callable[[ClipSample], StagePrediction], test: Sequence[ClipSample],
                  project) -> dict[str, Any]:
    test = [s for s in test if s.transitions]
    if not test:
        return {"n_test": 0, "note": NO_TEST}
    out: dict[str, Any] = {"n_test": len(test),
                           "test": _stage_scores([tuple(predict(s).transitions) for s in test], test)}
    if (project.setting("sport") or "diving") == "diving" and all(len(s.transitions) == 2 for s in test):
        rules = []
        for s in test:
            try:
                rules.append(tuple(diving_stages(s.keypoints, s.schema, s.fps).transitions))
            except ValueError:
                rules.append(_equal_parts(s.num_frames))
        out["motion_rules_test"] = _stage_scores(rules, test)
    return out


def _equal_parts(frames: int) -> tuple[int, int]:
    return (max(1, frames // 3), max(2, 2 * frames // 3))


def score_table(predicted: np.ndarray, test: Sequence[ClipSample], y_min: float, y_max: float) -> dict[str, float]:
    truth = np.array([s.score for s in test], np.float64)
    out = {"srcc": srcc(predicted, truth), "r_l2": r_l2(predicted, truth, y_min, y_max) if y_max > y_min else None}
    values = np.unique(truth)
    if values.size == 2:
        out["auc"] = roc_auc(predicted, truth == values[1])
    return out


PRIORS = {"difficulty": difficulty_prior, "action_mean": action_mean_prior, "mean": mean_prior}


def predict_scores(model, samples: Sequence[ClipSample],
                   transitions_for: Callable[[ClipSample], tuple[int, ...] | None]) -> list:
    """One batched prediction per clip, with the stages each clip is scored by."""
    return model.predict_many(samples, [transitions_for(s) for s in samples])


def score_metrics(method: str, predicted: np.ndarray, train: Sequence[ClipSample],
                  test: Sequence[ClipSample]) -> dict[str, Any]:
    """The model's test figures (``predicted``, one per test clip) beside each label-only
    prior's on the same clips; R-l2 uses the score range over train and test."""
    if not test:
        return {"n_test": 0, "note": NO_TEST}
    scores = [s.score for s in (*train, *test)]
    y_min, y_max = float(min(scores)), float(max(scores))
    table = score_table(np.asarray(predicted, np.float64), test, y_min, y_max)
    priors = {}
    for name, prior in PRIORS.items():
        guessed = prior(train, test)
        if guessed is not None:
            priors[name] = score_table(guessed, test, y_min, y_max)
    best_prior = max((v["srcc"] for v in priors.values() if v["srcc"] == v["srcc"]), default=float("nan"))
    return {"n_test": len(test), "method": method, "test": table, "priors": priors,
            "beats_priors": bool(table["srcc"] > best_prior) if best_prior == best_prior else None}
