"""``plumb train/evaluate --task action`` and the classifier's answer for one clip.

The model file is written in full before its row is added, and every refusal comes before
either, so a failed or cancelled run leaves the project as it was. The test figures are
always shown next to the majority-class prior on the same clips.
"""

from __future__ import annotations

import csv
import functools
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app.assessment.action_data import NO_TEST, decidable, training_clips
from app.assessment.library import Library, library_version, load_library
from app.assessment.plain import plain_json
from app.assessment.registry import ModelRecord, latest_model, new_model_path, register_model
from app.datasets.atomic import write_bytes
from app.errors import AssessmentError
from inference.action.classifier import ActionClassifier, load_action_classifier, train_action_classifier
from inference.action.report import action_report
from inference.assess.checkpoint import CheckpointError
from inference.assess.sample import ClipSample
from inference.assess.training import EpochReport, TrainConfig, pick_device

KIND = "action"
PREDICTION_COLUMNS = ("name", "action", "predicted", "confidence")
UNSURE_BELOW = 0.5     # a top probability below this is reported as unsure, not as the action
ALTERNATIVES = 3


@dataclass(frozen=True)
class ActionOutcome:
    record: ModelRecord
    metrics: dict[str, Any]
    left_out: dict[str, str]


@dataclass(frozen=True)
class ActionEvaluation:
    model_id: int
    metrics: dict[str, Any]
    predictions: list[dict[str, Any]] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "metrics": self.metrics, "left_out": self.left_out, "notes": self.notes}


def _library(project) -> tuple[Library, dict[str, str], dict[str, str | None]]:
    library = load_library(project)
    if library.schema is None:
        raise AssessmentError("no clip has poses yet; run plumb pose or import poses before training")
    clips = project.clips()
    return library, {str(c.id): c.name for c in clips}, {str(c.id): c.athlete for c in clips}


def _test_figures(classifier: ActionClassifier, test: list[ClipSample], train_actions: list[str],
                  names: dict[str, str]) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]]:
    """The report on the decidable test clips, one prediction row each, and the others."""
    rows, left_out = [], {}
    for sample, answer in zip(test, classifier.predict(test)):
        name = names.get(sample.key, sample.key)
        if answer.probabilities is None:
            left_out[name] = answer.unsure or "no prediction"
            continue
        best = int(answer.probabilities.argmax())
        rows.append({"name": name, "action": sample.action, "predicted": classifier.classes[best],
                     "confidence": round(float(answer.probabilities[best]), 4)})
    report = action_report([r["action"] for r in rows], [r["predicted"] for r in rows], train_actions)
    report["n_unsure"] = sum(r["confidence"] < UNSURE_BELOW for r in rows)
    return report, rows, left_out


def _checked_device(config: TrainConfig) -> TrainConfig:
    try:
        return replace(config, device=str(pick_device(config.device)))
    except ValueError as exc:
        raise AssessmentError(str(exc)) from None


def train_action(project, config: TrainConfig, *, progress: Callable[[EpochReport], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> ActionOutcome:
    """Train an action classifier on the project's labelled clips, measure it on the test
    split and register it."""
    config = _checked_device(config)
    version = library_version(project)
    library, names, athletes = _library(project)
    clips = training_clips(library.samples, names, athletes, config.seed)
    try:
        classifier = train_action_classifier(clips.train, clips.val, config=config, progress=progress,
                                             cancelled=cancelled)
    except ValueError as exc:
        raise AssessmentError(str(exc)) from None
    train_actions = [s.action for s in clips.train + clips.val]
    report, _, test_left_out = _test_figures(classifier, clips.test, train_actions, names)
    split = ("held out by athlete here (seed %d)" % config.seed) if clips.made_split else "the project's"
    metrics = report | {"classes": list(classifier.classes), "n_train": len(clips.train), "n_val": len(clips.val),
                        "split": split, "info": classifier.info, "seed": config.seed, "device": config.device}
    path = new_model_path(project, KIND)
    classifier.save(path, extra={"split": clips.made_split or {}})
    record = register_model(project, KIND, path, library.schema, plain_json(metrics), version)
    return ActionOutcome(record, metrics, library.skipped | clips.left_out | test_left_out)


def _load(record: ModelRecord, schema: str) -> tuple[ActionClassifier, dict]:
    try:
        return _cached_load(str(record.path), schema, record.path.stat().st_mtime_ns)
    except CheckpointError as exc:
        raise AssessmentError(f"action model {record.path.name}: {exc}") from None


@functools.lru_cache(maxsize=4)
def _cached_load(path: str, schema: str, _mtime: int) -> tuple[ActionClassifier, dict]:
    # Model files are never rewritten under the same name; the time guards against a copy.
    return load_action_classifier(path, schema)


def _current(project) -> ModelRecord:
    record = latest_model(project, KIND)
    if record is None:
        raise AssessmentError("no trained action model; run plumb train PROJECT --task action first")
    return record


def evaluate_action(project) -> ActionEvaluation:
    """The current action model on the test split: accuracy, recall per action, confusion
    matrix and the majority-class prior, with one prediction per decidable test clip."""
    record = _current(project)
    library, names, _ = _library(project)
    classifier, extra = _load(record, library.schema)
    made = {str(k): v for k, v in (extra.get("split") or {}).items()}
    labelled = [s for s in library.samples if s.action]
    split_of = {s.key: s.split or made.get(s.key) or "train" for s in labelled}
    test = [s for s in labelled if split_of[s.key] == "test"]
    if not test:
        raise AssessmentError(NO_TEST)
    train_actions = [s.action for s in labelled if split_of[s.key] != "test"]
    report, rows, left_out = _test_figures(classifier, test, train_actions, names)
    notes = []
    if record.data_fingerprint != library_version(project):
        notes.append("the library changed since the action model was trained; train it again to use the changes")
    unknown = sorted({s.action for s in test} - set(classifier.classes))
    if unknown:
        notes.append(f"the model never learned {', '.join(map(repr, unknown))}; its test clips count as wrong")
    return ActionEvaluation(record.id, report | {"classes": list(classifier.classes)}, rows, left_out, notes)


def write_action_predictions(path: str | os.PathLike, rows: list[dict[str, Any]]) -> None:
    """``name,action,predicted,confidence`` per row, written atomically."""
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=PREDICTION_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    write_bytes(Path(path), text.getvalue().encode("utf-8"))


def recognise_action(project, clip_id: int) -> dict[str, Any] | None:
    """The current action model's answer for one clip, or None when there is no action model.

    ``label`` is None, with ``unsure`` saying why, when the clip has too few posed frames or
    the model's best answer is below :data:`UNSURE_BELOW`; ``alternatives`` are the top
    answers with their probabilities either way.

    Raises:
        AssessmentError: the model was trained on another skeleton than the clip's poses, or
            its file is damaged.
        ProjectError: there is no such clip.
    """
    project.clip(clip_id)  # an unknown clip is an error, not "no poses"
    record = latest_model(project, KIND)
    if record is None:
        return None
    answer = {"source": "classifier", "label": None, "confidence": 0.0, "model_id": record.id,
              "alternatives": [], "unsure": None}
    library = load_library(project, [clip_id])
    if not library.samples:
        return answer | {"unsure": next(iter(library.skipped.values()), "the clip has no poses")}
    sample = library.samples[0]
    classifier, _ = _load(record, sample.schema)
    kept, left_out = decidable([sample], {})
    if not kept:
        return answer | {"unsure": next(iter(left_out.values()))}
    probabilities = classifier.predict(kept)[0].probabilities
    order = probabilities.argsort()[::-1]
    best = float(probabilities[order[0]])
    answer |= {"confidence": round(best, 4),
               "alternatives": [{"label": classifier.classes[i], "confidence": round(float(probabilities[i]), 4)}
                                for i in order[:ALTERNATIVES]]}
    if best < UNSURE_BELOW:
        return answer | {"unsure": f"the classifier is unsure: its best answer, {classifier.classes[order[0]]}, "
                                   f"has probability {best:.2f}"}
    return answer | {"label": classifier.classes[order[0]]}
