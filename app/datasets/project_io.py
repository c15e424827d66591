"""Dataset records into a project and back: one transaction and one undo step per import.

An import is a bulk load, not a gesture: it is written in **one transaction** (all or
nothing: a refused dive or a malformed file leaves the project unchanged) by its own fast
path, and logged in the same transaction as **one edit-log entry** holding what the
import changed on each clip before and after (:mod:`app.edits.snapshot`), so undo takes
the whole import back and redo puts it again. Re-importing the same
dataset updates its clips, matched by ``Clip.source_key`` (the dataset key, e.g.
``"FINAWorldChampionships2019_Men10mSynchronised_final_r4/1"``), and never duplicates them.

What a dive becomes:

* a clip without a video (``path`` None until ``plumb relink`` attaches one) with
  ``name = source_key = key``, ``event``, ``dive_number`` (the canonical FINA code when it
  parses), ``difficulty``, ``split`` (kept when the file has none) and ``frame_count`` =
  ``len(frame_labels)`` or ``end_frame - start_frame + 1``. The clip's frame 0 is the
  dive's ``start_frame``; the frame rate is not in FineDiving's files, so it is
  ``fps`` (default :data:`DEFAULT_FPS`) until a video is attached.
* a ``ClipLabel`` of ``annotator`` (``"import:<format>"``): score, judge marks, DD.
* an expert ``StageLabel``. FineDiving's ``steps_transit_frames`` mark the *last* frame of
  a step; Plumb stores the frame where the next stage *begins*, so each is stored + 1
  (and - 1 on export). With 2 transitions (3 steps, 2209 of 3000 dives) the stages take
  the names of the sport template (take-off, flight, entry); with 3 or 4 the dive keeps
  its own step names (the sub-action names of ``frame_labels``' runs, e.g. ``Back``,
  ``3.5 Soms.Tuck``, ``Entry``), because they do not map one-to-one onto the template.
* what has no column (the untrimmed ``start_frame``/``end_frame``, the sub-action id of
  each ``frame_labels`` run, an action that is not a valid dive number, other attributes)
  goes to the project setting :data:`EXTRAS_SETTING`, keyed by source key, so an export
  writes the files back with the same values.

Poses read from a dataset are expert labels: they go to the working layer as MANUAL
joints with the file's visibility (written with :func:`app.store.pose_rows.upsert`, or a
bulk insert for frames not stored yet).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import insert, select

from app.datasets.errors import DatasetError
from app.datasets.finediving import SUB_ACTION_TYPES
from app.datasets.records import DiveLabel, ImagePose, PoseSequence
from app.edits.snapshot import EXTRAS_SETTING, ClipDataTarget, snapshot
from app.sports_templates import load_sport
from app.store import pose_rows
from app.store.blobs import encode_flags, encode_keypoints
from app.store.events import ClipsChanged
from app.store.models import WORKING_LAYER, Clip, ClipLabel, PoseFrame, Setting, StageLabel, utc_now
from inference.provenance import JointSource
from inference.skeletons import get_skeleton
from inference.sports.diving import parse_dive_number

DEFAULT_FPS = 25.0
"""Frame rate given to imported clips until a video is attached (FineDiving does not state
its frame rate; 25 is the broadcast rate of most of its competitions)."""
MAX_FRAMES_WITHOUT_VIDEO = 100_000
"""Longest clip an import may create or grow without a video (over an hour at 25 fps): a
frame number beyond it is a broken file, and memory is sized by frame counts."""
MAX_FPS = 1000.0
EXPERT = "expert"


def check_fps(fps: float) -> float:
    """The frame rate given to new clips without video: a finite number in (0, MAX_FPS]."""
    try:
        value = float(fps)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0 < value <= MAX_FPS:  # also False for NaN
        raise DatasetError(f"frame rate {fps!r} must be a number above 0 and at most {MAX_FPS:g} "
                           "(e.g. --fps 25)")
    return value


def _check_length(name: str, frames: int) -> None:
    """Refuse a clip without video longer than :data:`MAX_FRAMES_WITHOUT_VIDEO`."""
    if frames > MAX_FRAMES_WITHOUT_VIDEO:
        raise DatasetError(f"clip {name}: {frames} frames is more than the {MAX_FRAMES_WITHOUT_VIDEO} a clip "
                           "without video may have; the file's frame numbers are probably wrong. "
                           "Nothing was imported")


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: clips added / updated, label rows and pose frames written."""

    format: str
    added: int = 0
    updated: int = 0
    stage_labels: int = 0
    clip_labels: int = 0
    pose_frames: int = 0


# ----------------------------------------------------------------------------- dives

def _frame_count(dive: DiveLabel) -> int:
    if (dive.start_frame is not None and dive.start_frame < 0) or \
            (dive.start_frame is not None and dive.end_frame is not None and dive.end_frame < dive.start_frame):
        raise DatasetError(f"dive {dive.key}: start frame {dive.start_frame} and end frame {dive.end_frame} "
                           "must satisfy 0 <= start <= end; nothing was imported")
    if dive.frame_labels is not None and len(dive.frame_labels):
        return int(len(dive.frame_labels))
    if dive.start_frame is not None and dive.end_frame is not None and dive.end_frame >= dive.start_frame:
        return int(dive.end_frame - dive.start_frame + 1)
    raise DatasetError(f"dive {dive.key}: has neither frame labels nor a start and end frame; "
                       "its clip length is unknown")


def _runs(frame_labels: np.ndarray) -> tuple[list[int], list[int]]:
    """Sub-action id of each run of equal labels and the frame each run starts at."""
    labels = np.asarray(frame_labels)
    starts = np.r_[0, np.flatnonzero(labels[1:] != labels[:-1]) + 1]
    return [int(labels[s]) for s in starts], [int(s) for s in starts]


def _stages(dive: DiveLabel, template: Sequence[str], ids: list[int]) -> tuple[list[str], list[int]] | None:
    if not dive.stage_transitions:
        return None
    transitions = [int(t) + 1 for t in dive.stage_transitions]
    if len(transitions) == len(template) - 1:
        return list(template), transitions
    if len(ids) == len(transitions) + 1:
        names = dict(SUB_ACTION_TYPES) | {int(k): str(v) for k, v in dive.sub_action_names.items()}
        return [names.get(i, f"sub-action {i}") for i in ids], transitions
    return [f"step {k + 1}" for k in range(len(transitions) + 1)], transitions


def _dive_number(action: str | None) -> str | None:
    if not action:
        return None
    try:
        return parse_dive_number(action).code
    except ValueError:
        return None


def import_dives(project, dives: Sequence[DiveLabel], annotator: str = "import",
                 fps: float = DEFAULT_FPS) -> ImportSummary:
    """Write ``dives`` into ``project`` in one transaction (see the module docstring).

    Raises:
        DatasetError: a dive is refused (duplicate key, unknown length, a length that
            differs from an attached video's); nothing is written then.
    """
    dives = list(dives)
    keys = [d.key for d in dives]
    if len(set(keys)) != len(keys):
        duplicate = next(k for k in keys if keys.count(k) > 1)
        raise DatasetError(f"dive {duplicate} appears twice; every dive needs its own key")
    counts = [_frame_count(d) for d in dives]
    fps = check_fps(fps)
    template = load_sport(project.setting("sport") or "diving").stage_names
    sport = project.setting("sport") or "diving"
    added = updated = 0
    with project.store.transaction() as tx:
        session = tx.session
        existing = {row.source_key: row for row in session.scalars(select(Clip).where(Clip.source_key.is_not(None)))}
        before = snapshot(session, [ClipDataTarget(existing[d.key].id, (), ()) for d in dives if d.key in existing])
        rows = []
        for dive, count in zip(dives, counts):
            row = existing.get(dive.key)
            if row is None or row.fingerprint is None:
                _check_length(dive.key, count)
            if row is None:
                row = Clip(name=dive.key, source_key=dive.key, frame_count=count, fps=fps, width=0, height=0,
                           codec="", is_vfr=False, sport=sport)
                session.add(row)
                added += 1
            else:
                if row.fingerprint is not None and row.frame_count != count:
                    raise DatasetError(f"dive {dive.key}: is {count} frames long but its clip's video has "
                                       f"{row.frame_count}; nothing was imported")
                row.frame_count = count
                updated += 1
            row.event = dive.event or row.event
            row.dive_number = _dive_number(dive.action) or row.dive_number
            row.action = row.dive_number or dive.action or row.action
            row.difficulty = dive.difficulty if dive.difficulty is not None else row.difficulty
            row.split = dive.split or row.split
            rows.append(row)
        session.flush()
        ids = [row.id for row in rows]
        stage_rows = {r.clip_id: r for r in session.scalars(
            select(StageLabel).where(StageLabel.source == EXPERT, StageLabel.clip_id.in_(ids)))}
        label_rows = {r.clip_id: r for r in session.scalars(
            select(ClipLabel).where(ClipLabel.annotator == annotator, ClipLabel.clip_id.in_(ids)))}
        extras = dict(_setting(session, EXTRAS_SETTING) or {})
        n_stages = n_labels = 0
        now = utc_now()
        for dive, row in zip(dives, rows):
            run_ids, run_starts = _runs(dive.frame_labels) if dive.frame_labels is not None else ([], [])
            stages = _stages(dive, template, run_ids)
            if stages is not None:
                stage = stage_rows.get(row.id) or StageLabel(clip_id=row.id, source=EXPERT)
                stage.stage_names, stage.transitions = stages
                stage.annotator, stage.updated_at = annotator, now
                session.add(stage)
                n_stages += 1
            if dive.score is not None or dive.judge_marks or dive.difficulty is not None:
                label = label_rows.get(row.id) or ClipLabel(clip_id=row.id, annotator=annotator)
                label.overall_score, label.difficulty = dive.score, dive.difficulty
                label.judge_marks = list(dive.judge_marks) if dive.judge_marks else None
                label.updated_at = now
                session.add(label)
                n_labels += 1
            extras[dive.key] = _extras(dive, run_ids, run_starts)
        _set_setting(session, EXTRAS_SETTING, extras)
        known = {target.clip_id for target, _ in before}
        before += [(ClipDataTarget(i, (), ()), None) for i in ids if i not in known]
        project.history.log_bulk(tx, f"Import {len(dives)} dive(s) ({annotator})", "import", before)
        tx.announce(ClipsChanged(frozenset(ids)))
    return ImportSummary(annotator, added, updated, n_stages, n_labels)


def _extras(dive: DiveLabel, run_ids: list[int], run_starts: list[int]) -> dict[str, Any]:
    extra: dict[str, Any] = {"start_frame": dive.start_frame, "end_frame": dive.end_frame}
    if dive.action and _dive_number(dive.action) != dive.action:
        extra["action"] = dive.action
    if dive.frame_labels is not None:
        extra["runs"] = [run_ids, run_starts]
        extra["sub_action_names"] = {str(k): v for k, v in dive.sub_action_names.items()}
    if dive.attributes:
        extra["attributes"] = dict(dive.attributes)
    return extra


def _setting(session, key: str) -> Any:
    row = session.get(Setting, key)
    return None if row is None else row.value


def _set_setting(session, key: str, value: Any) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def _selected_clips(session, clip_ids: Iterable[int] | None, split: str | None = None) -> list[Clip]:
    statement = select(Clip).order_by(Clip.id)
    if clip_ids is not None:
        wanted = sorted({int(c) for c in clip_ids})
        statement = statement.where(Clip.id.in_(wanted))
    if split is not None:
        statement = statement.where(Clip.split == split)
    clips = list(session.scalars(statement))
    if clip_ids is not None and len(clips) < len(set(clip_ids)) and split is None:
        missing = sorted(set(clip_ids) - {c.id for c in clips})
        raise DatasetError(f"no clip {missing[0]} in this project; `plumb info` lists the clips")
    return clips


def export_dives(project, clip_ids: Iterable[int] | None = None, split: str | None = None,
                 annotator: str | None = None) -> list[DiveLabel]:
    """The clips' labels as dives (all clips when ``clip_ids`` is None).

    Score, marks and DD come from the ClipLabel of ``annotator``, or else from the first
    label (by annotator name) that has a score. Transitions are written in FineDiving's
    convention (last frame of a step); ``frame_labels`` come back from the imported runs.
    """
    with project.store.reading() as session:
        clips = _selected_clips(session, clip_ids, split)
        ids = [c.id for c in clips]
        stages = {r.clip_id: r for r in session.scalars(
            select(StageLabel).where(StageLabel.source == EXPERT, StageLabel.clip_id.in_(ids)))}
        labels: dict[int, list[ClipLabel]] = defaultdict(list)
        for r in session.scalars(select(ClipLabel).where(ClipLabel.clip_id.in_(ids)).order_by(ClipLabel.annotator)):
            labels[r.clip_id].append(r)
        extras = _setting(session, EXTRAS_SETTING) or {}
        out = []
        for clip in clips:
            # A clip of the user's own video is dive 0 of a video named like the clip.
            key = clip.source_key or f"{clip.name}/0"
            extra = extras.get(key, {})
            candidates = labels.get(clip.id, [])
            label = next((r for r in candidates if r.annotator == annotator), None) if annotator else None
            label = label or next((r for r in candidates if r.overall_score is not None), None)
            stage = stages.get(clip.id)
            frame_labels = None
            if "runs" in extra:
                run_ids, run_starts = extra["runs"]
                frame_labels = np.repeat(np.asarray(run_ids, np.int64),
                                         np.diff(np.r_[run_starts, clip.frame_count]))
            elif stage is not None:
                # Stages labelled in Plumb: each frame carries its stage's number (1, 2, ...).
                frame_labels = np.searchsorted(np.asarray(stage.transitions, np.int64),
                                               np.arange(clip.frame_count), side="right").astype(np.int64) + 1
            start = extra.get("start_frame")
            end = extra.get("end_frame")
            out.append(DiveLabel(
                key=key,
                action=extra.get("action") or clip.dive_number,
                score=label.overall_score if label else None,
                difficulty=(label.difficulty if label and label.difficulty is not None else clip.difficulty),
                judge_marks=tuple(float(m) for m in (label.judge_marks or ())) if label else (),
                start_frame=0 if start is None else int(start),
                end_frame=clip.frame_count - 1 if end is None else int(end),
                stage_transitions=tuple(int(t) - 1 for t in stage.transitions) if stage else (),
                frame_labels=frame_labels,
                sub_action_names=({int(k): v for k, v in extra["sub_action_names"].items()}
                                  if "sub_action_names" in extra else
                                  {k + 1: str(n) for k, n in enumerate(stage.stage_names)} if stage else {}),
                event=clip.event or "",
                split=clip.split,
                attributes=dict(extra.get("attributes", {})),
            ))
        return out


# ----------------------------------------------------------------------------- poses

def _existing_clip(session, name: str, cache: dict[str, Clip]) -> Clip | None:
    """The clip a file's clip name means: its source key, else its name (the oldest such clip)."""
    return cache.get(name) or session.scalars(select(Clip).where(Clip.source_key == name)).first() or \
        session.scalars(select(Clip).where(Clip.name == name).order_by(Clip.id)).first()


def _labelled_frames(seq: PoseSequence) -> tuple[int, ...]:
    """The frames :func:`_write_sequence` writes a pose row for."""
    kp, vis = np.asarray(seq.keypoints), np.asarray(seq.visibility)
    known = np.isfinite(kp[..., 0]) & np.isfinite(kp[..., 1])
    return tuple(int(t) for t in np.flatnonzero(known.any(axis=1) | (vis > 0).any(axis=1)))


def _clip_for(session, name: str, frames: int, fps: float, sport: str, cache: dict[str, Clip]) -> Clip:
    row = _existing_clip(session, name, cache)
    if row is None:
        _check_length(name, frames)
        row = Clip(name=name, source_key=name, frame_count=frames, fps=fps, width=0, height=0, codec="",
                   is_vfr=False, sport=sport)
        session.add(row)
        session.flush()
    elif frames > row.frame_count:
        if row.fingerprint is not None:
            raise DatasetError(f"clip {name}: the file has poses for {frames} frames but the clip's video "
                               f"has {row.frame_count}; nothing was imported")
        _check_length(name, frames)
        row.frame_count = frames
    cache[name] = row
    return row


def _write_sequence(session, clip_id: int, seq: PoseSequence, annotator: str, layer: str = WORKING_LAYER) -> int:
    kp = np.asarray(seq.keypoints, dtype=np.float32)
    vis = np.asarray(seq.visibility, dtype=np.uint8)
    box = np.asarray(seq.bbox, dtype=np.float64)
    known = np.isfinite(kp[..., 0]) & np.isfinite(kp[..., 1])
    labelled = np.flatnonzero(known.any(axis=1) | (vis > 0).any(axis=1))
    source = np.where(known, JointSource.MANUAL, JointSource.NONE).astype(np.uint8)
    rows = pose_rows.rows_by_frame(session, clip_id, layer)
    fresh = []
    now = utc_now()
    for t in labelled:
        t = int(t)
        bbox = tuple(float(v) for v in box[t]) if np.isfinite(box[t]).all() else None
        if t in rows:
            pose_rows.upsert(session, rows, clip_id=clip_id, layer=layer, frame=t, schema=seq.schema,
                             keypoints=kp[t], visibility=vis[t], source=source[t], bbox=bbox)
            rows[t].annotator = annotator
        else:
            x1, y1, x2, y2 = bbox if bbox is not None else (None,) * 4
            fresh.append({"clip_id": clip_id, "frame": t, "layer": layer, "schema": seq.schema,
                          "keypoints": encode_keypoints(kp[t]), "visibility": encode_flags(vis[t]),
                          "source": encode_flags(source[t]), "bbox_x1": x1, "bbox_y1": y1, "bbox_x2": x2,
                          "bbox_y2": y2, "annotator": annotator, "reviewed": False, "updated_at": now})
    if fresh:
        session.execute(insert(PoseFrame), fresh)
    return len(labelled)


def _check_schema(session, clip: Clip, seq: PoseSequence, layer: str) -> None:
    """Refuse poses in another skeleton than the clip's stored ones in ``layer``: the store
    keeps one skeleton per clip and layer, and mixed joint counts break every reader."""
    stored = session.scalars(select(PoseFrame.schema).where(
        PoseFrame.clip_id == clip.id, PoseFrame.layer == layer, PoseFrame.schema != seq.schema).limit(1)).first()
    if stored is not None:
        raise DatasetError(f"clip {seq.name}: the file's poses are {seq.schema} but the clip's {layer} poses "
                           f"are {stored}; convert the file to {stored}, or import into another layer "
                           "(--layer); nothing was imported")


# Coordinates are stored as 32-bit floats: a larger value would be stored as infinity.
_LARGEST_COORDINATE = float(np.finfo(np.float32).max)


def _check_sequence(seq: PoseSequence) -> None:
    try:
        joints = get_skeleton(seq.schema).num_joints
    except ValueError as exc:
        raise DatasetError(f"clip {seq.name}: {exc}") from None
    t = seq.num_frames
    if np.shape(seq.keypoints) != (t, joints, 3) or np.shape(seq.visibility) != (t, joints) \
            or np.shape(seq.bbox) != (t, 4) or t < 1:
        raise DatasetError(f"clip {seq.name}: arrays must be ({t}, {joints}, 3), ({t}, {joints}), ({t}, 4); "
                           f"got {np.shape(seq.keypoints)}, {np.shape(seq.visibility)}, {np.shape(seq.bbox)}")
    coordinates = np.concatenate([np.asarray(seq.keypoints, np.float64)[..., :2].ravel(),
                                  np.asarray(seq.bbox, np.float64).ravel()])
    if (np.abs(coordinates[~np.isnan(coordinates)]) > _LARGEST_COORDINATE).any():
        raise DatasetError(f"clip {seq.name}: a keypoint or box coordinate is infinite or too large to be "
                           f"a pixel position (at most {_LARGEST_COORDINATE:.1e})")


def import_sequences(project, sequences: Sequence[PoseSequence], annotator: str = "import:sequences",
                     fps: float = DEFAULT_FPS, layer: str = WORKING_LAYER) -> ImportSummary:
    """Write each sequence's poses to `layer` (the working layer unless a second annotator's
    poses go to their own layer, e.g. "annotator:ana", for agreement) of the clip named like it (its
    source key, else its name), creating a clip without video when none is; labels in
    ``seq.labels`` (split, action, difficulty, score) are applied too. One transaction."""
    sequences = list(sequences)
    for seq in sequences:
        _check_sequence(seq)
    fps = check_fps(fps)
    sport = project.setting("sport") or "diving"
    template = load_sport(sport).stage_names
    frames = added = labels = stages = 0
    with project.store.transaction() as tx:
        cache: dict[str, Clip] = {}
        before = {c for c in tx.session.scalars(select(Clip.id))}
        # What undo restores: each clip's state before its first write, over every frame
        # any sequence of that name writes.
        frames_of: dict[str, set[int]] = defaultdict(set)
        for seq in sequences:
            frames_of[seq.name].update(_labelled_frames(seq))
        undo: dict[str, tuple] = {}
        for seq in sequences:
            if seq.name not in undo:
                found = _existing_clip(tx.session, seq.name, cache)
                target = ClipDataTarget(found.id if found else 0, (layer,), tuple(sorted(frames_of[seq.name])))
                undo[seq.name] = (target, target.read(tx.session) if found else None)
            row = _clip_for(tx.session, seq.name, seq.num_frames, fps, sport, cache)
            if undo[seq.name][0].clip_id == 0:
                undo[seq.name] = (ClipDataTarget(row.id, (layer,), undo[seq.name][0].frames), None)
            _check_schema(tx.session, row, seq, layer)
            labels += _apply_labels(tx.session, row, seq.labels, annotator)
            stages += _apply_transitions(tx.session, row, seq, template, annotator)
            frames += _write_sequence(tx.session, row.id, seq, annotator, layer)
        ids = {row.id for row in cache.values()}
        added = len(ids - before)
        project.history.log_bulk(tx, f"Import {len(sequences)} clip(s) of poses ({annotator})", "import",
                                 list(undo.values()))
        tx.announce(ClipsChanged(frozenset(ids)))
    return ImportSummary(annotator, added, len(ids) - added, stages, labels, frames)


def _apply_transitions(session, row: Clip, seq: PoseSequence, template: Sequence[str], annotator: str) -> int:
    """The expert stages of a sequence whose labels give ``transitions`` (first frame of each
    next stage), named by the sport's stages when the count fits."""
    transitions = [int(t) for t in seq.labels.get("transitions") or ()]
    if not transitions:
        return 0
    if any(b <= a for a, b in zip(transitions, transitions[1:])) or transitions[0] <= 0 \
            or transitions[-1] >= seq.num_frames:
        raise DatasetError(f"clip {seq.name}: transitions {';'.join(map(str, transitions))} must increase "
                           f"and lie inside the clip's {seq.num_frames} frames; nothing was imported")
    names = list(template) if len(transitions) == len(template) - 1 else \
        [f"step {k + 1}" for k in range(len(transitions) + 1)]
    stage = session.scalars(select(StageLabel).where(StageLabel.clip_id == row.id,
                                                     StageLabel.source == EXPERT)).first()
    if stage is None:
        stage = StageLabel(clip_id=row.id, source=EXPERT)
        session.add(stage)
    stage.stage_names, stage.transitions = names, transitions
    stage.annotator, stage.updated_at = annotator, utc_now()
    return 1


def _apply_labels(session, row: Clip, labels: dict[str, Any], annotator: str) -> int:
    if labels.get("split"):
        row.split = str(labels["split"])
    if labels.get("action"):
        dive = _dive_number(str(labels["action"]))
        row.dive_number = dive or row.dive_number
        row.action = dive or str(labels["action"])
    if labels.get("difficulty") is not None:
        row.difficulty = float(labels["difficulty"])
    if labels.get("score") is None:
        return 0
    label = session.scalars(select(ClipLabel).where(ClipLabel.clip_id == row.id,
                                                    ClipLabel.annotator == annotator)).first()
    if label is None:
        label = ClipLabel(clip_id=row.id, annotator=annotator)
        session.add(label)
    label.overall_score = float(labels["score"])
    label.difficulty = row.difficulty
    label.updated_at = utc_now()
    return 1


_FRAME = re.compile(r"^(.*?)(\d+)$")


def image_location(image: str) -> tuple[str, int]:
    """``"images/<clip name>/<frame>.jpg"`` -> (clip name, frame); the image folder layout
    Plumb exports and reads back (a leading ``images/`` is optional)."""
    path = image.replace("\\", "/")
    folder, _, file = path.rpartition("/")
    stem = file.rsplit(".", 1)[0]
    match = _FRAME.match(stem)
    if folder.startswith("images/"):
        folder = folder[len("images/"):]
    if not folder or match is None or match.group(1).strip("_-. "):
        raise DatasetError(f"image {image!r}: expected '<clip name>/<frame number>.<ext>' to know its clip "
                           "and frame")
    return folder, int(match.group(2))


def import_image_poses(project, poses: Sequence[ImagePose], annotator: str = "import:images", layer: str = WORKING_LAYER,
                       fps: float = DEFAULT_FPS) -> ImportSummary:
    """Per-image poses (COCO, MPII, LabelMe) into the working layer; the image name says the
    clip and frame (:func:`image_location`). One person per image. One transaction."""
    by_clip: dict[str, dict[int, ImagePose]] = defaultdict(dict)
    for pose in poses:
        name, frame = image_location(pose.image)
        if frame in by_clip[name]:
            raise DatasetError(f"image {pose.image}: a second person; Plumb keeps one athlete per frame")
        by_clip[name][frame] = pose
    _check_frames_fit(project, by_clip)
    sequences = []
    for name, frames in by_clip.items():
        schemas = {p.schema for p in frames.values()}
        if len(schemas) != 1:
            raise DatasetError(f"clip {name}: frames in several skeletons ({', '.join(sorted(schemas))})")
        schema = schemas.pop()
        joints = get_skeleton(schema).num_joints
        t = max(frames) + 1
        kp = np.full((t, joints, 3), np.nan, np.float32)
        kp[..., 2] = 0.0
        vis = np.zeros((t, joints), np.uint8)
        box = np.full((t, 4), np.nan, np.float32)
        for f, p in frames.items():
            if np.shape(p.keypoints) != (joints, 3):
                raise DatasetError(f"image {p.image}: keypoints must be ({joints}, 3), got {np.shape(p.keypoints)}")
            with np.errstate(over="ignore"):  # too large for 32 bits: infinite, refused below
                kp[f], vis[f], box[f] = p.keypoints, p.visibility, p.bbox
        sequences.append(PoseSequence(name, schema, kp, vis, box))
    return import_sequences(project, sequences, annotator=annotator, fps=fps, layer=layer)


def _check_frames_fit(project, by_clip: dict[str, dict[int, ImagePose]]) -> None:
    """Every frame number named by an image lies inside its clip: below the video's frame
    count when the clip has one, else below :data:`MAX_FRAMES_WITHOUT_VIDEO`. Checked before
    any array is sized by those numbers."""
    with project.store.reading() as session:
        for name, frames in by_clip.items():
            last = max(frames)
            clip = session.scalars(select(Clip).where(Clip.source_key == name)).first() or \
                session.scalars(select(Clip).where(Clip.name == name).order_by(Clip.id)).first()
            if clip is not None and clip.fingerprint is not None and last >= clip.frame_count:
                raise DatasetError(f"image {frames[last].image}: frame {last} is beyond clip {name}'s video, "
                                   f"whose frames are 0 to {clip.frame_count - 1}; nothing was imported")
            _check_length(name, last + 1)


def export_sequences(project, clip_ids: Iterable[int] | None = None, split: str | None = None,
                     layer: str = WORKING_LAYER) -> list[PoseSequence]:
    """Each selected clip with stored poses as a ``(T, J, 3)`` sequence (T = frame count,
    NaN where unknown) with its labels; clips without poses are left out."""
    dives = {d.key: d for d in export_dives(project, clip_ids, split)}
    with project.store.reading() as session:
        clips = {c.id: c for c in _selected_clips(session, clip_ids, split)}
        statement = (select(PoseFrame.clip_id, PoseFrame.frame, PoseFrame.schema, PoseFrame.keypoints,
                            PoseFrame.visibility, PoseFrame.bbox_x1, PoseFrame.bbox_y1, PoseFrame.bbox_x2,
                            PoseFrame.bbox_y2)
                     .where(PoseFrame.layer == layer).order_by(PoseFrame.clip_id, PoseFrame.frame))
        if clip_ids is not None or split is not None:
            statement = statement.where(PoseFrame.clip_id.in_(list(clips)))
        grouped: dict[int, list] = defaultdict(list)
        for r in session.execute(statement):
            grouped[r.clip_id].append(r)
    out = []
    for clip_id, rows in grouped.items():
        clip = clips.get(clip_id)
        if clip is None:
            continue
        schema = rows[0].schema
        if any(r.schema != schema for r in rows):
            raise DatasetError(f"clip {clip.id} ({clip.name}): poses in several skeletons; convert them first")
        joints = get_skeleton(schema).num_joints
        t = max(clip.frame_count, rows[-1].frame + 1)
        kp = np.full((t, joints, 3), np.nan, np.float32)
        kp[..., 2] = 0.0
        vis = np.zeros((t, joints), np.uint8)
        box = np.full((t, 4), np.nan, np.float32)
        frames = np.fromiter((r.frame for r in rows), np.int64, len(rows))
        kp[frames] = np.frombuffer(b"".join(r.keypoints for r in rows), "<f4").reshape(len(rows), joints, 3)
        vis[frames] = np.frombuffer(b"".join(r.visibility for r in rows), np.uint8).reshape(len(rows), joints)
        box[frames] = np.array([[r.bbox_x1, r.bbox_y1, r.bbox_x2, r.bbox_y2] for r in rows], dtype=np.float64)
        name = clip.source_key or clip.name
        dive = dives.get(clip.source_key or f"{clip.name}/0")
        labels: dict[str, Any] = {"split": clip.split, "action": clip.action or clip.dive_number,
                                  "difficulty": clip.difficulty}
        if dive is not None:
            labels["score"] = dive.score
            if dive.stage_transitions:
                labels["transitions"] = [t + 1 for t in dive.stage_transitions]
        out.append(PoseSequence(name, schema, kp, vis, box, labels={k: v for k, v in labels.items()
                                                                    if v is not None}))
    return out


__all__ = ["DEFAULT_FPS", "MAX_FRAMES_WITHOUT_VIDEO", "check_fps", "ImportSummary", "export_dives", "export_sequences", "image_location",
           "import_dives", "import_image_poses", "import_sequences"]
