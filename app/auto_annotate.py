"""Auto-annotation: a pose backend over a video, an image folder or a project's clips.

`plumb pose` keeps two layers per clip: the raw model run ("model:<backend>", one row per
processed frame, all-NaN where the athlete was lost) and the working layer annotators edit.
Results are committed in small batches, so an interrupted run keeps its finished frames and
resumes after the last one. Manual joints are never overwritten (inference.pose.merge).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import delete

from app import atomic_files
from app.edits.snapshot import ClipDataTarget, snapshot
from app.errors import MediaError, PlumbError
from app.media.errors import VideoFileError
from app.media.frame_source import FrameSource
from app.media.image_folder import ImageFolder
from app.project import Project
from app.store.events import PosesChanged
from app.store.models import WORKING_LAYER, PoseFrame
from app.store.pose_rows import row_arrays, rows_by_frame, stored_frames, upsert, visibility_from_confidence
from app.store.records import ClipRecord
from inference.pose.backends import make_backend
from inference.pose.base import PersonPose, PoseBackend, PoseBackendError
from inference.pose.interpolate import interpolate_gaps, propagate_from_keyframes
from inference.pose.merge import merge_model_run
from inference.pose.pipeline import FrameResult, PoseRunner
from inference.pose.smooth import smooth_track
from inference.pose.still import find_person, upright_people
from inference.pose.tracking import StartBox, StartPoint
from inference.provenance import JointSource
from inference.skeletons import convert, get_skeleton

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]
BATCH = 25
UNDECODABLE = "undecodable"  # FrameResult.status of a frame the video could not decode
TRUSTED_CONFIDENCE = 0.3
# A frame whose annotator set this many joints by hand says where the athlete's body is, and
# steers the model's next run over the clip.
MIN_CORRECTED_JOINTS = 4


@dataclass(frozen=True)
class PoseOptions:
    backend: str = "mediapipe"
    model: str | None = None
    config: str | None = None
    schema: str = "mpii16"
    start: StartBox | StartPoint | None = None
    max_gap: int | None = None  # frames; None: a third of a second
    smooth: float = 0.0  # Gaussian sigma in frames; 0 leaves model output as it is
    rerun: bool = False  # discard the clip's earlier run of this backend and start again
    device: str = "auto"  # torch device of the pose network: auto (GPU when there is one), cpu, cuda
    landmarks: str = "auto"  # mediapipe: the network poses are read with (inference.pose.landmark_models)


def _backend(options: PoseOptions, mode: str, given: PoseBackend | None = None,
             project: Project | None = None) -> PoseBackend:
    try:
        get_skeleton(options.schema)
        if given is not None:
            return given
        if options.backend == "project":
            return _project_backend(options, mode, project)
        return make_backend(options.backend, model=options.model, config=options.config, mode=mode,
                            device=options.device, landmarks=options.landmarks)
    except (PoseBackendError, ValueError) as exc:
        raise PlumbError(str(exc)) from exc


def _project_backend(options: PoseOptions, mode: str, project: Project | None) -> PoseBackend:
    """The bundled detector with the project's fine-tuned landmark network."""
    from app.pose_model import load_project_network
    from inference.pose.backends import checked_device
    from inference.pose.mediapipe_backend import MediaPipePose

    if project is None:
        raise PlumbError("--backend project runs a project's fine-tuned pose model: use it with plumb pose PROJECT.")
    device = checked_device(options.device)
    return MediaPipePose(mode=mode, device=device, landmark_net=load_project_network(project))


def _frames(source, count: int, first: int, cancel: Cancel | None, timestamps: bool,
            depth: int = 4, damaged: set[int] | None = None) -> Iterator:
    """(index, rgb, timestamp_ms) in order, decoded by a worker thread a few frames ahead so
    decoding overlaps the pose model instead of adding to it.

    damaged: when given, a frame the video cannot decode is added to it and handed on without
    a picture (None: the athlete is lost there), so the rest of the clip still runs.
    """
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def decode() -> None:
        try:
            for index in range(first, count):
                ts = int(round(source.timestamp(index) * 1000)) if timestamps else None
                if not put((index, _decoded(source, index, damaged), ts)):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            put(exc)
            return
        put(None)

    worker = threading.Thread(target=decode, name="pose-decode", daemon=True)
    worker.start()
    try:
        while True:
            if cancel is not None and cancel():
                return
            item = ready.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _decoded(source, index: int, damaged: set[int] | None) -> np.ndarray:
    try:
        return source.frame(index)
    except VideoFileError as exc:
        if damaged is None or exc.problem != "undecodable":
            raise
        damaged.add(index)
        return None


def _blank(source) -> np.ndarray:
    return np.zeros((source.info.height, source.info.width, 3), np.uint8)


# --- plumb detect ----------------------------------------------------------------------------

def detect_to_file(input_path: str | Path, out_path: str | Path, options: PoseOptions,
                   progress: Progress | None = None, cancel: Cancel | None = None,
                   backend: PoseBackend | None = None, still: bool = False) -> dict:
    """Write the athlete's pose on every frame of a video or image folder as JSON.

    still: the folder holds unrelated images: each is read on its own and its most prominent
    person is reported (see inference.pose.still), instead of one athlete followed through.
    Raises PlumbError (nothing written) for bad input, a bad model, or when nobody is found.
    """
    input_path, out_path = Path(input_path), Path(out_path)
    folder = input_path.is_dir()
    if still and not folder:
        raise PlumbError(f"{input_path}: --still reads a folder of images; a video is a sequence.")
    source = ImageFolder(input_path, same_size=not still) if folder else FrameSource(input_path)
    if options.start is not None and not 0 <= options.start.frame < len(source):
        source.close()
        raise PlumbError(f"{input_path.name}: the athlete box's frame {options.start.frame} is outside its "
                         f"frames 0 to {len(source) - 1}; nothing was written.")
    backend = _backend(options, "image" if folder else "video", backend)
    try:
        if still:
            results = _still_results(source, backend, options.schema, progress, cancel)
        else:
            results = _sequence_results(source, folder, backend, options, progress, cancel)
    finally:
        backend.close()
        source.close()
    if cancel is not None and cancel():
        raise PlumbError("Detection was cancelled; nothing was written.")
    if all(r.keypoints is None for r in results):
        raise PlumbError(f"{input_path.name}: no person was found on any frame; nothing was written.")
    skeleton = get_skeleton(options.schema)
    document = {
        "schema": skeleton.name,
        "joint_names": list(skeleton.joint_names),
        "frames": [_frame_json(r, source.name(r.frame) if folder else None, skeleton.num_joints) for r in results],
    }
    _write_json_atomically(out_path, document)
    damaged = [r.frame for r in results if r.status == UNDECODABLE]
    return {"frames": len(results), "found": sum(r.keypoints is not None for r in results),
            **damaged_fields(damaged, "detect again")}


def _sequence_results(source, folder: bool, backend: PoseBackend, options: PoseOptions,
                      progress: Progress | None, cancel: Cancel | None) -> list[FrameResult]:
    width, height = (source.width, source.height) if folder else (source.info.width, source.info.height)
    runner = PoseRunner(backend, options.schema, image_size=(width, height), start=options.start)
    results: list[FrameResult] = []
    # A video's undecodable frames are marked and passed over, as by plumb pose.
    damaged: set[int] | None = None if folder else set()

    def frame_at(index: int) -> np.ndarray:
        return _blank(source) if damaged and index in damaged else source.frame(index)

    for result in runner.run(_frames(source, len(source), 0, cancel, not folder, damaged=damaged), frame_at):
        if damaged and result.frame in damaged:
            result = FrameResult(result.frame, None, None, UNDECODABLE, 0)
        results.append(result)
        if progress:
            progress(len(results), len(source))
    return results


def _still_results(source: ImageFolder, backend: PoseBackend, schema: str,
                   progress: Progress | None, cancel: Cancel | None) -> list[FrameResult]:
    skeleton = get_skeleton(schema)
    upright = getattr(backend, "upright", None)
    tiled = bool(getattr(backend, "tiles", False))
    if upright is not None:
        # Each still is searched at four turns already; tiles at every turn would multiply that.
        backend.tiles = False
    results: list[FrameResult] = []
    for index in range(len(source)):
        if cancel is not None and cancel():
            break
        rgb = source.frame(index)
        if upright is not None:
            person = find_person(rgb, backend, upright, upright_people=upright_people(rgb, backend, tiled))
        else:
            person = next(iter(backend.detect(rgb)), None)
        if person is None:
            results.append(FrameResult(index, None, None, "lost", 0))
        else:
            keypoints = convert(person.keypoints, person.schema, skeleton).keypoints.astype(np.float32)
            results.append(FrameResult(index, keypoints, person.bbox, "found", 1))
        if progress:
            progress(index + 1, len(source))
    return results


def _frame_json(result: FrameResult, image: str | None, joints: int) -> dict:
    if result.keypoints is None:
        keypoints = [[None, None, 0.0]] * joints
    else:
        keypoints = [[None if not np.isfinite(x) else round(float(x), 2),
                      None if not np.isfinite(y) else round(float(y), 2),
                      round(float(np.nan_to_num(c)), 4)] for x, y, c in result.keypoints]
    bbox = None if result.bbox is None else [round(float(v), 2) for v in result.bbox]
    return {"index": result.frame, "image": image, "bbox": bbox, "keypoints": keypoints}


def _write_json_atomically(path: Path, document: dict) -> None:
    atomic_files.write_json(path, document, indent=None)


# --- plumb pose ------------------------------------------------------------------------------

def model_layer(backend: str) -> str:
    return f"model:{backend}"


def pose_clip(project: Project, clip: ClipRecord, options: PoseOptions,
              progress: Progress | None = None, cancel: Cancel | None = None,
              backend: PoseBackend | None = None) -> dict:
    """Auto-annotate one clip, resuming after the frames a previous run finished.

    The run is one undo step: the clip's model layer and working layer as they were before
    it are logged with what it wrote, when it ends (finished, cancelled or failed part way).
    """
    problem = project.media_problem(clip)
    if problem:
        raise MediaError(problem)
    layer = model_layer(options.backend)
    target = ClipDataTarget(clip.id, (layer, WORKING_LAYER))
    with project.store.reading() as session:
        before = snapshot(session, [target])
    try:
        return _pose_clip(project, clip, options, layer, progress, cancel, backend)
    finally:
        with project.store.transaction() as tx:
            project.history.log_bulk(tx, f"Auto-annotate clip {clip.id} ({clip.name}) with {options.backend}",
                                     "pose_run", before)


def _pose_clip(project: Project, clip: ClipRecord, options: PoseOptions, layer: str,
               progress: Progress | None, cancel: Cancel | None, backend: PoseBackend | None) -> dict:
    if options.rerun:
        with project.store.transaction() as tx:
            tx.session.execute(delete(PoseFrame).where(PoseFrame.clip_id == clip.id, PoseFrame.layer == layer))
    first, start = resume_point(project, clip, options, layer)
    damaged = []
    if first < clip.frame_count:
        damaged = _run_frames(project, clip, options, layer, first, start, progress, cancel, backend)
    if cancel is not None and cancel():
        return {"clip": clip.id, "finished": False, **damaged_fields(damaged)}
    _refuse_if_nobody(project, clip, layer)
    changed = finish_clip(project, clip, options, layer)
    return {"clip": clip.id, "finished": True, "refined_frames": changed, **damaged_fields(damaged)}


def damaged_fields(frames: list[int], again: str = "run again with --rerun") -> dict:
    """What a clip's result adds when frames could not be decoded (nothing when all could)."""
    return {"undecodable_frames": frames, "note": damaged_note(frames, again)} if frames else {}


def resume_point(project: Project, clip: ClipRecord, options: PoseOptions, layer: str
                 ) -> tuple[int, StartBox | StartPoint | None]:
    """(first frame to run, where the athlete starts): after the first frame the model has not
    seen (a run of a few frames alone leaves holes), from the athlete's last box before it."""
    if options.rerun:
        return 0, options.start
    with project.store.reading() as session:
        done = stored_frames(session, clip.id, layer)
    missing = np.setdiff1d(np.arange(clip.frame_count), done)
    first = int(missing[0]) if missing.size else clip.frame_count
    return first, options.start if first == 0 else _resume_start(project, clip.id, layer, first)


def pose_frames(project: Project, clip: ClipRecord, options: PoseOptions, first: int, last: int,
                progress: Progress | None = None, cancel: Cancel | None = None,
                backend: PoseBackend | None = None) -> dict:
    """Run the pose model again on frames ``first..last`` (inclusive) only.

    The raw model rows of that range are replaced; the working layer takes the new output
    without losing manual joints, then the clip is refined as after a full run. Frames the
    model did not reach before a cancel keep their earlier rows. Progress counts frames of
    the range.
    """
    problem = project.media_problem(clip)
    if problem:
        raise MediaError(problem)
    first, last = max(0, int(first)), min(int(last), clip.frame_count - 1)
    if first > last:
        raise PlumbError(f"Frames {first}–{last} are not in clip {clip.id} ({clip.frame_count} frames).")
    layer = model_layer(options.backend)
    start = options.start if first == 0 else _resume_start(project, clip.id, layer, first)
    total = last - first + 1
    ranged = None if progress is None else (lambda done, _total: progress(done - first, total))
    damaged = _run_frames(project, clip, options, layer, first, start, ranged, cancel, backend, stop=last + 1)
    if cancel is not None and cancel():
        return {"clip": clip.id, "finished": False, "first": first, "last": last, **damaged_fields(damaged)}
    with project.store.reading() as session:
        rows = rows_by_frame(session, clip.id, layer, range(first, last + 1))
    found = sum(bool(np.isfinite(row_arrays(row)[0][:, :2]).any()) for row in rows.values())
    changed = finish_clip(project, clip, options, layer)
    if not found:
        raise PlumbError(f"Clip {clip.id} ({clip.name}): no person was found on frames {first}–{last}.")
    return {"clip": clip.id, "finished": True, "first": first, "last": last, "found": found,
            "refined_frames": changed, **damaged_fields(damaged)}


def _refuse_if_nobody(project: Project, clip: ClipRecord, layer: str) -> None:
    """A clip in which the model found nobody at all leaves no trace and is reported."""
    with project.store.reading() as session:
        rows = rows_by_frame(session, clip.id, layer)
        found = any(np.isfinite(row_arrays(row)[0][:, :2]).any() for row in rows.values())
    if not found:
        with project.store.transaction() as tx:
            tx.session.execute(delete(PoseFrame).where(PoseFrame.clip_id == clip.id, PoseFrame.layer == layer))
        raise PlumbError(f"Clip {clip.id} ({clip.name}): no person was found on any frame; nothing was written.")


def _resume_start(project: Project, clip_id: int, layer: str, first: int) -> StartBox | None:
    """Continue from the athlete box of the last frame that had one."""
    with project.store.reading() as session:
        rows = rows_by_frame(session, clip_id, layer, range(max(0, first - 30), first))
    boxed = [f for f, row in rows.items() if row.bbox_x1 is not None]
    if not boxed:
        return None
    row = rows[max(boxed)]
    return StartBox(first, (row.bbox_x1, row.bbox_y1, row.bbox_x2, row.bbox_y2))


@dataclass(frozen=True)
class VideoJob:
    """What a model run over one clip's video needs, without the project (a batch worker may
    run it on another machine that sees the same video paths). anchors: the annotator's
    corrected poses by frame, which steer the run (see PoseRunner)."""

    video: Path
    proxy: Path | None
    size: tuple[int, int]
    frame_count: int
    first: int = 0
    start: StartBox | StartPoint | None = None
    stop: int | None = None
    anchors: dict[int, PersonPose] = field(default_factory=dict)


def video_job(project: Project, clip: ClipRecord, first: int, start, stop: int | None = None) -> VideoJob:
    proxy = project.access_proxy_path(clip)
    return VideoJob(project.video_path(clip), proxy if proxy.exists() else None, (clip.width, clip.height),
                    clip.frame_count, first, start, stop, corrected_poses(project, clip.id))


def corrected_poses(project: Project, clip_id: int) -> dict[int, PersonPose]:
    """The clip's working poses, by frame, on frames the annotator reviewed or set at least
    MIN_CORRECTED_JOINTS joints of by hand: the annotator left the other joints as they are, so
    they belong to the body too (a box of the few joints that were fixed would be a part of it)."""
    with project.store.reading() as session:
        rows = rows_by_frame(session, clip_id, WORKING_LAYER)
    corrected = {}
    for frame, row in rows.items():
        keypoints, _, source = row_arrays(row)
        manual = source == JointSource.MANUAL
        if row.reviewed or manual.sum() >= MIN_CORRECTED_JOINTS:
            points = keypoints.astype(np.float32)
            points[manual, 2] = 1.0
            corrected[frame] = PersonPose(points, None, 1.0, row.schema)
    return corrected


def model_run(job: VideoJob, options: PoseOptions, backend: PoseBackend,
              cancel: Cancel | None = None) -> Iterator[FrameResult]:
    """The model's result on each frame of the job, in order: decode, detect, follow.

    A frame the video cannot decode comes out with status UNDECODABLE and no pose; the
    athlete is followed across it as across a frame where they were lost.
    """
    source = FrameSource(job.video, proxy_path=job.proxy)
    damaged: set[int] = set()

    def frame_at(index: int) -> np.ndarray:
        return _blank(source) if index in damaged else source.frame(index)

    try:
        runner = PoseRunner(backend, options.schema, image_size=job.size, start=job.start, anchors=job.anchors)
        count = job.frame_count if job.stop is None else min(job.stop, job.frame_count)
        for result in runner.run(_frames(source, count, job.first, cancel, True, damaged=damaged), frame_at):
            yield FrameResult(result.frame, None, None, UNDECODABLE, 0) if result.frame in damaged else result
    finally:
        source.close()


def damaged_note(frames: list[int], again: str = "run again with --rerun") -> str:
    """How a report names the frames of a clip that could not be decoded."""
    shown = ", ".join(str(f) for f in frames[:10]) + (f" and {len(frames) - 10} more" if len(frames) > 10 else "")
    return (f"{len(frames)} frame(s) cannot be decoded ({shown}): the video is damaged there; they are marked "
            f"lost. Re-export or re-copy the video and {again}")


def _run_frames(project, clip, options, layer, first, start, progress, cancel, given, stop=None) -> list[int]:
    """Run the model over the frames and commit them in batches; returns the frames that could
    not be decoded."""
    backend = _backend(options, "video", given, project)
    batch: list[FrameResult] = []
    damaged: list[int] = []
    try:
        for result in model_run(video_job(project, clip, first, start, stop), options, backend, cancel):
            batch.append(result)
            if result.status == UNDECODABLE:
                damaged.append(result.frame)
            if len(batch) >= BATCH:
                _commit_batch(project, clip.id, options.schema, layer, batch)
                batch = []
            if progress:
                progress(result.frame + 1, clip.frame_count)
    finally:
        # Also on Ctrl+C: frames already computed are kept.
        if batch:
            _commit_batch(project, clip.id, options.schema, layer, batch)
        backend.close()
    return damaged


def _commit_batch(project: Project, clip_id: int, schema: str, layer: str, batch: list[FrameResult]) -> None:
    with project.store.transaction() as tx:
        merge_results(tx, clip_id, schema, layer, batch)


def merge_results(tx, clip_id: int, schema: str, layer: str, batch: list[FrameResult]) -> None:
    """Write a model run's results: the raw layer takes them, the working layer merges them
    without touching manual joints."""
    joints = get_skeleton(schema).num_joints
    frames = [r.frame for r in batch]
    new_kp = np.stack([r.keypoints if r.keypoints is not None else np.full((joints, 3), np.nan, np.float32)
                       for r in batch]).astype(np.float32)
    new_source = np.where(np.isfinite(new_kp[..., 0]), JointSource.MODEL, JointSource.NONE).astype(np.uint8)
    session = tx.session
    raw = rows_by_frame(session, clip_id, layer, frames)
    for i, r in enumerate(batch):
        upsert(session, raw, clip_id=clip_id, layer=layer, frame=r.frame, schema=schema, keypoints=new_kp[i],
               visibility=visibility_from_confidence(new_kp[i]), source=new_source[i], bbox=r.bbox)
    working = rows_by_frame(session, clip_id, WORKING_LAYER, frames)
    _check_schema(working, schema)
    old_kp = np.full_like(new_kp, np.nan)
    old_source = np.zeros_like(new_source)
    old_vis = np.zeros_like(new_source)
    for i, f in enumerate(frames):
        if f in working:
            old_kp[i], old_vis[i], old_source[i] = row_arrays(working[f])
    kp, source, changed = merge_model_run(old_kp, old_source, new_kp, new_source, propagate=False)
    manual = source == JointSource.MANUAL
    visibility = np.where(manual, old_vis, visibility_from_confidence(kp))
    for i in changed.tolist():
        r = batch[i]
        upsert(session, working, clip_id=clip_id, layer=WORKING_LAYER, frame=r.frame, schema=schema,
               keypoints=kp[i], visibility=visibility[i], source=source[i], bbox=r.bbox, keep_bbox=True)
    tx.announce(PosesChanged(clip_id, frozenset(frames[i] for i in changed.tolist()), WORKING_LAYER))


def _check_schema(rows: dict, schema: str) -> None:
    other = {row.schema for row in rows.values()} - {schema}
    if other:
        raise PlumbError(f"This clip's poses are {other.pop()}; run again with --schema matching them.")


def finish_clip(project: Project, clip: ClipRecord, options: PoseOptions, layer: str) -> int:
    """Propagate manual corrections, fill short gaps, smooth (optional) over the whole clip."""
    with project.store.transaction() as tx:
        return finish_clip_in(tx, clip, options, layer)


def finish_clip_in(tx, clip: ClipRecord, options: PoseOptions, layer: str) -> int:
    """finish_clip inside a transaction of the caller's; returns the number of frames changed."""
    T, joints = clip.frame_count, get_skeleton(options.schema).num_joints
    session = tx.session
    raw_rows = rows_by_frame(session, clip.id, layer)
    working = rows_by_frame(session, clip.id, WORKING_LAYER)
    _check_schema(working, options.schema)
    model_kp = np.full((T, joints, 3), np.nan, np.float32)
    for f, row in raw_rows.items():
        model_kp[f] = row_arrays(row)[0]
    kp = np.full((T, joints, 3), np.nan, np.float32)
    source = np.zeros((T, joints), np.uint8)
    vis = np.zeros((T, joints), np.uint8)
    for f, row in working.items():
        kp[f], vis[f], source[f] = row_arrays(row)
    before_kp, before_source = kp.copy(), source.copy()
    # Working joints other than manual ones are model output after the batch merges, so
    # the track is rebuilt from the raw run: manual joints as keyframes, corrections
    # propagated between them, then gaps filled.
    manual = source == JointSource.MANUAL
    model_source = np.where(np.isfinite(model_kp[..., 0]), JointSource.MODEL, JointSource.NONE).astype(np.uint8)
    kp, source = propagate_from_keyframes(model_kp, model_source, np.where(manual[..., None], kp, np.nan))
    kp = np.where(manual[..., None], before_kp, kp)
    # A propagated joint is the model's reading moved by a correction: as trustworthy as that
    # reading, and not to be replaced by a straight line between the corrected frames.
    read = np.isin(source, (JointSource.MODEL, JointSource.PROPAGATED))
    trusted = (source == JointSource.MANUAL) | (read & (np.nan_to_num(kp[..., 2]) >= TRUSTED_CONFIDENCE))
    max_gap = options.max_gap if options.max_gap is not None else max(1, round(clip.fps / 3))
    kp, source = interpolate_gaps(kp, source, trusted, max_gap=max_gap)
    if options.smooth > 0:
        kp = smooth_track(kp, locked=source == JointSource.MANUAL, strength=options.smooth)
    changed = [f for f in range(T) if not (np.array_equal(kp[f], before_kp[f], equal_nan=True)
                                           and np.array_equal(source[f], before_source[f]))]
    for f in changed:
        keep_vis = source[f] == JointSource.MANUAL
        upsert(session, working, clip_id=clip.id, layer=WORKING_LAYER, frame=f, schema=options.schema,
               keypoints=kp[f], visibility=np.where(keep_vis, vis[f], visibility_from_confidence(kp[f])),
               source=source[f], bbox=None, keep_bbox=True)
    if changed:
        tx.announce(PosesChanged(clip.id, frozenset(changed), WORKING_LAYER))
    return len(changed)
