"""Auto-annotation of a frame sequence: detect everyone, follow the athlete, convert the schema.

Frames stream through in order, so a long clip never has to fit in memory and results can be
written as they come (and a run resumed where it stopped). Choosing the athlete needs a look
ahead: the first `auto_frames` frames (or all frames up to the annotator's chosen frame) are
buffered as detections only, tracked with `track_sequence`, then tracking continues one frame
at a time.

With a backend that has an upright landmark estimator (``backend.upright``, see
:mod:`inference.pose.upright`), the athlete is also followed the way MediaPipe follows a body:
each frame's region comes from the previous frame's landmarks, turned so the body is upright,
so a tucked, piked or inverted diver whom the person detector no longer finds is still seen.
That pose enters the tracker as one more detection, so the tracker's gates still decide: a
region that drifted onto a spectator is not taken for the athlete. The athlete's pose that the
tracker chose is then refined on an upright region, and read once more there by the accurate
landmark network where one is installed and the reading calls for it (the athlete is followed
with the faster one; see :mod:`inference.pose.landmark_models`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from inference.pose.base import Box, PersonPose, PoseBackend, box_iou, box_of
from inference.pose.tracking import (
    AthleteTracker,
    StartBox,
    StartPoint,
    TrackerConfig,
    TrackStep,
    pose_box,
    track_sequence,
)
from inference.pose.camera_motion import CameraMotion, chain_motions, is_identity, transform_points
from inference.pose.shot_cuts import ShotCuts
from inference.pose.still import MIN_PERSON_FLAG, as_person, find_person, recognised
from inference.skeletons import convert, get_skeleton

if TYPE_CHECKING:
    from inference.pose.blazepose import Landmarks

# A followed pose whose box overlaps the tracker's choice this much is the same body.
SAME_BODY_IOU = 0.5
# A refined pose whose box overlaps the tracker's choice less than this is another body.
SAME_BODY_MIN_IOU = 0.3
# A refined pose replaces the detector's unless it is much less sure of itself than it.
KEEP_SHARE = 0.5
# Frames after the last good landmarks that the athlete is still looked for around them (a
# sixth of a second at 30 fps: a body moves too far in longer).
MAX_FOLLOW_GAP = 5

# Random access to an RGB frame by index (for re-detection on frames already passed).
FrameAt = Callable[[int], np.ndarray]


def _has_area(box: Box | None) -> bool:
    return box is not None and box[2] > box[0] and box[3] > box[1]


def moved_landmarks(landmarks: Landmarks, matrix: np.ndarray) -> Landmarks:
    """Landmarks carried along by a camera motion (2x3): joints and the two alignment points."""
    points = landmarks.points.copy()
    points[:, :2] = transform_points(points[:, :2].astype(np.float64), matrix)
    hip, axis = transform_points(np.stack([landmarks.hip, landmarks.axis]), matrix)
    return replace(landmarks, points=points, hip=hip, axis=axis)


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
    anchors: the annotator's corrected poses by frame (any schema, NaN for joints not set).
    On such a frame the athlete is where the corrected joints are: the model reads the body
    there and the athlete is followed on from it, whoever the tracker had been following.
    Among a shot's first frames, the first corrected one chooses the athlete when no start is
    given.
    """

    def __init__(self, backend: PoseBackend, schema: str, *, image_size: tuple[int, int],
                 start: StartBox | StartPoint | None = None, auto_frames: int = 20,
                 config: TrackerConfig | None = None, follow_camera: bool = True,
                 anchors: Mapping[int, PersonPose] | None = None) -> None:
        self.backend = backend
        self.anchors = {int(f): pose for f, pose in (anchors or {}).items() if _has_area(pose_box(pose))}
        self.skeleton = get_skeleton(schema)
        self.image_size = image_size
        self.start = start
        self.auto_frames = auto_frames
        self.config = config
        self.upright = getattr(backend, "upright", None)
        self._followed: tuple[int, Landmarks] | None = None  # (frame, landmarks) of the athlete
        self._last_steps: list[TrackStep] = []
        self._hip_motion: tuple[float, float] = (0.0, 0.0)  # pixels per frame, from the last two
        self.camera = CameraMotion() if follow_camera else None
        self._cameras: list[np.ndarray | None] = []  # the buffered frames' camera motions
        self._pending_camera: np.ndarray | None = None
        self.cuts = ShotCuts()

    def run(self, frames: Iterable[tuple[int, np.ndarray | None, int | None]], frame_at: FrameAt) -> Iterator[FrameResult]:
        """frames: (index, rgb, timestamp_ms or None) in increasing index order; rgb None for a
        frame the video has no picture of (damaged): the athlete is lost there and the shot
        goes on across it.

        At a cut to another shot (inference.pose.shot_cuts) everything followed so far is
        forgotten and the athlete is chosen again in the new shot; a shot of a single frame
        (a folder of frames from different clips) is read as a still image."""
        buffer: list[tuple[int, list[PersonPose]]] = []
        tracker: AthleteTracker | None = None
        for index, rgb, timestamp_ms in frames:
            if rgb is None:
                if tracker is not None:
                    yield FrameResult(index, None, None, "lost", 0)  # the tracker counts the gap
                    continue
                buffer.append((index, []))
                self._cameras.append(None)
                continue
            if self.cuts.is_cut(rgb):
                if buffer:
                    yield from self._flush(buffer, frame_at)
                    buffer = []
                tracker = self._new_shot()
            people = self.backend.detect(rgb, timestamp_ms)
            camera = self._camera_motion(rgb, people)
            if tracker is not None:
                if self._pending_camera is not None:
                    camera = chain_motions([self._pending_camera, camera])
                    self._pending_camera = None
                if index in self.anchors:
                    tracker.confirm(index, pose_box(self.anchors[index]), camera)
                    yield self._result(self._anchored(index, rgb), len(people))
                    continue
                followed = self._follow(index, rgb)
                size = (rgb.shape[1], rgb.shape[0])
                continuation = None if followed is None else as_person(followed, "mp33", size)
                candidates = people if continuation is None else [continuation, *people]
                step = tracker.step(index, candidates, lambda box, rgb=rgb: self.backend.estimate(rgb, box),
                                    camera=camera, continuation=continuation)
                yield self._result(self._refine(step, rgb, followed), len(people))
                continue
            if not buffer and self.start is None:
                self.start = self._corrected_start(index)
            buffer.append((index, people))
            self._cameras.append(camera)
            if self._ready(buffer):
                cameras = self._cameras
                yield from self._flush(buffer, frame_at)
                tracker = self._continue_from(self._last_steps)
                if tracker is not None:
                    # The tracker starts at its last confirmed frame: carry it over the camera's
                    # motion on the buffered frames after that one.
                    after = tracker.last_frame - buffer[0][0] + 1
                    self._pending_camera = chain_motions(cameras[after:])
                buffer = []
        if buffer:
            yield from self._flush(buffer, frame_at)

    def _new_shot(self) -> None:
        """Forget the last shot: its athlete, motion and camera. Returns the (absent) tracker."""
        self._followed = None
        self._last_steps = []
        self._hip_motion = (0.0, 0.0)
        self._cameras = []
        self._pending_camera = None
        if self.camera is not None:
            self.camera.reset()
        reset = getattr(self.backend, "reset", None)
        if reset is not None:
            reset()
        return None

    def _flush(self, buffer: list[tuple[int, list[PersonPose]]], frame_at: FrameAt) -> Iterator[FrameResult]:
        if len(buffer) == 1 and buffer[0][0] in self.anchors and not self._start_in(buffer):
            yield self._result(self._anchored(buffer[0][0], frame_at(buffer[0][0])), len(buffer[0][1]))
            self._last_steps = []
            self._cameras = []
            return
        if len(buffer) == 1 and self.upright is not None and not self._start_in(buffer):
            yield self._still(buffer[0][0], frame_at(buffer[0][0]), buffer[0][1])
            self._last_steps = []
            self._cameras = []
            return
        steps = self._track_buffer(buffer, frame_at)
        self._last_steps = steps
        for step, (_, people) in zip(steps, buffer):
            rgb = frame_at(step.frame) if self.upright is not None and step.pose is not None else None
            yield self._result(self._refine(step, rgb, None), len(people))

    def _camera_motion(self, rgb: np.ndarray, people: list[PersonPose]) -> np.ndarray | None:
        """The background's motion since the previous frame (people masked out), or None.
        The landmarks followed are carried along with it, so the region they give for this
        frame is where the body is in the scene, not where it was in the picture."""
        if self.camera is None:
            return None
        matrix = self.camera.update(rgb, exclude=[p.bbox for p in people])
        if is_identity(matrix):
            return None
        if self._followed is not None:
            frame, landmarks = self._followed
            self._followed = (frame, moved_landmarks(landmarks, matrix))
        return matrix

    def _follow(self, index: int, rgb: np.ndarray) -> Landmarks | None:
        """The athlete's landmarks on this frame from the region of the last frame's; when the
        network loses the body there (or the athlete was lost for a few frames), the region
        moved on by the hips' last motion and tried at other turns (a somersault)."""
        if self.upright is None or self._followed is None:
            return None
        last, previous = self._followed
        gap = index - last
        if not 0 < gap <= MAX_FOLLOW_GAP:
            return None
        found = self.upright.follow(rgb, previous) if gap == 1 else None
        if found is None or found.flag < MIN_PERSON_FLAG:
            shift = (self._hip_motion[0] * gap, self._hip_motion[1] * gap)
            found = self.upright.recover(rgb, previous, shift)
        return found if found is not None and found.flag >= MIN_PERSON_FLAG else None

    def _refine(self, step: TrackStep, rgb: np.ndarray | None, followed: Landmarks | None) -> TrackStep:
        """The chosen pose on an upright region (the followed one when the tracker chose it).
        The last good landmarks are kept through a few lost frames, to follow from."""
        if self.upright is None or step.pose is None or rgb is None:
            return step
        pose = step.pose
        if followed is not None and box_iou(pose_box(pose) or pose.bbox, box_of(followed.points) or pose.bbox) > SAME_BODY_IOU:
            refined = followed
        elif pose.schema == "mp33":
            refined = self.upright.refine(rgb, np.asarray(pose.keypoints))
        else:
            refined = None
        if refined is None or refined.flag < MIN_PERSON_FLAG or refined.score < pose.score * KEEP_SHARE:
            return step
        size = (rgb.shape[1], rgb.shape[0])
        better = as_person(refined, "mp33", size)
        chosen_box = pose_box(pose)
        if better is None or (chosen_box is not None and box_iou(better.bbox, chosen_box) < SAME_BODY_MIN_IOU):
            return step  # a refinement that moved to another body (or part of one) is no refinement
        if refined.score < self.upright.read_below:
            read = as_person(self.upright.read(rgb, refined, MIN_PERSON_FLAG), "mp33", size)
            if read is not None and box_iou(read.bbox, better.bbox) >= SAME_BODY_MIN_IOU:
                better = read  # reported; the athlete is still followed from the refined landmarks
        if self._followed is not None and 0 < step.frame - self._followed[0] <= MAX_FOLLOW_GAP:
            gap = step.frame - self._followed[0]
            self._hip_motion = tuple(float(v) / gap for v in refined.hip - self._followed[1].hip)
        else:
            self._hip_motion = (0.0, 0.0)
        self._followed = (step.frame, refined)
        return TrackStep(step.frame, better, step.status, step.distance, step.predicted)

    def _corrected_start(self, first: int) -> StartBox | None:
        """The first corrected frame among the frames a new shot looks over to choose its
        athlete: the choice is the annotator's, and tracking (where every later correction
        steers) starts right after it."""
        frame = min((f for f in self.anchors if first <= f < first + self.auto_frames), default=None)
        return None if frame is None else StartBox(frame, pose_box(self.anchors[frame]))

    def _start_in(self, buffer: list[tuple[int, list[PersonPose]]]) -> bool:
        return self.start is not None and buffer[0][0] <= self.start.frame <= buffer[-1][0]

    def _anchored(self, frame: int, rgb: np.ndarray) -> TrackStep:
        """The model's reading of the body the annotator corrected on this frame, followed on
        from; lost when the model sees no body there (the corrected joints stay the answer in
        the annotation, and the tracker goes on from their box)."""
        anchor = self.anchors[frame]
        box = pose_box(anchor)
        self._followed, self._hip_motion = None, (0.0, 0.0)  # what was followed may be someone else
        found = None
        if self.upright is not None:
            found = self.upright.refine(rgb, convert(anchor.keypoints, anchor.schema, "mp33").keypoints)
            if found is not None and found.flag < MIN_PERSON_FLAG:
                found = None
        # Without an upright reading (too few of the body's joints to turn it upright by, or no
        # body seen there), the backend's own reading of the box.
        size = (rgb.shape[1], rgb.shape[0])
        person = self.backend.estimate(rgb, box) if found is None else as_person(found, "mp33", size)
        read_box = None if person is None else pose_box(person)
        if read_box is None or box_iou(read_box, box) < SAME_BODY_MIN_IOU:
            return TrackStep(frame, None, "lost", float("nan"), None)
        step = TrackStep(frame, person, "tracked", 0.0, None)
        return step if found is None else self._refine(step, rgb, found)

    def _still(self, frame: int, rgb: np.ndarray, people: list[PersonPose]) -> FrameResult:
        """A shot of one frame: its most prominent person, found at any turn, as in a still.
        The detector's people on the frame as it is are already known."""
        # A backend that tiles wide frames (MediaPipe's) has already looked in squares of the
        # frame's height at every turn: the still's search of the same tiles would repeat it.
        person = find_person(rgb, self.backend, self.upright, upright_people=people,
                             windows=not getattr(self.backend, "tiles", False))
        if person is None:
            return FrameResult(frame, None, None, "lost", len(people))
        return self._result(TrackStep(frame, person, "tracked", float("nan"), None), max(len(people), 1))

    def _ready(self, buffer: list[tuple[int, list[PersonPose]]]) -> bool:
        if self.start is None:
            return len(buffer) >= self.auto_frames
        return buffer[-1][0] >= self.start.frame

    def _track_buffer(self, buffer: list[tuple[int, list[PersonPose]]], frame_at: FrameAt) -> list[TrackStep]:
        first = buffer[0][0]
        start = self.start
        if start is not None and start.frame > buffer[-1][0]:
            start = None  # the chosen frame is in a later shot: it waits for that one
        else:
            if start is not None and start.frame < first:
                start = None  # the chosen frame was in an earlier run; choose again from what is here
            elif isinstance(start, StartBox):
                start = StartBox(start.frame - first, start.box)
            elif isinstance(start, StartPoint):
                start = StartPoint(start.frame - first, start.point)
            self.start = None  # a later buffer (nobody found yet) chooses automatically
        if start is None:
            start = next((StartBox(f - first, pose_box(self.anchors[f])) for f, _ in buffer if f in self.anchors), None)
        cameras, self._cameras = self._cameras, []
        steps = track_sequence(
            [people for _, people in buffer], start,
            lambda local, box: self.backend.estimate(frame_at(first + local), box),
            image_size=self.image_size, config=self.config, auto_frames=self.auto_frames,
            cameras=cameras if len(cameras) == len(buffer) else None,
            is_person=None if self.upright is None else (
                lambda local, pose: self._is_person(frame_at(first + local), pose)),
        )
        return [TrackStep(first + s.frame, s.pose, s.status, s.distance, s.predicted) for s in steps]

    def _is_person(self, rgb: np.ndarray, pose: PersonPose) -> bool:
        """Whether the landmark networks see a body in a person the detector found (the check an
        automatically chosen athlete must pass): on its upright region, the person flag reaches
        the presence threshold the backend holds MediaPipe's own answers to, the accurate
        network's flag where one is installed (UprightEstimator.is_body). A still chooses among
        people with a stricter one (MIN_PERSON_FLAG); here one person is checked, and a body the
        detector found on its own ROI can score lower on the upright one."""
        if pose.schema != "mp33":
            return True
        threshold = getattr(self.backend, "min_confidence", MIN_PERSON_FLAG)
        # With a reader, the fast network only places the region: its own flag does not decide.
        found = recognised(rgb, self.upright, np.asarray(pose.keypoints), 0.0 if self.upright.reader else threshold)
        return found is not None and self.upright.is_body(rgb, found, threshold)

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
