"""``plumb evaluate``: the project's current models measured on its test split, next to
the label-only priors, with one prediction per scored clip for a researcher's own analysis."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from typing import Any

from app.assessment.library import library_version, load_library
from app.assessment.metrics import NO_TEST, predict_scores, score_metrics, stage_metrics
from app.assessment.registry import latest_model
from app.assessment.stage_finder import StageFinder
from app.datasets.atomic import write_bytes
from app.errors import AssessmentError
from inference.assess.checkpoint import CheckpointError
from inference.assess.score.model import load_score_model

PREDICTION_COLUMNS = ("clip_id", "name", "split", "action", "truth", "prediction", "spread", "grade")


@dataclass(frozen=True)
class Evaluation:
    stages: dict[str, Any] | None
    score: dict[str, Any] | None
    predictions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"stages": self.stages, "score": self.score, "notes": self.notes}


def evaluate(project) -> Evaluation:
    library = load_library(project)
    if library.schema is None:
        raise AssessmentError("no clip has poses yet; nothing to evaluate")
    notes: list[str] = []
    stages = score = None
    predictions: list[dict[str, Any]] = []
    finder = StageFinder(project, library.schema)
    stage_record = finder.record
    if stage_record is None:
        notes.append("no trained stage model (plumb train PROJECT --task stages)")
    else:
        segmenter = finder.segmenter
        test = [s for s in library.samples if s.split == "test" and s.transitions]
        stages = {"model_id": stage_record.id} | stage_metrics(segmenter.predict, test, project)
    score_record = latest_model(project, "score")
    if score_record is None:
        notes.append("no trained score model (plumb train PROJECT --task score)")
    else:
        try:
            model = load_score_model(score_record.path, library.schema)
        except CheckpointError as exc:
            raise AssessmentError(f"score model {score_record.path.name}: {exc}") from None
        scored = [s for s in library.samples if s.score is not None]
        predicted = predict_scores(model, scored, finder.transitions)
        test = [(s, p.score) for s, p in zip(scored, predicted) if s.split == "test"]
        train = [s for s in scored if s.split != "test"]
        score = {"model_id": score_record.id} | score_metrics(model.method, [p for _, p in test], train,
                                                              [s for s, _ in test])
        names = {c.id: c.name for c in project.clips()}
        for sample, p in zip(scored, predicted):
            predictions.append({"clip_id": int(sample.key), "name": names.get(int(sample.key), ""),
                                "split": sample.split or "", "action": sample.action or "",
                                "truth": sample.score, "prediction": p.score, "spread": p.spread,
                                "grade": p.grade})
        if score_record.data_fingerprint != library_version(project):
            notes.append("the library changed since the score model was trained")
    if (stages or {}).get("note") == NO_TEST or (score or {}).get("note") == NO_TEST:
        notes.append(NO_TEST)
    return Evaluation(stages, score, predictions, notes)


def write_predictions(path: str | os.PathLike, rows: list[dict[str, Any]]) -> None:
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=PREDICTION_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in PREDICTION_COLUMNS})
    write_bytes(path, text.getvalue().encode("utf-8"))
