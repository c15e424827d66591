"""Label quality checks over a whole project: judging arithmetic, dive numbers, stages and poses.

`check_project(project)` returns one `Problem` per finding. It reads each table once (clips,
clip labels, stage labels, pose rows streamed clip by clip) and checks every clip's poses with
vectorised numpy, so thousands of clips take seconds. Qt-free: the window runs it on a worker.

Kinds (severity):

* ``judging-rule`` (error): the stored score does not follow from the judges' marks × DD
  (METHODS §5, `inference.sports.diving.check_score`, tolerance 0.01). The synchro rule
  (× 0.6) applies when the clip's event or name says "synchro" ("Synchronised"); FineDiving
  keeps 7 marks (drop 2 + 2), 3 (already the counted middle three) or 5 (synchro, counted).
  A label without DD (neither on the label nor on the clip) is reported too. Labels whose marks
  are off the scale get a ``mark-scale`` problem instead: their total cannot be checked.
* ``mark-scale`` (error): a mark outside 0-10 or not in half points (e.g. a typed 55.5).
* ``dive-number`` (error): the clip's dive number does not parse (`parse_dive_number`).
* ``stages-order`` (error): stage transitions not strictly increasing, or not one fewer than
  the stage names.
* ``stages-range`` (error): a transition outside the clip's frames 0 .. frame_count-1.
* ``joint-outside-frame`` (warning): working-layer joints more than `OUTSIDE_MARGIN` of the
  frame's shorter side (at least `OUTSIDE_MIN_PX`) outside the image; consecutive frames are
  one problem.
* ``bone-length`` (warning): in the working layer, a bone longer than `BONE_MAX_RATIO` × its
  median length over the clip (a joint placed on the wrong person or a far-off click; 2D
  foreshortening only ever shortens a bone, so a long bone is never a pose), or a left/right
  pair of bones whose ratio exceeds `LEFT_RIGHT_MAX_RATIO` while the longer one has at least
  half its usual length (a thigh seen end-on legitimately looks short, so the ratio threshold
  is loose). Needs `BONE_MIN_FRAMES` frames with the bone to have a median.
* ``action-disagrees`` (warning): the clip's typed dive number (or action) disagrees with what
  its newest analysis recognised, confidently (``app.action_labels``): e.g. 3½ somersaults typed
  where the poses turn 2½. The frames that decided the reading are given. Clips never analysed
  are not checked (``plumb analyze PROJECT --all`` first).
* ``no-athlete`` (warning): frames where a raw model layer ("model:<backend>") lost the
  athlete (all-NaN row) and the working layer holds no manual joint and no reviewed frame
  there: nobody has looked at them.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from sqlalchemy import select

from app.action_labels import disagreement
from app.store import queries
from app.store.models import WORKING_LAYER, Assessment, ClipLabel, PoseFrame, StageLabel
from app.store.records import ClipRecord
from inference.provenance import JointSource
from inference.skeletons import bone_lengths, get_skeleton
from inference.skeletons.definitions import Skeleton
from inference.sports.diving import check_mark, check_score, parse_dive_number

KINDS = ("judging-rule", "mark-scale", "dive-number", "stages-order", "stages-range",
         "joint-outside-frame", "bone-length", "action-disagrees", "no-athlete")
SEVERITY = {"judging-rule": "error", "mark-scale": "error", "dive-number": "error",
            "stages-order": "error", "stages-range": "error", "joint-outside-frame": "warning",
            "bone-length": "warning", "action-disagrees": "warning", "no-athlete": "warning"}

SCORE_TOLERANCE = 0.01
OUTSIDE_MARGIN = 0.05       # of the frame's shorter side
OUTSIDE_MIN_PX = 4.0
BONE_MAX_RATIO = 2.0        # bone length / its median over the clip
LEFT_RIGHT_MAX_RATIO = 3.0  # longer / shorter of a left/right pair of bones
BONE_MIN_FRAMES = 5
MODEL_LAYER_PREFIX = "model:"


@dataclass(frozen=True)
class Problem:
    kind: str
    clip_id: int
    clip_name: str
    frames: tuple[int, int] | None  # first and last frame, inclusive; None: the whole clip
    message: str
    severity: str  # "error" | "warning"

    def to_json(self) -> dict:
        data = asdict(self)
        data["frames"] = list(self.frames) if self.frames is not None else None
        return data


def _problem(kind: str, clip: ClipRecord, message: str, frames: tuple[int, int] | None = None) -> Problem:
    return Problem(kind, clip.id, clip.name, frames, message, SEVERITY[kind])


def is_synchro(clip: ClipRecord) -> bool:
    text = f"{clip.event or ''} {clip.name}".lower()
    return "synchro" in text


def runs(frames: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive frame numbers grouped into (first, last) runs; `frames` sorted ascending."""
    frames = np.asarray(frames, np.int64)
    if frames.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(frames) != 1)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [frames.size - 1]])
    return [(int(frames[s]), int(frames[e])) for s, e in zip(starts, ends)]


def _frames_text(run: tuple[int, int]) -> str:
    return f"frame {run[0]}" if run[0] == run[1] else f"frames {run[0]}-{run[1]}"


# --- clip-level labels ---------------------------------------------------------------------

def check_dive_number(clip: ClipRecord) -> list[Problem]:
    if not clip.dive_number:
        return []
    try:
        parse_dive_number(clip.dive_number)
    except ValueError as exc:
        return [_problem("dive-number", clip, str(exc))]
    return []


def check_judging(clip: ClipRecord, annotator: str, marks: Sequence | None, difficulty: float | None,
                  score: float | None) -> list[Problem]:
    if not marks or score is None:
        return []
    who = f"labels by {annotator}" if annotator else "labels"
    bad = []
    for mark in marks:
        try:
            check_mark(mark)
        except ValueError:
            bad.append(mark)
    if bad:
        listed = ", ".join(str(m) for m in bad)
        return [_problem("mark-scale", clip, f"mark(s) {listed} not 0-10 in half points (marks {list(marks)}, "
                                             f"score {score}); {who}.")]
    dd = difficulty if difficulty is not None else clip.difficulty
    if dd is None:
        return [_problem("judging-rule", clip, f"{who}: marks and score {score} but no degree of "
                                               "difficulty; set DD to check the total.")]
    synchro = is_synchro(clip)
    check = check_score(list(marks), dd, score, tol=SCORE_TOLERANCE, synchro=synchro)
    if check.ok:
        return []
    rule = "synchro (× 0.6)" if synchro else "individual"
    if check.expected is None:
        message = f"{who}: {check.message}"
    else:
        message = (f"expected {check.expected:.2f}, stored {score}: marks {list(marks)} × DD {dd} ({rule}); "
                   f"{who}.")
    return [_problem("judging-rule", clip, message)]


def check_recognised_action(clip: ClipRecord, action: dict | None) -> list[Problem]:
    found = disagreement(clip.dive_number or clip.action, action)
    if found is None:
        return []
    return [_problem("action-disagrees", clip, f"{found.message} (newest analysis)", found.frames)]


def check_stages(clip: ClipRecord, source: str, names: Sequence[str], transitions: Sequence[int]) -> list[Problem]:
    problems = []
    t = [int(x) for x in transitions]
    if len(names) and len(t) != len(names) - 1:
        problems.append(_problem("stages-order", clip, f"{source} stages: {len(names)} stages need "
                                                       f"{len(names) - 1} transitions, {len(t)} stored."))
    for k in range(1, len(t)):
        if t[k] <= t[k - 1]:
            problems.append(_problem("stages-order", clip, f"{source} stages: transition {k + 1} at frame "
                                                           f"{t[k]} does not come after frame {t[k - 1]}.",
                                     (min(t[k - 1], t[k]), max(t[k - 1], t[k]))))
    for k, frame in enumerate(t):
        if not 0 <= frame < clip.frame_count:
            problems.append(_problem("stages-range", clip, f"{source} stages: transition {k + 1} at frame "
                                                           f"{frame} lies outside the clip (0-{clip.frame_count - 1})."))
    return problems


# --- poses ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Layer:
    schema: str
    frames: np.ndarray      # (N,)
    keypoints: np.ndarray   # (N, J, 3)
    source: np.ndarray      # (N, J)
    reviewed: np.ndarray    # (N,)


def check_outside(clip: ClipRecord, layer: _Layer, skeleton: Skeleton) -> list[Problem]:
    if layer.frames.size == 0 or clip.width <= 0 or clip.height <= 0:
        return []
    margin = max(OUTSIDE_MIN_PX, OUTSIDE_MARGIN * min(clip.width, clip.height))
    x, y = layer.keypoints[..., 0], layer.keypoints[..., 1]
    with np.errstate(invalid="ignore"):
        excess = np.fmax.reduce([-x, x - (clip.width - 1), -y, y - (clip.height - 1)])  # NaN where unknown
        outside = excess > margin
    bad = outside.any(axis=1)
    problems = []
    for first, last in runs(layer.frames[bad]):
        rows = (layer.frames >= first) & (layer.frames <= last)
        joints = np.flatnonzero(outside[rows].any(axis=0))
        worst = float(np.nanmax(np.where(outside[rows], excess[rows], np.nan)))
        names = ", ".join(skeleton.joint_names[j] for j in joints)
        problems.append(_problem(
            "joint-outside-frame", clip,
            f"{names} outside the {clip.width}×{clip.height} frame by up to {worst:.0f} px "
            f"(margin {margin:.0f} px), {_frames_text((first, last))}.", (first, last)))
    return problems


def _mirror_bones(skeleton: Skeleton) -> list[tuple[int, int]]:
    """Pairs (b_left, b_right) of bone indices that mirror each other."""
    mirror = {}
    for left, right in skeleton.left_right:
        mirror[left], mirror[right] = right, left
    index = {frozenset(bone): b for b, bone in enumerate(skeleton.bones)}
    pairs = []
    for b, (i, j) in enumerate(skeleton.bones):
        other = index.get(frozenset((mirror.get(i, i), mirror.get(j, j))))
        if other is not None and other > b:
            pairs.append((b, other))
    return pairs


def check_bones(clip: ClipRecord, layer: _Layer, skeleton: Skeleton) -> list[Problem]:
    if layer.frames.size < BONE_MIN_FRAMES:
        return []
    lengths = bone_lengths(layer.keypoints.astype(np.float64), skeleton)  # (N, B)
    counted = np.isfinite(lengths).sum(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: bones never seen
        median = np.nanmedian(np.where(np.isfinite(lengths), lengths, np.nan), axis=0)
    median = np.where((counted >= BONE_MIN_FRAMES) & (median > 0), median, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = lengths / median                       # (N, B), NaN without a median
        too_long = ratio > BONE_MAX_RATIO
        lr_bad = np.zeros_like(too_long)
        for a, b in _mirror_bones(skeleton):
            la, lb = lengths[:, a], lengths[:, b]
            longer, shorter = np.fmax(la, lb), np.fmin(la, lb)
            usual = np.where(la >= lb, ratio[:, a], ratio[:, b])
            flag = (longer > LEFT_RIGHT_MAX_RATIO * shorter) & (usual >= 0.5)
            lr_bad[:, a] |= flag
            lr_bad[:, b] |= flag
    problems = []
    names = [f"{skeleton.joint_names[i]}-{skeleton.joint_names[j]}" for i, j in skeleton.bones]
    for flags, what in ((too_long, f"longer than {BONE_MAX_RATIO:g}× its median over the clip"),
                        (lr_bad, f"left/right lengths differ more than {LEFT_RIGHT_MAX_RATIO:g}×")):
        bad = flags.any(axis=1)
        for first, last in runs(layer.frames[bad]):
            rows = (layer.frames >= first) & (layer.frames <= last)
            bones = np.flatnonzero(flags[rows].any(axis=0))
            detail = ", ".join(names[b] for b in bones)
            if flags is too_long:
                worst = float(np.nanmax(np.where(flags[rows], ratio[rows], np.nan)))
                detail += f" (up to {worst:.1f}× the median)"
            problems.append(_problem("bone-length", clip, f"{detail}: {what}, {_frames_text((first, last))}.",
                                     (first, last)))
    return problems


def check_lost(clip: ClipRecord, model_layer: str, raw: _Layer, working: _Layer | None) -> list[Problem]:
    if raw.frames.size == 0:
        return []
    lost = ~np.isfinite(raw.keypoints[..., :2]).any(axis=(1, 2))
    frames = raw.frames[lost]
    if working is not None and working.frames.size and frames.size:
        looked = (working.source == JointSource.MANUAL.value).any(axis=1) | working.reviewed
        frames = frames[~np.isin(frames, working.frames[looked])]
    return [_problem("no-athlete", clip, f"{model_layer} lost the athlete in {_frames_text(run)} and no "
                                         "manual pose covers it.", run)
            for run in runs(frames)]


def check_clip_poses(clip: ClipRecord, layers: dict[str, _Layer]) -> list[Problem]:
    problems: list[Problem] = []
    working = layers.get(WORKING_LAYER)
    if working is not None:
        try:
            skeleton = get_skeleton(working.schema)
        except (KeyError, ValueError):
            skeleton = None
        if skeleton is not None and working.keypoints.shape[1] == skeleton.num_joints:
            problems += check_outside(clip, working, skeleton)
            problems += check_bones(clip, working, skeleton)
    for name, layer in sorted(layers.items()):
        if name.startswith(MODEL_LAYER_PREFIX):
            problems += check_lost(clip, name, layer, working)
    return problems


def _stack(rows: list) -> dict[str, _Layer]:
    """Pose rows (layer, frame, schema, keypoints, source, reviewed) of one clip -> layers.

    A layer mixing schemas keeps the rows of its most common schema."""
    by_layer: dict[str, list] = defaultdict(list)
    for row in rows:
        by_layer[row[0]].append(row)
    layers = {}
    for name, items in by_layer.items():
        schemas = [r[2] for r in items]
        schema = max(set(schemas), key=schemas.count)
        items = [r for r in items if r[2] == schema]
        n = len(items)
        kp = np.frombuffer(b"".join(r[3] for r in items), "<f4").reshape(n, -1, 3)
        src = np.frombuffer(b"".join(r[4] for r in items), np.uint8).reshape(n, -1)
        if src.shape[1] != kp.shape[1]:
            continue
        layers[name] = _Layer(schema, np.array([r[1] for r in items], np.int64), kp, src,
                              np.array([bool(r[5]) for r in items]))
    return layers


def _pose_rows(session, clip_ids: set[int] | None) -> Iterator[tuple[int, list]]:
    """(clip_id, rows) per clip in id order, streamed from one query over the pose table."""
    statement = (select(PoseFrame.clip_id, PoseFrame.layer, PoseFrame.frame, PoseFrame.schema,
                        PoseFrame.keypoints, PoseFrame.source, PoseFrame.reviewed)
                 .where((PoseFrame.layer == WORKING_LAYER) | PoseFrame.layer.like(MODEL_LAYER_PREFIX + "%"))
                 .order_by(PoseFrame.clip_id, PoseFrame.layer, PoseFrame.frame))
    if clip_ids is not None and len(clip_ids) <= 500:
        statement = statement.where(PoseFrame.clip_id.in_(sorted(clip_ids)))
    current, rows = None, []
    for clip_id, *row in session.execute(statement).yield_per(5000):
        if clip_ids is not None and clip_id not in clip_ids:
            continue
        if clip_id != current:
            if rows:
                yield current, rows
            current, rows = clip_id, []
        rows.append(row)
    if rows:
        yield current, rows


# --- the whole project ---------------------------------------------------------------------

def check_project(project, clip_ids: Iterable[int] | None = None) -> list[Problem]:
    """All problems of the project's clips (or of `clip_ids`), clip by clip, in kind order."""
    wanted = None if clip_ids is None else {int(c) for c in clip_ids}
    problems: list[Problem] = []
    with project.store.reading() as session:
        clips = {c.id: c for c in queries.list_clips(session) if wanted is None or c.id in wanted}
        for label in session.scalars(select(ClipLabel).order_by(ClipLabel.clip_id, ClipLabel.annotator)):
            clip = clips.get(label.clip_id)
            if clip is not None:
                problems += check_judging(clip, label.annotator, label.judge_marks, label.difficulty,
                                          label.overall_score)
        for clip in clips.values():
            problems += check_dive_number(clip)
        newest: dict[int, dict | None] = {}
        for clip_id, action in session.execute(select(Assessment.clip_id, Assessment.action).order_by(Assessment.id)):
            newest[clip_id] = action
        for clip_id, action in newest.items():
            if clip_id in clips:
                problems += check_recognised_action(clips[clip_id], action)
        for stage in session.scalars(select(StageLabel).order_by(StageLabel.clip_id, StageLabel.source)):
            clip = clips.get(stage.clip_id)
            if clip is not None:
                problems += check_stages(clip, stage.source, stage.stage_names or [], stage.transitions or [])
        for clip_id, rows in _pose_rows(session, set(clips) if wanted is not None else None):
            clip = clips.get(clip_id)
            if clip is not None:
                problems += check_clip_poses(clip, _stack(rows))
    order = {kind: i for i, kind in enumerate(KINDS)}
    problems.sort(key=lambda p: (order[p.kind], p.clip_id, p.frames or (-1, -1)))
    return problems


def count_by_kind(problems: Iterable[Problem]) -> dict[str, int]:
    counts = {kind: 0 for kind in KINDS}
    for p in problems:
        counts[p.kind] += 1
    return {k: v for k, v in counts.items() if v}


__all__ = ["KINDS", "SEVERITY", "Problem", "check_project", "count_by_kind", "runs", "is_synchro"]
