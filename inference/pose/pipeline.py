"""Auto-annotation of a frame sequence: detect everyone, follow the athlete, convert the schema.

Frames stream through in order, so a long clip never has to fit in memory and results can be
written as they come (and a run resumed where it stopped). Choosing the athlete needs a look
ahead: the first `auto_frames` frames (or all frames up to the annotator's chosen frame) are
buffered as detections only, tracked with `track_sequence`, then tracking continues one frame
at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from inference.pose.base import Box, PersonPose, PoseBackend
from inference.pose.tracking import (
    AthleteTracker,
    StartBox,
    StartPoint,
    TrackerConfig,
    TrackStep,
    track_sequence,
)
from inference.skeletons import convert, get_skeleton

FrameAt = Callable[[int], np.ndarray]
"""Random access to an RGB frame by index (for re-detection on frames already passed)."""


@dataclass(frozen=True)
class FrameResult:
    """The athlete on one frame, in the requested schema.

    keypoints: float32 (J, 3) x, y, confidence in source pixels, or None when lost.
    status: "tracked", "redetected" (found again on a crop) or "lost".
    """

    frame: int
    keypoints: np.ndarray | None
    bbox: Box | None
    status: str
    people: int


class PoseRunner:
    """Runs a backend over frames and follows one athlete.

    start: None (automatic: the moving person the camera follows), StartBox or StartPoint
    (the annotator's choice, in clip frame numbers).
    """

    def __init__(self, backend: PoseBackend, schema: str, *, image_size: tuple[int, int],
                 start: StartBox | StartPoint | None = None, auto_frames: int = 20,
                 config: TrackerConfig | None = None) -> None:
        self.backend = backend
        self.skeleton = get_skeleton(schema)
        self.image_size = image_size
        self.start = start
        self.auto_frames = auto_frames
        self.config = config

    def run(self, frames: Iterable[tuple[int, np.ndarray, int | None]], frame_at: FrameAt) -> Iterator[FrameResult]:
        """frames: (index, rgb, timestamp_ms or None) in increasing index order."""
        buffer: list[tuple[int, list[PersonPose]]] = []
        tracker: AthleteTracker | None = None
        for index, rgb, timestamp_ms in frames:
            people = self.backend.detect(rgb, timestamp_ms)
            if tracker is not None:
                step = tracker.step(index, people, lambda box, rgb=rgb: self.backend.estimate(rgb, box))
                yield self._result(step, len(people))
                continue
            buffer.append((index, people))
            if self._ready(buffer):
                steps = self._track_buffer(buffer, frame_at)
                yield from (self._result(s, len(p)) for s, (_, p) in zip(steps, buffer))
                tracker = self._continue_from(steps)
                buffer = []
        if buffer:
            steps = self._track_buffer(buffer, frame_at)
            yield from (self._result(s, len(p)) for s, (_, p) in zip(steps, buffer))

    def _ready(self, buffer: list[tuple[int, list[PersonPose]]]) -> bool:
        if self.start is None:
            return len(buffer) >= self.auto_frames
        return buffer[-1][0] >= self.start.frame

    def _track_buffer(self, buffer: list[tuple[int, list[PersonPose]]], frame_at: FrameAt) -> list[TrackStep]:
        first = buffer[0][0]
        start = self.start
        if start is not None and start.frame < first:
            start = None  # the chosen frame was in an earlier run; choose again from what is here
        elif isinstance(start, StartBox):
            start = StartBox(start.frame - first, start.box)
        elif isinstance(start, StartPoint):
            start = StartPoint(start.frame - first, start.point)
        self.start = None  # a later buffer (nobody found yet) chooses automatically
        steps = track_sequence(
            [people for _, people in buffer], start,
            lambda local, box: self.backend.estimate(frame_at(first + local), box),
            image_size=self.image_size, config=self.config, auto_frames=self.auto_frames,
        )
        return [TrackStep(first + s.frame, s.pose, s.status, s.distance, s.predicted) for s in steps]

    def _continue_from(self, steps: list[TrackStep]) -> AthleteTracker | None:
        confirmed = [s for s in steps if s.pose is not None and s.box is not None]
        if not confirmed:
            return None  # nobody yet: the next frames form a new buffer
        last = confirmed[-1]
        return AthleteTracker(last.frame, last.box, self.config)

    def _result(self, step: TrackStep, people: int) -> FrameResult:
        if step.pose is None:
            return FrameResult(step.frame, None, None, "lost", people)
        keypoints = convert(step.pose.keypoints, step.pose.schema, self.skeleton).keypoints.astype(np.float32)
        return FrameResult(step.frame, keypoints, step.box, step.status, people)
