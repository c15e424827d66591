"""The project's own pose model: fine-tuned on the annotator's corrections (predict -> correct ->
retrain), registered like the assessment models, and measured against the bundled one.

A frame counts as corrected when an annotator reviewed it (every placed joint of it is then
trusted) or moved at least MIN_MANUAL_JOINTS of its joints by hand (those joints are trusted).
Frames are held out for validation in blocks of consecutive frames, so a held-out frame's
near-identical neighbours are not in training.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select

from app.agreement import oks_sigmas
from app.assessment.registry import ModelRecord, latest_model, new_model_path, register_model
from app.errors import PlumbError
from app.media.frame_source import FrameSource
from app.store.models import WORKING_LAYER, PoseFrame
from app.store.pose_rows import row_arrays
from inference.metrics.keypoints import head_error, oks, pckh
from inference.pose.base import PoseBackendError
from inference.pose.blazepose import LandmarkNet, LandmarkRunner
from inference.pose.landmark_finetune import (
    ERROR_CAP,
    Cancelled,
    EpochResult,
    FinetuneConfig,
    LabelledFrame,
    compact,
    finetune,
    load_landmark_model,
    predict_in_regions,
    save_landmark_model,
    validation_pckh,
)
from inference.pose.landmark_models import heavy_model
from inference.provenance import JointSource
from inference.skeletons import get_skeleton

TASK = "pose"
# Fewer corrected joints than this on an unreviewed frame say too little about the body.
MIN_MANUAL_JOINTS = 4
# Below this many corrected frames (one frame in ten of a 100-frame clip), a fine-tune has too
# few to learn from and its validation (a fifth of them, two frames here) nothing to go by.
MIN_CORRECTED_FRAMES = 10
# Frames are held out in blocks of this many consecutive frames; every VAL_EVERY-th block.
BLOCK, VAL_EVERY = 10, 5
# Training frames this close to a held-out frame are left out of training.
NEIGHBOURS = 2


@dataclass(frozen=True)
class Correction:
    clip_id: int
    frame: int
    keypoints: np.ndarray  # (J, 2) pixels
    labelled: np.ndarray  # (J,) bool
    schema: str

    @property
    def held_out(self) -> bool:
        return (self.frame // BLOCK) % VAL_EVERY == VAL_EVERY - 1


def corrections(project) -> list[Correction]:
    """The corrected frames of the working layer, in clip and frame order."""
    found = []
    with project.store.reading() as session:
        rows = session.scalars(select(PoseFrame).where(PoseFrame.layer == WORKING_LAYER)
                               .order_by(PoseFrame.clip_id, PoseFrame.frame))
        for row in rows:
            keypoints, _, source = row_arrays(row)
            placed = np.isfinite(keypoints[:, :2]).all(axis=1)
            manual = placed & (source == JointSource.MANUAL)
            labelled = placed if row.reviewed else manual
            if row.reviewed or manual.sum() >= MIN_MANUAL_JOINTS:
                found.append(Correction(row.clip_id, row.frame, np.nan_to_num(keypoints[:, :2]), labelled, row.schema))
    return found


def _check_enough(found: list[Correction]) -> None:
    if len(found) < MIN_CORRECTED_FRAMES:
        raise PlumbError(f"The project has {len(found)} corrected frames; fine-tuning needs at least "
                         f"{MIN_CORRECTED_FRAMES}. Correct more frames (or mark them reviewed) and try again.")
    schemas = {c.schema for c in found}
    if len(schemas) > 1:
        raise PlumbError(f"The corrected frames are in several skeletons ({', '.join(sorted(schemas))}); "
                         "fine-tuning needs one.")
    if "head_top" not in get_skeleton(found[0].schema).joint_names:
        raise PlumbError(f"Fine-tuning is measured by PCKh, which needs MPII's head joints; the corrections are "
                         f"{found[0].schema}. Annotate in mpii16.")


def split_corrections(found: list[Correction]) -> tuple[list[Correction], list[Correction]]:
    """(training, held-out) corrections: whole blocks are held out, and a training frame next
    to a held-out one is left out, being nearly the same picture."""
    val = [c for c in found if c.held_out]
    held = {(c.clip_id, c.frame) for c in val}
    train = [c for c in found if not c.held_out
             and not any((c.clip_id, c.frame + d) in held for d in range(-NEIGHBOURS, NEIGHBOURS + 1))]
    return train, val


def _labelled_frames(project, found: list[Correction]) -> list[LabelledFrame]:
    frames = []
    clips = {c.id: c for c in project.clips()}
    by_clip: dict[int, list[Correction]] = {}
    for c in found:
        by_clip.setdefault(c.clip_id, []).append(c)
    for clip_id, items in by_clip.items():
        problem = project.media_problem(clips[clip_id])
        if problem:
            raise PlumbError(problem)
        with FrameSource(project.video_path(clips[clip_id])) as source:
            frames += [compact(LabelledFrame(source.frame(c.frame), c.keypoints, c.labelled, c.schema))
                       for c in items]
    return frames


@dataclass(frozen=True)
class PoseTrainOutcome:
    record: ModelRecord
    metrics: dict


def train_pose_model(project, config: FinetuneConfig, progress: Callable[[EpochResult], None] | None = None,
                     cancelled: Callable[[], bool] | None = None) -> PoseTrainOutcome:
    """Fine-tune on the corrections and register the model; the file is written only when the
    run finishes and beats the bundled model on the held-out frames, so a cancelled, killed or
    fruitless run leaves the project's models as they were."""
    found = corrections(project)
    _check_enough(found)
    train, val = split_corrections(found)
    if not val or not train:
        raise PlumbError(f"The {len(found)} corrected frames all fall in one block of {BLOCK} frames; "
                         "correct frames further apart so some can be held out for validation.")
    frames = _labelled_frames(project, found)
    by_key = {(c.clip_id, c.frame): f for c, f in zip(found, frames)}
    try:
        result = finetune([by_key[(c.clip_id, c.frame)] for c in train], [by_key[(c.clip_id, c.frame)] for c in val],
                          config, progress=progress, cancelled=cancelled)
    except Cancelled:
        raise PlumbError("Fine-tuning was cancelled; the project's models are as they were.") from None
    if not result.val_error < result.base_val_error:
        # A model no better than the bundled one would only replace it with a worse copy.
        raise PlumbError(f"Fine-tuning did not beat the bundled model on the {len(val)} held-out frames "
                         f"(mean joint error {result.val_error:.3f} head lengths against {result.base_val_error:.3f}; "
                         f"PCKh@0.5 {result.val_pckh:.3f} against {result.base_val_pckh:.3f}); nothing was saved. "
                         "Correct more frames, or train for more epochs. Auto-annotating the clip again (plumb pose "
                         "--rerun) follows the corrected frames without a fine-tuned model.")
    metrics = {"val_pckh": round(result.val_pckh, 4), "bundled_val_pckh": round(result.base_val_pckh, 4),
               "val_error": round(result.val_error, 4), "bundled_val_error": round(result.base_val_error, 4),
               "best_epoch": result.best_epoch, "n_train": len(train), "n_val": len(val),
               "seed": config.seed, "device": config.device}
    heavy = heavy_model()
    if heavy is not None:  # what the bundled model's poses are read with, on the same frames
        val_frames = [by_key[(c.clip_id, c.frame)] for c in val]
        metrics["heavy_val_pckh"] = round(validation_pckh(LandmarkRunner.for_file(heavy), val_frames, found[0].schema), 4)
    path = new_model_path(project, TASK)
    save_landmark_model(path, result.net, found[0].schema,
                        extra={"val_frames": [[c.clip_id, c.frame] for c in val]})
    record = register_model(project, TASK, path, found[0].schema, metrics, f"{len(found)} corrected frames")
    return PoseTrainOutcome(record, metrics)


def heavy_clause(metrics: dict) -> str:
    """BlazePose heavy's figure on the same frames, when it was measured (it is installed): the
    bundled model's poses are read with it, so that is the figure a fine-tune has to beat."""
    if "heavy_val_pckh" not in metrics:
        return ""
    verdict = "" if metrics["val_pckh"] > metrics["heavy_val_pckh"] else ", which reads these frames better"
    return f" and {metrics['heavy_val_pckh']:.3f} for BlazePose heavy{verdict}"


def latest_pose_model(project) -> Path | None:
    record = latest_model(project, TASK)
    return None if record is None else record.path


def load_project_network(project) -> LandmarkNet:
    """The project's newest fine-tuned network; PlumbError when there is none or it is unusable."""
    path = latest_pose_model(project)
    if path is None:
        raise PlumbError("This project has no fine-tuned pose model yet: correct frames, then run "
                         "`plumb train PROJECT --task pose`.")
    try:
        return load_landmark_model(path)[0]
    except PoseBackendError as exc:
        raise PlumbError(str(exc)) from exc


def evaluate_pose(project) -> dict:
    """PCKh@0.5, OKS and mean joint error (head lengths) of the project's pose model and of the bundled one (and of BlazePose
    heavy where installed), on corrected frames the model was not trained on (its held-out
    frames; all corrected frames without a model)."""
    found = corrections(project)
    if not found:
        raise PlumbError("The project has no corrected frames to measure on; correct some frames first.")
    path = latest_pose_model(project)
    networks: dict[str, LandmarkRunner] = {"bundled": LandmarkRunner.for_inference()}
    heavy = heavy_model()
    if heavy is not None:
        networks["heavy"] = LandmarkRunner.for_file(heavy)
    frames_used = found
    if path is not None:
        try:
            net, extra = load_landmark_model(path)
        except PoseBackendError as exc:
            raise PlumbError(str(exc)) from exc
        held = {tuple(int(v) for v in pair) for pair in np.asarray(extra.get("val_frames", [])).reshape(-1, 2).tolist()}
        frames_used = [c for c in found if (c.clip_id, c.frame) in held]
        networks = {"project": LandmarkRunner.for_inference(net), **networks}
    if not frames_used:
        raise PlumbError("None of the frames the model was validated on is still corrected; train it again.")
    schema = frames_used[0].schema
    frames = _labelled_frames(project, frames_used)
    truth = np.stack([f.keypoints for f in frames])
    labelled = np.stack([f.labelled for f in frames])
    sizes = [_area(f) for f in frames]
    sigmas, _ = oks_sigmas(schema)  # the same per-joint sigmas as `plumb agreement`
    if sigmas is None:
        raise PlumbError(f"OKS has no per-joint sigmas for {schema}.")
    report = {"frames": len(frames), "model": None if path is None else str(path)}
    for name, runner in networks.items():
        predicted = predict_in_regions(runner, frames, schema)
        report[name] = {"pckh": round(float(pckh(predicted, truth, labelled).overall), 4),
                        "oks": round(float(np.nanmean(oks(predicted, truth, labelled, np.array(sizes), sigmas))), 4),
                        "error": round(head_error(predicted, truth, labelled, ERROR_CAP), 4)}
    return report


def _area(frame: LabelledFrame) -> float:
    xy = frame.keypoints[frame.labelled]
    if len(xy) < 2:
        return math.nan
    (x1, y1), (x2, y2) = xy.min(axis=0), xy.max(axis=0)
    return float((x2 - x1) * (y2 - y1))
