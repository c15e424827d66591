"""Which stages a clip has: the expert's when labelled, else the project's trained
segmenter, else (for diving) the model-free rules on the body's motion."""

from __future__ import annotations

from dataclasses import dataclass

from app.assessment.registry import ModelRecord, latest_model
from app.errors import AssessmentError
from inference.action.camera_path import keypoints_in_scene
from inference.assess.checkpoint import CheckpointError
from inference.assess.sample import ClipSample
from inference.assess.stages import StagePrediction, one_hot_stages
from inference.assess.stages.diving_fallback import diving_stages
from inference.assess.stages.segmenter import TrainedSegmenter, load_segmenter

EXPERT, MODEL, RULES, SINGLE = "expert", "model", "motion rules", "single stage"


@dataclass(frozen=True)
class FoundStages:
    prediction: StagePrediction
    source: str  # EXPERT, MODEL or RULES


class StageFinder:
    def __init__(self, project, schema: str | None, *, use_expert: bool = True) -> None:
        self.sport = project.setting("sport") or "diving"
        self.use_expert = use_expert
        self.record: ModelRecord | None = latest_model(project, "stages")
        self.segmenter: TrainedSegmenter | None = None
        if self.record is not None and schema is not None:
            try:
                self.segmenter = load_segmenter(self.record.path, schema)
            except CheckpointError as exc:
                raise AssessmentError(f"stage model {self.record.path.name}: {exc}; retrain it with "
                                      "plumb train PROJECT --task stages") from None

    @property
    def needs_motion_rules(self) -> bool:
        """Whether a clip without expert stages gets its stages from the motion rules (which
        read heights in the scene, so a panning camera's motion should be taken out first)."""
        return self.segmenter is None and self.sport == "diving"

    def find(self, sample: ClipSample, camera=None) -> FoundStages | None:
        """The clip's stages; ``camera`` (``(T, 2, 3)`` background motions) lets the motion
        rules read the poses in the scene's coordinates."""
        if len(sample.stage_names) == 1:  # the sport has one stage: it is the whole clip
            probs = one_hot_stages((), sample.num_frames, 1)
            return FoundStages(StagePrediction((), tuple(sample.stage_names), probs, 1.0), SINGLE)
        if self.use_expert and sample.transitions:
            k = len(sample.transitions) + 1
            probs = one_hot_stages(tuple(sample.transitions), sample.num_frames, k)
            return FoundStages(StagePrediction(tuple(sample.transitions), sample.stage_names, probs, 1.0), EXPERT)
        if self.segmenter is not None:
            return FoundStages(self.segmenter.predict(sample), MODEL)
        if self.sport == "diving" and len(sample.stage_names) == 3:
            keypoints = sample.keypoints if camera is None else keypoints_in_scene(sample.keypoints, camera)
            try:
                return FoundStages(diving_stages(keypoints, sample.schema, sample.fps,
                                                 stage_names=sample.stage_names), RULES)
            except ValueError:
                return None
        return None

    def transitions(self, sample: ClipSample) -> tuple[int, ...] | None:
        found = self.find(sample)
        return None if found is None else tuple(found.prediction.transitions)
