"""Projects filled with generated dives, for the assessment engine's tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.datasets import project_io
from app.datasets.records import PoseSequence
from app.project import Project
from inference.assess.sample import ClipSample
from inference.assess.synthetic import synthetic_library


def as_sequence(sample: ClipSample, *, with_stages: bool = True, with_score: bool = True) -> PoseSequence:
    t = sample.num_frames
    labels = {"split": sample.split, "action": sample.action, "difficulty": sample.difficulty}
    if with_score:
        labels["score"] = sample.score
    if with_stages and sample.transitions:
        labels["transitions"] = tuple(sample.transitions)
    visibility = np.where(np.isfinite(sample.keypoints[..., 0]), 2, 0).astype(np.uint8)
    return PoseSequence(sample.key, sample.schema, sample.keypoints, visibility,
                        np.full((t, 4), np.nan, np.float32), labels={k: v for k, v in labels.items() if v is not None})


def synthetic_project(folder: Path, count: int, seed: int = 0, **options) -> Project:
    """A project with ``count`` generated dives (poses, scores, stages, splits) at 30 fps."""
    project = Project.create(folder)
    dives = synthetic_library(count, seed)
    project_io.import_sequences(project, [as_sequence(d.sample, **options) for d in dives], fps=30.0)
    return project
