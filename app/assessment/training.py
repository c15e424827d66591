"""``plumb train``: fit a stage or score model on the project's labelled clips.

The model file is written in full before its row is added, so a cancelled or failed run
leaves the project as it was. Every score model is reported against the label-only priors
on the same test split (METHODS.md §3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from app.assessment.library import Library, library_version, load_library
from app.assessment.metrics import predict_scores, score_metrics, stage_metrics
from app.assessment.plain import plain_json
from app.assessment.registry import ModelRecord, new_model_path, register_model
from app.assessment.stage_finder import StageFinder
from app.errors import AssessmentError
from inference.assess.score.model import train_score_model
from inference.assess.stages.segmenter import train_segmenter
from inference.assess.training import EpochReport, TrainConfig, pick_device

TASKS = ("stages", "score")


@dataclass(frozen=True)
class TrainOutcome:
    record: ModelRecord
    metrics: dict[str, Any]
    skipped: dict[str, str]


def _library(project) -> Library:
    library = load_library(project)
    if library.schema is None:
        raise AssessmentError("no clip has poses yet; run plumb pose or import poses before training")
    return library


def _checked_device(config: TrainConfig) -> TrainConfig:
    try:
        device = pick_device(config.device)
    except ValueError as exc:
        raise AssessmentError(str(exc)) from None
    return replace(config, device=str(device))


def train(project, task: str, config: TrainConfig, *, method: str = "auto",
          progress: Callable[[EpochReport], None] | None = None,
          cancelled: Callable[[], bool] | None = None) -> TrainOutcome:
    """Train a model for ``task`` (``"stages"`` or ``"score"``) and register it."""
    if task not in TASKS:
        raise AssessmentError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    config = _checked_device(config)
    version = library_version(project)
    library = _library(project)
    samples = library.samples
    path = new_model_path(project, task)
    try:
        if task == "stages":
            labelled = [s for s in samples if s.transitions]
            names = _common_stage_names(labelled)
            model = train_segmenter(labelled, stage_names=names, config=config, progress=progress,
                                    cancelled=cancelled)
            test = [s for s in labelled if s.split == "test"]
            metrics = stage_metrics(model.predict, test, project) | {
                "n_labelled": len(labelled), "best_epoch": model.best_epoch, "val_mean_iou": model.best_val}
        else:
            finder = StageFinder(project, library.schema)
            scored = [s for s in samples if s.score is not None]
            model = train_score_model(scored, method=method, config=config, transitions_for=finder.transitions,
                                      progress=progress, cancelled=cancelled)
            train_part = [s for s in scored if s.split != "test"]
            test = [s for s in scored if s.split == "test"]
            predicted = [p.score for p in predict_scores(model, test, finder.transitions)]
            metrics = score_metrics(model.method, predicted, train_part, test) | {
                "n_scored": len(scored), "info": plain_json(model.info)}
    except ValueError as exc:
        raise AssessmentError(str(exc)) from None
    metrics |= {"seed": config.seed, "device": config.device}
    model.save(path)
    record = register_model(project, task, path, library.schema, plain_json(metrics), version)
    return TrainOutcome(record, metrics, library.skipped)


def _common_stage_names(samples) -> tuple[str, ...]:
    counts = {len(s.stage_names) for s in samples}
    if len(counts) > 1:
        raise AssessmentError("the labelled clips have different numbers of stages "
                              f"({', '.join(map(str, sorted(counts)))}); relabel them with one stage list")
    return tuple(samples[0].stage_names) if samples else ()
