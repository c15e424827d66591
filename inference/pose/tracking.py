"""Follow one athlete through per-frame person detections, among spectators and judges.

METHODS §1: from frame k to k+1 the athlete is the detection whose box is nearest the
confirmed athlete box, measured over the two box corners,

    dist = sqrt((x1' - x1)² + (y1' - y1)² + (x2' - x2)² + (y2' - y2)²),

among detections confident enough. This module adds what makes that rule hold up on broadcast
video: the reference box is *predicted* with a constant-velocity model (divers move fast), the
distance is gated relative to the box diagonal and by size change, a caller-supplied
`redetect(box)` gets a second chance on a crop when the detector missed the (often small)
athlete, and a frame where nobody passes is LOST rather than filled with the nearest spectator.
The other people are followed too, cheaply, so that a spectator crossing the athlete's path
at the moment the athlete is missed keeps their own identity (see AthleteTracker).

Detections are `PersonPose` lists from any backend; boxes are (x1, y1, x2, y2) pixels.
Everything is forward-only (frame order), so `AthleteTracker.step` can run while frames are
still being decoded.

With a panning camera, the boxes kept from earlier frames are in stale image coordinates and a
constant-velocity model in the image mixes the athlete's motion with the camera's. Given the
camera's motion between frames (a 2x3 matrix from `inference.pose.camera_motion`), the tracker
first maps everything it keeps into the current frame's coordinates, so its velocities are
motions relative to the scene. Without matrices it behaves exactly as before.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from inference.pose.base import SAME_BODY_INSIDE, Box, PersonPose, box_of, inside_fraction, same_body_boxes
from inference.pose.camera_motion import check_motion, invert_motion, is_identity, motion_scale, transform_box

Status = Literal["tracked", "redetected", "lost"]
Redetect = Callable[[Box], "PersonPose | None"]
"""Given the box where the athlete is expected, the pose found there or None. The caller
typically runs the backend's estimate() on an enlarged crop around that box."""


@dataclass(frozen=True)
class TrackerConfig:
    """Gates of the tracker. Distances are relative to the athlete's size: the larger of the
    diagonals of the last confirmed box and of the median of the kept ones.

    min_score: detections below this confidence are ignored while tracking.
    max_distance: a detection is accepted when its corner distance to the predicted box is at
        most this many box diagonals (a pure shift by s moves both corners: dist = √2·s).
    max_size_ratio: the box diagonal may grow or shrink at most by this factor relative to the
        last confirmed box or to the median of the kept ones (tuck vs. straight body changes it;
        a spectator twice as large does not pass). The athlete's own continuation (see `step`)
        may also be up to this factor of the largest box the athlete has had.
    velocity_frames: the constant velocity is the least-squares slope of the box centre over
        this many last confirmed boxes.
    max_lost: while lost, the tracker keeps extrapolating for this many frames, widening the
        gate by lost_gate_growth per lost frame (up to reacquire_distance).
    reacquire_score / reacquire_distance: after max_lost frames the athlete is only taken back
        by a detection at least this confident and within this many diagonals of the last
        known place (the last confirmed box or the end of its extrapolation): never someone far
        away.
    """

    min_score: float = 0.3
    max_distance: float = 0.6
    max_size_ratio: float = 1.8
    velocity_frames: int = 5
    max_lost: int = 15
    lost_gate_growth: float = 0.1
    reacquire_score: float = 0.5
    reacquire_distance: float = 1.5


@dataclass(frozen=True)
class TrackStep:
    """The athlete on one frame.

    pose: the chosen detection (None when lost); status: "tracked" (a detection passed the
    gates), "redetected" (the redetect callback found it) or "lost"; distance: the METHODS §1
    corner distance in pixels between the pose's box and the reference box (the predicted box;
    after a long loss the nearer of it and the last confirmed box), NaN when lost; predicted:
    the box the tracker expected on this frame.
    """

    frame: int
    pose: PersonPose | None
    status: Status
    distance: float
    predicted: Box | None = None

    @property
    def box(self) -> Box | None:
        return None if self.pose is None else pose_box(self.pose)


def corner_distance(a: Box, b: Box) -> float:
    """METHODS §1: Euclidean distance over the two corners (x1, y1) and (x2, y2)."""
    return math.sqrt(sum((float(p) - float(q)) ** 2 for p, q in zip(a, b)))


def box_diagonal(box: Box) -> float:
    return math.hypot(float(box[2]) - float(box[0]), float(box[3]) - float(box[1]))


def pose_box(pose: PersonPose) -> Box | None:
    """The detection's box, or the box of its keypoints when the backend gave no usable box."""
    box = tuple(float(v) for v in pose.bbox) if pose.bbox is not None else None
    if box is not None and all(map(math.isfinite, box)) and box[2] > box[0] and box[3] > box[1]:
        return box  # type: ignore[return-value]
    return box_of(np.asarray(pose.keypoints))


def _check_box(box: Box) -> np.ndarray:
    b = np.asarray(box, dtype=np.float64)
    if b.shape != (4,) or not np.isfinite(b).all() or b[2] <= b[0] or b[3] <= b[1]:
        raise ValueError(f"a box is (x1, y1, x2, y2) with x2 > x1 and y2 > y1, got {box!r}")
    return b


def _as_box(b: np.ndarray) -> Box:
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def _predict(frames: Sequence[int], boxes: Sequence[np.ndarray], frame: int, max_ahead: int) -> np.ndarray:
    """Last box shifted by the least-squares centre velocity × (frame - last frame), at most
    max_ahead frames ahead. The size is the last box's: per-frame size changes of an
    articulating body are noise, not a trend worth extrapolating."""
    last = boxes[-1]
    if len(boxes) < 2:
        return last
    t = np.asarray(frames, dtype=np.float64)
    c = np.stack([(b[:2] + b[2:]) / 2 for b in boxes])
    t = t - t.mean()
    denom = float((t * t).sum())
    if denom == 0:
        return last
    velocity = (t[:, None] * (c - c.mean(axis=0))).sum(axis=0) / denom
    ahead = min(frame - frames[-1], max_ahead)
    return last + np.tile(velocity * ahead, 2)


_OTHER_MEMORY = 4
"""Frames a bystander's track survives without a detection."""
_SAME_PERSON_IOU = 0.6
"""A bystander box overlapping the athlete's this much is a duplicate detection of the athlete
(or a full occlusion, where identity cannot be told): it is not kept as a bystander."""




class _Bystander:
    """Another person followed only so that their detections are not mistaken for the athlete."""

    def __init__(self, frame: int, box: np.ndarray, beside_athlete: bool, keep: int):
        self.frames: deque[int] = deque([frame], maxlen=keep)
        self.boxes: deque[np.ndarray] = deque([box], maxlen=keep)
        self.beside_athlete = beside_athlete

    def add(self, frame: int, box: np.ndarray) -> None:
        self.frames.append(frame)
        self.boxes.append(box)


def _same_person(box: np.ndarray, athlete_box: np.ndarray) -> bool:
    """A duplicate of the athlete, or another reading of the athlete's body, wider or narrower
    (a body found again on a crop beside the detector's reading of it): kept as a bystander
    beside the athlete, it would follow the athlete and win every frame after a loss."""
    return same_body_boxes(box, athlete_box, _SAME_PERSON_IOU) or same_body_boxes(athlete_box, box, _SAME_PERSON_IOU)


def _moved(boxes: Sequence[np.ndarray], camera: np.ndarray) -> list[np.ndarray]:
    """Boxes mapped by a camera motion (centre mapped, size scaled: see transform_box)."""
    return [np.asarray(transform_box(b, camera), dtype=np.float64) for b in boxes]


class AthleteTracker:
    """Forward-only tracker of one athlete, started from a box on a given frame.

    The start box (an annotator's box, a clicked detection's box, or `choose_athlete`'s pick)
    counts as confirmed; the first `step` on start_frame picks the detection that matches it.
    Call `step` with increasing frame numbers; skipped frames count as lost.

    Besides the athlete, the tracker links every other confident detection into bystander
    tracks by the same corner distance. A bystander seen on a frame where the athlete was
    confirmed is known not to be the athlete: it competes for detections (greedily, smallest
    relative corner distance to each track's prediction first), so when the athlete vanishes
    just as a spectator crosses her path, the spectator's detection goes to the spectator's
    own track and the athlete is lost instead of swapped. Bystanders first seen while the
    athlete was lost do not compete: one of them may be the athlete coming back.

    With a moving camera, pass each step the camera's motion since the previous step: the
    athlete's and the bystanders' boxes are kept in the coordinates of the last frame stepped.
    """

    def __init__(self, start_frame: int, start_box: Box, config: TrackerConfig | None = None):
        self.config = config or TrackerConfig()
        self._keep = max(1, self.config.velocity_frames)
        self._history: deque[tuple[int, np.ndarray]] = deque(
            [(int(start_frame), _check_box(start_box))], maxlen=self._keep)
        # The largest box diagonal the athlete has had, in the last frame's coordinates.
        self._largest = box_diagonal(start_box)
        self._next_frame = int(start_frame)
        self._bystanders: list[_Bystander] = []

    @property
    def last_box(self) -> Box:
        """The last confirmed athlete box."""
        return _as_box(self._history[-1][1])

    @property
    def last_frame(self) -> int:
        return self._history[-1][0]

    def predict(self, frame: int) -> Box:
        """Where the athlete is expected on `frame` (constant velocity, capped at max_lost)."""
        frames = [f for f, _ in self._history]
        boxes = [b for _, b in self._history]
        return _as_box(_predict(frames, boxes, frame, self.config.max_lost + 1))

    def step(self, frame: int, detections: Sequence[PersonPose],
             redetect: Redetect | None = None, camera: np.ndarray | None = None,
             continuation: PersonPose | None = None) -> TrackStep:
        """The athlete on `frame` among `detections`; calls `redetect` only when none passes.

        continuation: the one of `detections` that continues the athlete's own last pose (a
        landmark network run on the region the athlete's last landmarks give). A body opening
        out of a tuck or pike grows around where it was, faster than the last few boxes allow
        for and with corners that move far: the continuation also passes when its box holds
        most of the last confirmed box and is within max_size_ratio of the largest the athlete
        has had. Another person in that place would have to cover the athlete's last box.

        camera: the 2x3 motion of the image from the frame of the previous step (of the start
        box, on the first step) to `frame`, e.g. CameraMotion.update's on consecutive frames;
        chain_motions composes per-frame ones when frames were skipped. None: no motion.
        """
        frame = self._advance(frame, camera)
        cfg = self.config
        last_frame, last_box = self._history[-1]
        missed = max(frame - last_frame - 1, 0)
        predicted = self.predict(frame)
        reacquiring = missed > cfg.max_lost
        # The last confirmed box is a reference as well as the prediction: a body that lands,
        # enters the water or stops on a trampoline bed loses its speed at once, and an
        # articulating body's box centre gives a noisy velocity to extrapolate from.
        references = [predicted, _as_box(last_box)]
        if reacquiring:
            gate, min_score = cfg.reacquire_distance, cfg.reacquire_score
        else:
            gate = min(cfg.max_distance + cfg.lost_gate_growth * missed,
                       max(cfg.max_distance, cfg.reacquire_distance))
            min_score = cfg.min_score
        # A size near the last box's or near the median of the kept boxes passes: the last alone
        # would let one partial detection (a body half hidden by the board, an arm missed) refuse
        # the whole body on the next frame; the median alone lags a diver who tucks while the
        # camera zooms out. Distances are measured in the larger of the two, for the same reason.
        sizes = (max(box_diagonal(_as_box(last_box)), 1.0),
                 max(float(np.median([box_diagonal(_as_box(b)) for _, b in self._history])), 1.0))
        ref_diag = max(sizes)

        def sized(box: Box, references: tuple[float, ...]) -> bool:
            ratios = [box_diagonal(box) / size for size in references]
            return any(1 / cfg.max_size_ratio <= r <= cfg.max_size_ratio for r in ratios)

        def unfolded(pose: PersonPose, box: Box) -> bool:
            return (pose is continuation and not reacquiring and sized(box, (*sizes, max(self._largest, 1.0)))
                    and inside_fraction(_as_box(last_box), box) >= SAME_BODY_INSIDE)

        def judge(pose: PersonPose, box: Box) -> float | None:
            """Corner distance in pixels when the pose passes the athlete's gates, else None."""
            if not pose.score >= min_score:
                return None
            dist = min(corner_distance(box, ref) for ref in references)
            if sized(box, sizes) and dist <= gate * ref_diag:
                return dist
            return dist if unfolded(pose, box) else None

        usable = [(p, b) for p in detections if (b := pose_box(p)) is not None]
        self._bystanders = [b for b in self._bystanders if frame - b.frames[-1] <= _OTHER_MEMORY]
        expected = [(_predict(list(b.frames), list(b.boxes), frame, _OTHER_MEMORY),
                     max(box_diagonal(_as_box(b.boxes[-1])), 1.0)) for b in self._bystanders]

        def bystander_cost(i: int, box: Box) -> float | None:
            pred, diag = expected[i]
            ratio = box_diagonal(box) / diag
            rel = corner_distance(box, _as_box(pred)) / diag
            ok = rel <= cfg.max_distance and 1 / cfg.max_size_ratio <= ratio <= cfg.max_size_ratio
            return rel if ok else None

        # (relative cost, track: -1 athlete / i bystander, -score, detection index, pixels)
        pairs: list[tuple[float, int, float, int, float]] = []
        for k, (pose, box) in enumerate(usable):
            dist = judge(pose, box)
            if dist is not None:
                pairs.append((dist / ref_diag, -1, -pose.score, k, dist))
            if pose.score >= cfg.min_score:
                for i in range(len(self._bystanders)):
                    rel = bystander_cost(i, box)
                    if rel is not None:
                        pairs.append((rel, i, -pose.score, k, rel))
        taken: dict[int, int] = {}  # track -> detection
        used: set[int] = set()
        competing = [p for p in pairs if p[1] < 0 or self._bystanders[p[1]].beside_athlete]
        rest = [p for p in pairs if p[1] >= 0 and not self._bystanders[p[1]].beside_athlete]
        for group in (competing, rest):
            for _, track, _, k, _ in sorted(group):
                if track not in taken and k not in used:
                    taken[track] = k
                    used.add(k)

        chosen: tuple[PersonPose, Box, float] | None = None
        status: Status = "tracked"
        if -1 in taken:
            k = taken[-1]
            chosen = (usable[k][0], usable[k][1], next(p[4] for p in pairs if p[1] == -1 and p[3] == k))
        elif redetect is not None:
            found = redetect(predicted)
            box = None if found is None else pose_box(found)
            dist = None if box is None else judge(found, box)
            if dist is not None:
                # not if a known bystander explains it better than the athlete does
                rel = dist / ref_diag
                if not any(b.beside_athlete and (c := bystander_cost(i, box)) is not None and c < rel
                           for i, b in enumerate(self._bystanders)):
                    chosen, status = (found, box, dist), "redetected"

        confirmed = chosen is not None
        athlete_box = np.asarray(chosen[1], dtype=np.float64) if confirmed else None
        for track, k in taken.items():
            if track >= 0:
                self._bystanders[track].add(frame, np.asarray(usable[k][1], dtype=np.float64))
        for k, (pose, box) in enumerate(usable):
            if k not in used and pose.score >= cfg.min_score and not (confirmed and pose is chosen[0]):
                self._bystanders.append(_Bystander(frame, np.asarray(box, dtype=np.float64), False, self._keep))
        if confirmed:
            self._bystanders = [b for b in self._bystanders
                                if not (b.frames[-1] == frame and _same_person(b.boxes[-1], athlete_box))]
            for b in self._bystanders:
                if b.frames[-1] == frame:
                    b.beside_athlete = True

        if not confirmed:
            return TrackStep(frame, None, "lost", math.nan, predicted)
        self._record(frame, athlete_box, reacquiring)
        return TrackStep(frame, chosen[0], status, chosen[2], predicted)

    def confirm(self, frame: int, box: Box, camera: np.ndarray | None = None) -> None:
        """The annotator has placed the athlete on `frame` (a corrected pose, whose box this is):
        taken as confirmed whatever the gates say, so a tracker that drifted onto a spectator
        goes on from the athlete. A bystander there was the athlete all along and is dropped.
        camera: as for `step`."""
        athlete_box = _check_box(box)  # before anything moves on: a bad box changes nothing
        frame = self._advance(frame, camera)
        self._record(frame, athlete_box, frame - self.last_frame - 1 > self.config.max_lost)
        self._bystanders = [b for b in self._bystanders if not _same_person(b.boxes[-1], athlete_box)]

    def _advance(self, frame: int, camera: np.ndarray | None) -> int:
        """Move on to `frame` (frames must increase), the kept boxes carried by the camera."""
        frame = int(frame)
        if frame < self._next_frame:
            raise ValueError(f"frames must increase: got {frame} after {self._next_frame - 1}")
        if not is_identity(camera):
            self._follow_camera(check_motion(camera))
        self._next_frame = frame + 1
        return frame

    def _record(self, frame: int, athlete_box: np.ndarray, reacquired: bool) -> None:
        """The athlete confirmed at athlete_box on frame."""
        if reacquired:
            self._history.clear()  # the old velocity says nothing after a long loss
            self._largest = 0.0
        elif self._history[-1][0] == frame:
            self._history.pop()  # the start box is replaced by the detection that matched it
        self._history.append((frame, athlete_box))
        self._largest = max(self._largest, box_diagonal(_as_box(athlete_box)))

    def _follow_camera(self, camera: np.ndarray) -> None:
        """Map every kept box into the new frame's coordinates."""
        frames = [f for f, _ in self._history]
        self._history = deque(zip(frames, _moved([b for _, b in self._history], camera)), maxlen=self._keep)
        self._largest *= motion_scale(camera)
        for b in self._bystanders:
            b.boxes = deque(_moved(b.boxes, camera), maxlen=b.boxes.maxlen)


# --- Automatic start --------------------------------------------------------------------------

@dataclass(frozen=True)
class AthleteWeights:
    """Weights of choose_athlete's score; each part is in [0, 1]."""

    presence: float = 1.0
    size: float = 1.0
    centrality: float = 1.0
    motion: float = 1.0
    confidence: float = 0.5


# How many of a person's most confident detections an automatic athlete check may look at.
SUREST_KEPT = 3


@dataclass(frozen=True)
class AthleteCandidate:
    """One person linked over the first frames, with the parts of its score.

    frame/pose: the person's first detection in the window (frame counts from the window start).
    surest: (frame, pose) of the person's most confident detections in the window, at most
    SUREST_KEPT of them, most confident first.
    """

    frame: int
    pose: PersonPose
    score: float
    presence: float
    size: float
    centrality: float
    motion: float
    confidence: float
    frames_seen: int
    surest: tuple[tuple[int, PersonPose], ...] = ()


def _link(detections: Sequence[Sequence[PersonPose]], cfg: TrackerConfig,
          max_skip: int) -> list[list[tuple[int, PersonPose, np.ndarray]]]:
    """Greedy box-continuity linking: each detection joins the tracklet (seen within the last
    max_skip + 1 frames) with the smallest relative corner distance to its constant-velocity
    prediction, the gate widening as in the tracker, or starts a new one."""
    tracklets: list[list[tuple[int, PersonPose, np.ndarray]]] = []
    for f, dets in enumerate(detections):
        boxes = []
        for pose in dets:
            box = pose_box(pose)
            if pose.score >= cfg.min_score and box is not None:
                boxes.append((pose, np.asarray(box, dtype=np.float64)))
        active = [i for i, tr in enumerate(tracklets) if 0 < f - tr[-1][0] <= max_skip + 1]
        pairs = []
        for i in active:
            tr = tracklets[i][-cfg.velocity_frames:]
            pred = _predict([e[0] for e in tr], [e[2] for e in tr], f, max_skip + 1)
            diag = max(box_diagonal(_as_box(tr[-1][2])), 1.0)
            gate = cfg.max_distance + cfg.lost_gate_growth * (f - tr[-1][0] - 1)
            for k, (_, box) in enumerate(boxes):
                ratio = box_diagonal(_as_box(box)) / diag
                rel = float(np.linalg.norm(box - pred)) / diag
                if rel <= gate and 1 / cfg.max_size_ratio <= ratio <= cfg.max_size_ratio:
                    pairs.append((rel, i, k))
        used_t, used_d = set(), set()
        for _, i, k in sorted(pairs):
            if i not in used_t and k not in used_d:
                used_t.add(i)
                used_d.add(k)
                tracklets[i].append((f, boxes[k][0], boxes[k][1]))
        for k, (pose, box) in enumerate(boxes):
            if k not in used_d:
                tracklets.append([(f, pose, box)])
    return tracklets


def rank_athletes(detections_over_first_frames: Sequence[Sequence[PersonPose]],
                  image_size: tuple[int, int], config: TrackerConfig | None = None,
                  weights: AthleteWeights | None = None,
                  min_presence: float = 0.3) -> list[AthleteCandidate]:
    """Every person seen in the first frames, most athlete-like first.

    The heuristic: detections are linked into people by box continuity (_link), then each
    person gets a weighted sum of five parts in [0, 1]:

    - presence: share of the frames the person is seen in (the athlete is there throughout;
      passers-by and flickering false positives are not);
    - size: median box diagonal / the largest person's (the camera frames the athlete);
    - centrality: 1 - mean distance of the box centre from the image centre / half the image
      diagonal (the camera follows the athlete; judges and spectators sit at the edges);
    - motion: mean per-frame motion relative to the scene, divided by the largest person's.
      Per frame, the camera's motion is estimated as the median centre displacement of all
      people; a person's relative motion is |own displacement - that median| / own diagonal
      plus the change of log box aspect (a diver articulates: tuck, pike, straight). With a
      static camera the athlete moves and the crowd does not; with a panning camera the crowd
      moves together and the athlete does not — both make the athlete stand out;
    - confidence: mean detector score.

    People seen in fewer than min_presence of the frames rank after all others.
    image_size is (width, height) in pixels.
    """
    cfg = config or TrackerConfig()
    w = weights or AthleteWeights()
    n = max(len(detections_over_first_frames), 1)
    # a person missed for up to a quarter of the window is still one person
    tracklets = _link(detections_over_first_frames, cfg, max_skip=max(3, n // 4))
    if not tracklets:
        return []
    width, height = float(image_size[0]), float(image_size[1])
    centre = np.array([width / 2, height / 2])
    half_diag = max(math.hypot(width, height) / 2, 1.0)

    # Per-frame displacements (per frame elapsed) for the camera-motion estimate.
    displacement: list[dict[int, np.ndarray]] = []
    for tr in tracklets:
        moves = {}
        for (fa, _, a), (fb, _, b) in zip(tr, tr[1:]):
            moves[fb] = ((b[:2] + b[2:]) - (a[:2] + a[2:])) / 2 / (fb - fa)
        displacement.append(moves)
    camera: dict[int, np.ndarray] = {}
    for f in range(n):
        here = [m[f] for m in displacement if f in m]
        if here:
            camera[f] = np.median(np.stack(here), axis=0)

    raw = []
    for tr, moves in zip(tracklets, displacement):
        boxes = np.stack([e[2] for e in tr])
        diag = np.hypot(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        aspect = np.log((boxes[:, 2] - boxes[:, 0]) / (boxes[:, 3] - boxes[:, 1]))
        relative = [float(np.linalg.norm(moves[f] - camera[f])) for f in moves]
        motion = 0.0
        if relative:
            frames = np.array([e[0] for e in tr])
            motion = float(np.mean(np.array(relative) / np.maximum(diag[1:], 1.0))
                           + np.mean(np.abs(np.diff(aspect)) / np.diff(frames)))
        raw.append(dict(
            presence=len(tr) / n,
            size=float(np.median(diag)),
            centrality=float(np.clip(1 - np.mean(np.linalg.norm(centres - centre, axis=1)) / half_diag, 0, 1)),
            motion=motion,
            confidence=float(np.mean([e[1].score for e in tr])),
        ))
    max_size = max(r["size"] for r in raw) or 1.0
    max_motion = max(r["motion"] for r in raw)
    candidates = []
    for tr, r in zip(tracklets, raw):
        parts = dict(presence=r["presence"], size=r["size"] / max_size, centrality=r["centrality"],
                     motion=r["motion"] / max_motion if max_motion > 0 else 0.0,
                     confidence=float(np.clip(r["confidence"], 0, 1)))
        score = sum(getattr(w, k) * v for k, v in parts.items())
        surest = tuple((f, pose) for f, pose, _ in sorted(tr, key=lambda e: -e[1].score)[:SUREST_KEPT])
        candidates.append(AthleteCandidate(tr[0][0], tr[0][1], score, frames_seen=len(tr), surest=surest, **parts))
    candidates.sort(key=lambda c: (c.presence >= min_presence, c.score), reverse=True)
    return candidates


def choose_athlete(detections_over_first_frames: Sequence[Sequence[PersonPose]],
                   image_size: tuple[int, int], config: TrackerConfig | None = None,
                   weights: AthleteWeights | None = None) -> AthleteCandidate | None:
    """The most athlete-like person of the first ~10-30 frames (see rank_athletes), or None
    when nobody was detected."""
    ranked = rank_athletes(detections_over_first_frames, image_size, config, weights)
    return ranked[0] if ranked else None


def pick_by_point(detections: Sequence[PersonPose], point: tuple[float, float]) -> PersonPose | None:
    """The detection an annotator clicked: the one whose box contains the point (the nearest
    box centre when several do), else the box nearest the point; None without detections."""
    px, py = float(point[0]), float(point[1])
    best, best_key = None, None
    for pose in detections:
        box = pose_box(pose)
        if box is None:
            continue
        x1, y1, x2, y2 = box
        outside = math.hypot(max(x1 - px, 0.0, px - x2), max(y1 - py, 0.0, py - y2))
        key = (outside, math.hypot((x1 + x2) / 2 - px, (y1 + y2) / 2 - py))
        if best_key is None or key < best_key:
            best, best_key = pose, key
    return best


# --- Whole sequences ---------------------------------------------------------------------------

@dataclass(frozen=True)
class StartBox:
    """The annotator drew the athlete's box on `frame`."""

    frame: int
    box: Box


@dataclass(frozen=True)
class StartPoint:
    """The annotator clicked on the athlete on `frame`."""

    frame: int
    point: tuple[float, float]


def track_sequence(detections_per_frame: Sequence[Sequence[PersonPose]],
                   start: StartBox | StartPoint | None = None,
                   redetect: Callable[[int, Box], PersonPose | None] | None = None, *,
                   image_size: tuple[int, int] | None = None,
                   config: TrackerConfig | None = None,
                   auto_frames: int = 20, backward: bool = True,
                   cameras: Sequence[np.ndarray | None] | None = None,
                   is_person: Callable[[int, PersonPose], bool] | None = None) -> list[TrackStep]:
    """One TrackStep per frame of a clip (index = frame).

    start None chooses the athlete automatically from the first `auto_frames` frames
    (choose_athlete; needs image_size = (width, height)). redetect(frame, box) is the caller's
    second chance on that frame. Tracking runs forward from the start frame; with backward=True
    the frames before it are tracked the same way in reverse order (otherwise they are lost).
    cameras[f], one per frame, is the camera's 2x3 motion from frame f - 1 to frame f
    (CameraMotion.update's; None = no motion; cameras[0] is not used).
    is_person(frame, pose): a check an automatically chosen athlete must pass on one of its
    most confident detections (a second network's "is this a body?"; a tumbling body can fail
    it on one frame); the next-ranked person is tried when all fail, and with none passing
    every frame is lost: a detector's false positive (a logo, a reflection) is never followed
    as the athlete.
    """
    n = len(detections_per_frame)
    if cameras is not None and len(cameras) != n:
        raise ValueError(f"cameras has {len(cameras)} matrices for {n} frames: give one per frame (None for no motion)")
    lost = [TrackStep(f, None, "lost", math.nan) for f in range(n)]
    if n == 0:
        return []
    if start is None:
        if image_size is None:
            raise ValueError("automatic start needs image_size=(width, height)")
        ranked = rank_athletes(detections_per_frame[:auto_frames], image_size, config)
        chosen = next((c for c in ranked if is_person is None or any(is_person(*s) for s in c.surest)), None)
        if chosen is None:
            return lost
        frame, box = chosen.frame, pose_box(chosen.pose)
    elif isinstance(start, StartPoint):
        frame = start.frame
        picked = pick_by_point(detections_per_frame[frame], start.point)
        if picked is None:
            raise ValueError(f"no person detected on frame {frame} to pick: draw a box instead")
        box = pose_box(picked)
    elif isinstance(start, StartBox):
        frame, box = start.frame, start.box
    else:
        raise TypeError(f"start is a StartBox, a StartPoint or None, got {start!r}")
    if not 0 <= frame < n:
        raise ValueError(f"start frame {frame} is outside the clip (0..{n - 1})")

    steps = lost
    tracker = AthleteTracker(frame, box, config)
    for f in range(frame, n):
        re = None if redetect is None else (lambda b, f=f: redetect(f, b))
        camera = None if cameras is None or f == frame else cameras[f]
        steps[f] = tracker.step(f, detections_per_frame[f], re, camera)
    if backward and frame > 0:
        # Reverse time: tracker frame t is clip frame `frame - t`; t = 0 is the start frame.
        tracker = AthleteTracker(0, steps[frame].box or box, config)
        tracker.step(0, [steps[frame].pose] if steps[frame].pose is not None else [])
        for t in range(1, frame + 1):
            f = frame - t
            re = None if redetect is None else (lambda b, f=f: redetect(f, b))
            back = None if cameras is None or cameras[f + 1] is None else invert_motion(cameras[f + 1])
            s = tracker.step(t, detections_per_frame[f], re, back)
            steps[f] = TrackStep(f, s.pose, s.status, s.distance, s.predicted)
    return steps
