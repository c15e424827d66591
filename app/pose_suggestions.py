"""What to correct next: the frames of a clip where a human correction would help most, ranked.

Frames the annotator has already dealt with (attention's MANUAL and REVIEWED statuses) are
never suggested. Every other frame collects findings, each a chance in [0, 1] that its pose is
wrong:

- lost: a raw model run ("model:<backend>") found nobody on a frame inside the stretch it
  tracked the athlete through; hole: no working pose between posed frames;
- unsure joint: a model joint under attention's LOW_CONFIDENCE, the lower the likelier wrong;
- long bone: a bone against its own median length over the clip, both in torso lengths
  (shoulder centre to hip centre, a running median over neighbouring frames, so a zoom or the
  athlete nearing the camera changes no ratio). Only long bones count: seen in 2D a bone
  foreshortens, it never grows;
- jump: a joint far off the path of its neighbours (the midpoint of the previous and the next
  frame's joint), far more than is typical over the clip. A somersault moves a wrist about a
  torso length a frame, so displacement alone would flag the whole flight; its path is smooth;
- disagreement: the working pose and the raw model runs, and the runs among themselves,
  placing a joint far apart.

A frame's score is the chance that at least one finding is right (noisy-OR, 1 - prod(1 - p)),
so two problems outrank one. Frames are picked greedily by score, each pick suppressing its
neighbours within a window scaled to the clip, so suggestions spread over it instead of
crowding one bad stretch; before that, every stage with candidates gets its best frame.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from sqlalchemy import distinct, select

from app.attention import LOW_CONFIDENCE, FrameStatus, frame_evidence, frame_statuses
from app.auto_annotate import model_layer
from app.errors import PlumbError
from app.store.models import WORKING_LAYER, PoseFrame
from app.store.queries import pose_track, stage_boundaries
from app.store.records import PoseTrack, StageBoundaries
from inference.skeletons import Skeleton, canonical_name, get_skeleton

# A model that lost the athlete leaves a whole pose to place; a hole may only be a frame the
# model never ran on, so it ranks a little lower.
LOST, HOLE = 1.0, 0.8
# A joint at confidence 0 is as likely wrong as right: two such joints make 0.75.
UNSURE_MAX = 0.5
# The most a certain finding about one bone or joint scores: a lost athlete (a whole pose to
# place) outranks it.
ONE_JOINT_MAX = 0.9
# Bone length over its clip median where a finding starts (a 2D view only ever shortens a
# bone, so 1.3x is already odd) and where it is certain (2x is no pose at all).
BONE_RATIO = (1.3, 2.0)
# ... and how far outside the bone's own spread over the clip, in robust standard deviations
# (1.4826 x the median absolute deviation): short bones (a shoulder seen from the side, the
# face) turn a few pixels of jitter into big ratios, and a twist legitimately widens the hips.
BONE_SPREAD = (3.0, 6.0)
BONE_MIN_SPREAD = 0.02  # torso lengths, about a pixel: the spread of a bone that never changes
BONE_MIN_FRAMES = 5  # frames showing a bone before its median means anything
# Jumps: a joint's distance from the midpoint of its neighbours (its path), against the same
# over the clip: this percentile of it is typical (the fast flight of a dive is typical, a few
# glitches are not). Clean generated dives peak at 2.6x it; 6x is certain.
JUMP_PERCENTILE = 90
JUMP_RATIO = (3.0, 6.0)
JUMP_FLOOR = 0.05  # torso lengths: a still joint's jitter is no scale for its jumps
# Two layers' joint this far apart (torso lengths) starts a finding (PCKh@0.5 forgives half a
# head, about 0.17 torso lengths) and makes it as strong as it gets.
DISAGREE = (0.2, 0.6)
DISAGREE_MAX = 0.5  # one model may be right: a single far-apart joint is a coin toss
# Frames either side of each frame for its torso length: half a second at 30 fps follows any
# zoom but not one bad frame.
SCALE_WINDOW = 15
SUPPRESS_SHARE = 0.02  # of the clip's frames, either side of a pick (at least one)
MODEL_LAYERS = model_layer("%")  # SQL LIKE pattern of every raw model run's layer


@dataclass(frozen=True)
class Suggestion:
    frame: int
    score: float  # in [0, 1]
    reasons: tuple[str, ...]  # strongest first
    stage: str | None


@dataclass(frozen=True)
class _Findings:
    """One kind of finding: chance (T, K) per frame and item, and the words for an item."""

    chance: np.ndarray
    say: Callable[[int, int], str]  # (frame, item) -> reason
    items: str  # plural noun for the rest of the items, e.g. "unsure joints"

    def strength(self, f: int) -> float:
        return float(self.chance[f].max(initial=0.0))

    def reason(self, f: int) -> str:
        k = int(np.argmax(self.chance[f]))
        more = int((self.chance[f] > 0).sum()) - 1
        return self.say(f, k) + (f" (and {more} more {self.items})" if more else "")


def _ramp(value: np.ndarray, start: float, full: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(np.clip((value - start) / (full - start), 0.0, 1.0))


def _words(skeleton: Skeleton) -> list[str]:
    """Joint names as words: r_knee -> "right knee"."""
    return [canonical_name(n).replace("_", " ") for n in skeleton.joint_names]


def _torso(xy: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """(T,) torso length in pixels per frame (see the module docstring); NaN where unknown."""
    names = [canonical_name(n) for n in skeleton.joint_names]
    try:
        ls, rs, lh, rh = (names.index(n) for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))
    except ValueError:
        return np.full(len(xy), np.nan)
    length = np.linalg.norm((xy[:, ls] + xy[:, rs]) / 2 - (xy[:, lh] + xy[:, rh]) / 2, axis=-1)
    padded = np.pad(np.where(length > 0, length, np.nan), SCALE_WINDOW, constant_values=np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # windows without a torso
        running = np.nanmedian(np.lib.stride_tricks.sliding_window_view(padded, 2 * SCALE_WINDOW + 1), axis=1)
        return np.where(np.isfinite(running), running, np.nanmedian(length) if np.isfinite(length).any() else np.nan)


BONE_NAMES = {frozenset(pair): name for pair, name in (
    (("knee", "ankle"), "shin"), (("hip", "knee"), "thigh"), (("shoulder", "elbow"), "upper arm"),
    (("elbow", "wrist"), "forearm"), (("pelvis", "thorax"), "trunk"), (("thorax", "upper_neck"), "neck"),
    (("upper_neck", "head_top"), "head"), (("pelvis", "hip"), "hip"), (("thorax", "shoulder"), "shoulder"),
    (("neck", "shoulder"), "shoulder"), (("shoulder", "hip"), "side"), (("neck", "hip"), "trunk"))}


def _bone_name(skeleton: Skeleton, a: int, b: int) -> str:
    """"right forearm", or "left eye to left ear" for bones without a name."""
    sides = [canonical_name(skeleton.joint_names[j]).partition("_") for j in (a, b)]
    parts = [rest if side in ("left", "right") else canonical_name(skeleton.joint_names[j])
             for (side, _, rest), j in zip(sides, (a, b))]
    name = BONE_NAMES.get(frozenset(parts))
    if name is None:
        words = _words(skeleton)
        return f"{words[a]} to {words[b]}"
    side = {s for s, _, _ in sides if s in ("left", "right")}
    return f"{side.pop()} {name}" if len(side) == 1 else name


def _bones(xy: np.ndarray, scale: np.ndarray, skeleton: Skeleton) -> _Findings:
    a, b = np.array(skeleton.bones, dtype=int).reshape(-1, 2).T
    length = np.linalg.norm(xy[:, a] - xy[:, b], axis=-1) / scale[:, None]  # (T, B) torso lengths
    enough = np.isfinite(length).sum(axis=0) >= BONE_MIN_FRAMES
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # bones never seen
        usual = np.where(enough, np.nanmedian(length, axis=0), np.nan)
        spread = np.fmax(1.4826 * np.nanmedian(np.abs(length - usual), axis=0), BONE_MIN_SPREAD)
    ratio = length / usual
    chance = ONE_JOINT_MAX * np.fmin(_ramp(ratio, *BONE_RATIO), _ramp((length - usual) / spread, *BONE_SPREAD))
    names = [_bone_name(skeleton, i, j) for i, j in zip(a, b)]
    return _Findings(chance, lambda f, k: f"{names[k]} {ratio[f, k]:.1f}× its usual length", "long bones")


def _jumps(xy: np.ndarray, scale: np.ndarray, words: list[str]) -> _Findings:
    # How far each joint is from the midpoint of its neighbours: a somersault moves a wrist a
    # torso length a frame, but smoothly, so only a jump off its path stands out.
    off = np.full(xy.shape[:2], np.nan)
    off[1:-1] = np.linalg.norm(xy[1:-1] - (xy[:-2] + xy[2:]) / 2, axis=-1) / scale[1:-1, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # joints never seen moving
        typical = np.fmax(np.nanpercentile(off, JUMP_PERCENTILE, axis=0), JUMP_FLOOR)
    ratio = off / typical
    return _Findings(ONE_JOINT_MAX * _ramp(ratio, *JUMP_RATIO), lambda f, j: (
        f"{words[j]} {off[f, j]:.1f} torso lengths off its path, {ratio[f, j]:.1f}× its usual"), "jumping joints")


def _disagreement(layers: dict[str, np.ndarray], scale: np.ndarray, words: list[str]) -> _Findings:
    """Per frame, the pair of layers (name -> xy (T, J, 2)) that disagree most."""
    T, J = scale.shape[0], len(words)
    chance, apart, pair_of = np.zeros((T, J)), np.zeros((T, J)), np.zeros(T, int)
    pairs = [(x, y) for x, y in combinations(layers, 2) if layers[x].shape == layers[y].shape]
    for i, (x, y) in enumerate(pairs):
        distance = np.linalg.norm(layers[x] - layers[y], axis=-1) / scale[:, None]
        these = DISAGREE_MAX * _ramp(distance, *DISAGREE)
        better = 1 - np.prod(1 - these, axis=1) > 1 - np.prod(1 - chance, axis=1)
        chance[better], apart[better], pair_of[better] = these[better], distance[better], i
    label = {WORKING_LAYER: "the working pose"}

    def say(f: int, j: int) -> str:
        x, y = pairs[pair_of[f]]
        return f"{words[j]} {apart[f, j]:.1f} torso lengths apart in {label.get(x, x)} and {label.get(y, y)}"
    return _Findings(chance, say, "joints apart")


def rank_frames(track: PoseTrack, frame_count: int, runs: Sequence[PoseTrack] = (),
                stages: StageBoundaries | None = None, count: int = 10) -> list[Suggestion]:
    """The ``count`` frames of a clip most worth correcting, best first (see the module doc).

    track: the working layer; runs: the raw model layers of the same clip; stages: the clip's
    stage names and transitions, to spread suggestions over them and name each one's stage.
    """
    T = int(frame_count)
    if not len(track.frames) or T < 1:
        return []
    skeleton = get_skeleton(track.schema)
    words = _words(skeleton)
    e = frame_evidence(track, T)
    scale = _torso(e.xy, skeleton)
    lost = np.zeros((T, len(runs)))
    layers = {WORKING_LAYER: e.xy}
    for i, run in enumerate(runs):
        found = run.frames[np.isfinite(run.keypoints[..., :2]).all(-1).any(-1)]
        if found.size:
            tracked = (np.arange(T) > found.min()) & (np.arange(T) < found.max())
            lost[:, i] = LOST * (frame_evidence(track, T, run).lost & tracked)
        if run.schema == track.schema:
            layers[run.layer] = frame_evidence(run, T).xy
    unsure = np.where(e.low, UNSURE_MAX * np.clip(1 - np.nan_to_num(e.conf) / LOW_CONFIDENCE, 0, 1), 0.0)
    findings = [
        _Findings(lost, lambda f, i: f"athlete lost by {runs[i].layer}", "model runs"),
        _Findings(HOLE * e.holes[:, None], lambda f, _: "no pose between posed frames", ""),
        _Findings(unsure, lambda f, j: f"{words[j]} confidence {np.nan_to_num(e.conf[f, j]):.2f}", "unsure joints"),
        _bones(e.xy, scale, skeleton),
        _jumps(e.xy, scale, words),
        _disagreement(layers, scale, words),
    ]
    status = frame_statuses(track, T)
    done = (status == FrameStatus.MANUAL) | (status == FrameStatus.REVIEWED)
    score = 1 - np.prod([np.prod(1 - k.chance, axis=1) for k in findings], axis=0)
    score = np.where(done, 0.0, score)
    stage_of = None
    if stages is not None and stages.stage_names:
        stage_of = np.minimum(np.searchsorted(stages.transitions, np.arange(T), side="right"),
                              len(stages.stage_names) - 1)

    def suggestion(f: int) -> Suggestion:
        strongest = sorted((k for k in findings if k.strength(f) > 0), key=lambda k: -k.strength(f))
        stage = stages.stage_names[stage_of[f]] if stage_of is not None else None
        return Suggestion(f, round(float(score[f]), 3), tuple(k.reason(f) for k in strongest), stage)
    return [suggestion(f) for f in _spread(score, count, stage_of)]


def _spread(score: np.ndarray, count: int, stage_of: np.ndarray | None) -> list[int]:
    """Greedy picks by score with temporal suppression, each stage's best frame first."""
    window = max(1, round(len(score) * SUPPRESS_SHARE))
    alive = score > 0
    picked: list[int] = []

    def best(among: np.ndarray) -> int | None:
        candidates = np.flatnonzero(alive & among)
        return int(candidates[np.argmax(score[candidates])]) if candidates.size else None

    def take(f: int) -> None:
        picked.append(f)
        alive[max(0, f - window):f + window + 1] = False

    everywhere = np.ones_like(alive)
    if stage_of is not None:
        stage_best = {s: best(stage_of == s) for s in np.unique(stage_of)}
        for s in sorted((s for s, f in stage_best.items() if f is not None), key=lambda s: -score[stage_best[s]]):
            f = best(stage_of == s)  # again: an earlier pick may have suppressed it
            if f is not None and len(picked) < count:
                take(f)
    while len(picked) < count and (f := best(everywhere)) is not None:
        take(f)
    return sorted(picked, key=lambda f: (-score[f], f))


def suggest_frames(project, clip_id: int, count: int = 10) -> list[Suggestion]:
    """rank_frames on a clip of the project: its working poses, its raw model runs and its
    stages (the expert's, else the model's)."""
    if count < 1:
        raise PlumbError(f"--count must be at least 1, not {count}.")
    clip = next((c for c in project.clips() if c.id == clip_id), None)
    if clip is None:
        raise PlumbError(f"There is no clip {clip_id} in this project; `plumb info` lists the clips.")
    with project.store.reading() as session:
        track = pose_track(session, clip_id)
        if not len(track.frames):
            raise PlumbError(f"Clip {clip_id} has no poses yet: run `plumb pose PROJECT --clip {clip_id}` first.")
        layers = sorted(session.scalars(select(distinct(PoseFrame.layer)).where(
            PoseFrame.clip_id == clip_id, PoseFrame.layer.like(MODEL_LAYERS))))
        runs = [pose_track(session, clip_id, layer) for layer in layers]
        stages = stage_boundaries(session, clip_id, "expert") or stage_boundaries(session, clip_id, "model")
    frame_count = max(clip.frame_count, int(track.frames.max()) + 1)
    return rank_frames(track, frame_count, runs, stages, count)
