"""``plumb analyze``: one clip's stages, score, grade, skill dimensions and feedback,
stored as an assessment.

No number is shown that a model did not produce: without a trained score model the score
is None and the result says so. The skill dimensions need no model; they compare the clip
with the exemplar the coach chose for it (:mod:`app.exemplars`), else with the project's
reference clips: the best-scored clips of the same action (else of any action), at most
:data:`MAX_REFERENCES`, never the clip itself. Diving faults are judged by the rules and need
no reference. The action is recognised (for diving, the dive number read from the poses;
:mod:`app.action_recognition`). Stages found by a model or the motion rules are stored as the clip's "model"
stages, which the timeline shows under the expert's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import select

from app.action_recognition import clip_camera, read_clip_dive, recognised_action
from app.assessment.action import recognise_action
from app.assessment.library import ScoredClip, clip_key, library_version, load_library, scored_clips_with_poses
from app.assessment.plain import plain_json
from app.assessment.registry import latest_model
from app.assessment.splash import entry_splash
from app.assessment.stage_finder import EXPERT, SINGLE, StageFinder
from app.edits.validation import check_stages
from app.errors import AssessmentError, EditError
from app.exemplars import CHOSEN, exemplar_of
from app.store.events import LabelsChanged, StagesChanged
from app.store.models import Assessment, StageLabel, utc_now
from inference.assess.checkpoint import CheckpointError
from inference.assess.dimensions import compute_dimensions
from inference.assess.diving_faults import measure_diving_faults
from inference.assess.feedback import fault_feedback, feedback
from inference.assess.sample import ClipSample
from inference.assess.score.model import load_score_model
from inference.sports.diving import award_band, parse_dive_number

MAX_REFERENCES = 5
NO_SCORE_MODEL = "no trained score model yet (plumb train PROJECT --task score)"


@dataclass(frozen=True)
class AnalysisResult:
    clip_id: int
    stages: dict[str, Any] | None
    score: float | None
    spread: float | None
    grade: str | None
    score_note: str | None
    exemplars: list[dict[str, Any]]
    dimensions: dict[str, Any] | None
    dimensions_note: str | None
    faults: list[dict[str, Any]]
    feedback: list[dict[str, Any]]
    assessment_id: int | None = None
    model_id: int | None = None
    references: list[int] = field(default_factory=list)
    splash: dict[str, float] | None = None  # entry splash and the references' median, from video
    exemplar: dict[str, Any] | None = None  # the clip it is compared with (app.exemplars.ExemplarChoice)
    action: dict[str, Any] | None = None  # the recognised action (app.action_recognition.recognised_action)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def reference_ids(clip_id: int, action: str | None, candidates: list[ScoredClip]) -> list[int]:
    """The best-scored clips of ``action`` (else of any action), never the clip itself."""
    scored = [c for c in candidates if c.clip_id != clip_id]
    same = [c for c in scored if action is not None and c.action == action]
    return [c.clip_id for c in sorted(same or scored, key=lambda c: (-c.score, c.clip_id))[:MAX_REFERENCES]]


def judges_award(score: float, difficulty: float | None) -> str | None:
    """A dive's score as the judges' award scale (METHODS §5): the three counted marks sum to
    score / DD, so one mark is about score / (3 DD), read on the half-point scale."""
    if difficulty is None or difficulty <= 0:
        return None
    mark = min(10.0, max(0.0, round(2 * score / (3 * difficulty)) / 2))
    return f"{award_band(mark)} (about {mark:g} per judge)"


def _splash(project, clip_id: int, entry: int, references: list[ClipSample],
            reference_cuts: list[tuple[int, ...] | None]) -> dict[str, float] | None:
    value = entry_splash(project, clip_id, entry)
    if value is None:
        return None
    theirs = []
    for reference, cuts in zip(references, reference_cuts):
        if cuts is not None and len(cuts) == 2:
            measured = entry_splash(project, int(reference.key), cuts[1])
            if measured is not None:
                theirs.append(measured)
    return {"value": value, "reference": float(np.median(theirs))} if theirs else {"value": value}


def _with_valid_dive_number(sample: ClipSample) -> ClipSample:
    """The sample, without its action when that is not a dive number: the checks that depend
    on the number are skipped (``plumb check`` reports the number), the others still run."""
    try:
        if sample.action:
            parse_dive_number(sample.action)
    except ValueError:
        return replace(sample, action=None)
    return sample


def _classifier_answer(project, clip_id: int) -> dict[str, Any] | None:
    """The action classifier's answer, or why it could not give one (the analysis goes on)."""
    try:
        return recognise_action(project, clip_id)
    except AssessmentError as exc:
        return {"source": "classifier", "label": None, "confidence": 0.0, "alternatives": [], "unsure": str(exc)}


def analyze(project, clip_id: int, *, level: str = "intermediate", store: bool = True) -> AnalysisResult:
    clip = project.clip(clip_id)  # raises a clear error for an unknown id
    record = latest_model(project, "score")
    own = load_library(project, [clip_id], schema=record.schema if record else None)
    sample = own.samples[0] if own.samples else None
    if sample is None:
        why = own.skipped.get(clip.name, "no poses")
        raise AssessmentError(f"clip {clip_id} ({clip.name}) cannot be analysed: {why}")
    sport = project.setting("sport") or "diving"
    finder = StageFinder(project, own.schema)
    camera = None
    if not sample.transitions and finder.needs_motion_rules:
        # The motion rules read heights in the scene: a camera following the diver moves them.
        camera = clip_camera(project, clip, sample.num_frames)
    found = finder.find(sample, camera=camera[0] if camera else None)
    transitions = tuple(found.prediction.transitions) if found else None
    stages = None if found is None else {
        "names": list(found.prediction.stage_names), "transitions": list(transitions),
        "source": found.source, "confidence": float(found.prediction.confidence)}
    dive, camera_note = None, None
    if sport == "diving" and transitions is not None and len(transitions) == 2:
        dive, camera_note = read_clip_dive(project, clip, sample, transitions, camera=camera)
    action = recognised_action(dive, camera_note, _classifier_answer(project, clip_id))
    # A clip without a typed label is compared with clips of the action recognised in it.
    recognised = (action or {}).get("label")
    exemplar = exemplar_of(project, clip_id, recognised=recognised)
    if exemplar is not None and exemplar.how == CHOSEN:  # the coach's choice is the comparison
        wanted = [exemplar.clip_id]
    else:
        wanted = reference_ids(clip_id, clip.action or clip.dive_number or recognised,
                               scored_clips_with_poses(project))
    # Only the clip and its references are loaded: a library of thousands of clips stays cheap.
    library = load_library(project, wanted, schema=own.schema)
    samples = {s.key: s for s in library.samples}

    score = spread = grade = None
    note, exemplars, model_id = NO_SCORE_MODEL, [], None
    if record is not None:
        try:
            model = load_score_model(record.path, own.schema)
            prediction = model.predict(sample, transitions)
        except (CheckpointError, ValueError) as exc:
            raise AssessmentError(f"score model {record.path.name}: {exc}") from None
        score, spread, grade, note, model_id = prediction.score, prediction.spread, prediction.grade, None, record.id
        if sport == "diving":
            grade = judges_award(score, sample.difficulty) or grade
        exemplars = [{"clip_id": int(key) if key.isdigit() else None, "key": key, "score": s, "vote": v}
                     for key, s, v in prediction.exemplars]
        if record.data_fingerprint != library_version(project):
            note = "the library changed since this model was trained; retrain for up-to-date scores"

    references = [samples[clip_key(i)] for i in wanted if clip_key(i) in samples]
    reference_cuts = [finder.transitions(r) for r in references]
    report, dimensions_note = None, None
    if references:
        try:
            report = compute_dimensions(sample, references, transitions=transitions,
                                        reference_transitions=reference_cuts)
        except ValueError as exc:
            dimensions_note = str(exc)
    elif exemplar is not None and exemplar.how == CHOSEN:
        why = library.skipped.get(exemplar.name, "its poses could not be read")
        dimensions_note = f"the exemplar {exemplar.name} cannot be compared with: {why}"
    else:
        dimensions_note = ("skill dimensions need an exemplar: choose one with Compare with…, "
                           "or give scores to some clips of this action")
    faults, splash = [], None
    if sport == "diving" and transitions is not None and len(transitions) == 2:
        splash = _splash(project, clip_id, transitions[1], references, reference_cuts)
        faults = measure_diving_faults(_with_valid_dive_number(sample), transitions,
                                       splash=(splash or {}).get("value"),
                                       splash_reference=(splash or {}).get("reference"))
    if report is not None:
        items = feedback(report, faults, sport=sport, level=level, stage_names=sample.stage_names)
    else:  # the faults are judged by the rules of the sport: no reference needed
        items = fault_feedback(faults, num_frames=sample.num_frames, level=level,
                               stage_names=sample.stage_names, transitions=transitions)
    dims = None if report is None else {
        "overall": report.overall,
        "items": [asdict(d) for d in report.dimensions]}
    result = AnalysisResult(
        clip_id=clip_id, stages=stages, score=score, spread=spread, grade=grade, score_note=note,
        exemplars=exemplars, dimensions=dims, dimensions_note=dimensions_note,
        faults=[asdict(f) for f in faults], feedback=[asdict(i) for i in items], model_id=model_id,
        splash=splash, exemplar=None if exemplar is None else exemplar.to_json(),
        references=[int(r.key) for r in references], action=plain_json(action))
    if store:
        result = store_analysis(project, result)
    return result


def store_analysis(project, result: AnalysisResult) -> AnalysisResult:
    """Keep an analysis as the clip's newest assessment (and its found stages on the timeline)."""
    with project.store.transaction() as tx:
        row = Assessment(clip_id=result.clip_id, model_id=result.model_id, score=result.score,
                         spread=result.spread, grade=result.grade, stages=plain_json(result.stages),
                         dimensions=plain_json(result.dimensions),
                         feedback=plain_json(result.feedback),
                         notes=plain_json({"score": result.score_note, "dimensions": result.dimensions_note,
                                           "exemplar": result.exemplar, "faults": result.faults}),
                         action=plain_json(result.action))
        tx.session.add(row)
        tx.session.flush()
        tx.announce(LabelsChanged(result.clip_id))
        stages = result.stages
        if stages is not None and stages["source"] not in (EXPERT, SINGLE) and _valid_stages(project, result):
            # What the analysis found fills the timeline's predicted-stage band.
            predicted = tx.session.scalars(select(StageLabel).where(StageLabel.clip_id == result.clip_id,
                                                                    StageLabel.source == "model")).first()
            if predicted is None:
                predicted = StageLabel(clip_id=result.clip_id, source="model")
                tx.session.add(predicted)
            predicted.stage_names, predicted.transitions = list(stages["names"]), list(stages["transitions"])
            predicted.annotator, predicted.updated_at = stages["source"], utc_now()
            tx.announce(StagesChanged(result.clip_id))
        return replace(result, assessment_id=row.id)


def _valid_stages(project, result: AnalysisResult) -> bool:
    """Found stages the timeline can show: every stage at least one frame long inside the clip."""
    try:
        check_stages(list(result.stages["names"]), [int(t) for t in result.stages["transitions"]],
                     project.clip(result.clip_id).frame_count)
    except EditError:
        return False
    return True
