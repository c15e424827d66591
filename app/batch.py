"""Auto-annotation of many clips fanned out on Dask: the model runs on the workers, this process
writes.

Each clip is one task. A worker decodes the clip's video (at the same path: on other machines
the videos must be where the project says they are, e.g. a shared drive), runs the pose model
and returns its per-frame results; this process writes each clip in one transaction, the same
merge and refinement as a serial run, as one undoable entry. The database is touched by one
process only, so a SQLite project needs no server.

Dask retries a clip whose worker died on another worker (its scheduler's `allowed-failures`); a
clip that fails for a reason of its own (a damaged video) is skipped and reported, and the rest
go on. Ctrl+C (or `cancel`) cancels the clips not written yet; those written stay.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from app.auto_annotate import (
    UNDECODABLE,
    Cancel,
    PoseOptions,
    VideoJob,
    damaged_fields,
    finish_clip_in,
    merge_results,
    model_layer,
    model_run,
    resume_point,
    video_job,
)
from app.edits.snapshot import ClipDataTarget, snapshot
from app.errors import MediaError, PlumbError
from app.project import Project
from app.store.models import WORKING_LAYER, PoseFrame
from app.store.records import ClipRecord

# How long a scheduler address may take to answer before it is reported as not answering.
CONNECT_TIMEOUT_S = 10
# Results are merged in the serial run's batch size, so both write the same rows.
MERGE_BATCH = 25

ClipsDone = Callable[[int, int], None]


@dataclass(frozen=True)
class ClipRun:
    """One clip's task: what the worker needs (no database, no open project)."""

    job: VideoJob
    options: PoseOptions
    model_file: Path | None = None  # the project's fine-tuned network, for --backend project


def run_clip(task: ClipRun) -> list:
    """On a worker: the model's FrameResults for one clip. Raises MediaError for a bad video."""
    from app.auto_annotate import _backend

    if task.options.backend == "project":
        backend = _project_network_backend(task)
    else:
        backend = _backend(task.options, "video")
    try:
        return list(model_run(task.job, task.options, backend))
    finally:
        backend.close()


def _project_network_backend(task: ClipRun):
    from inference.pose.backends import checked_device
    from inference.pose.base import PoseBackendError
    from inference.pose.landmark_finetune import load_landmark_model
    from inference.pose.mediapipe_backend import MediaPipePose

    try:
        net = load_landmark_model(task.model_file)[0]
        return MediaPipePose(mode="video", device=checked_device(task.options.device), landmark_net=net)
    except PoseBackendError as exc:
        raise PlumbError(str(exc)) from exc


@contextmanager
def _workers_ignore_ctrl_c():
    """Start the local workers with SIGINT ignored (an ignored signal stays ignored in a child).

    Ctrl+C in a terminal reaches the whole process group: the workers would each die with a
    traceback while this process is still cancelling them. Here only this process hears it; it
    cancels the clips not written and closes the cluster."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None):
    """A Dask client: on a scheduler that is already running (address), or on a local cluster of
    `workers` processes, one thread each (the pose model uses the cores itself)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise PlumbError(f"Dask is not installed ({exc}); run bash packaging/setup.sh") from exc
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise PlumbError(f"--scheduler {scheduler}: no Dask scheduler answers there ({exc}). "
                             "Start one with `dask scheduler` and workers with `dask worker ADDRESS`.") from exc
        try:
            yield client
        finally:
            client.close()
        return
    if workers is None or workers < 1:
        raise PlumbError(f"--workers must be at least 1, not {workers}")
    with _workers_ignore_ctrl_c():
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def pose_clips_on_cluster(project: Project, clips: list[ClipRecord], options: PoseOptions, client,
                          done: ClipsDone | None = None, cancel: Cancel | None = None) -> tuple[list[dict], list[dict]]:
    """Auto-annotate clips on the client's workers. Returns (results, skipped), as the serial
    `plumb pose --all` reports them: results per clip written, skipped with the reason."""
    from distributed import as_completed

    layer = model_layer(options.backend)
    model_file = _model_file(project, options)
    results: list[dict] = []
    skipped: list[dict] = []
    futures = {}
    for clip in clips:
        problem = project.media_problem(clip)
        if problem:
            skipped.append({"clip": clip.id, "name": clip.name, "reason": problem})
            continue
        first, start = resume_point(project, clip, options, layer)
        if first >= clip.frame_count:
            results.append(_write_clip(project, clip, options, layer, []))
            continue
        task = ClipRun(video_job(project, clip, first, start), replace(options, rerun=False), model_file)
        future = client.submit(run_clip, task, pure=False)  # never a cached result of an earlier run
        futures[future] = clip
    total = len(clips)
    if done:
        done(len(results) + len(skipped), total)
    pending = as_completed(list(futures))
    try:
        for future in pending:
            if cancel is not None and cancel():
                break
            clip = futures[future]
            try:
                frames = future.result()
            except (MediaError, PlumbError) as exc:
                skipped.append({"clip": clip.id, "name": clip.name, "reason": str(exc)})
            except Exception as exc:  # a worker that died on every retry (KilledWorker), or a fault in it
                skipped.append({"clip": clip.id, "name": clip.name, "reason": f"{type(exc).__name__}: {exc}"})
            else:
                try:
                    results.append(_write_clip(project, clip, options, layer, frames))
                except PlumbError as exc:
                    skipped.append({"clip": clip.id, "name": clip.name, "reason": str(exc)})
            if done:
                done(len(results) + len(skipped), total)
    finally:
        for future in futures:
            future.cancel()
    return results, skipped


def _model_file(project: Project, options: PoseOptions) -> Path | None:
    if options.backend != "project":
        return None
    from app.pose_model import latest_pose_model

    path = latest_pose_model(project)
    if path is None:
        raise PlumbError("This project has no fine-tuned pose model yet: correct frames, then run "
                         "`plumb train PROJECT --task pose`.")
    return path


def _write_clip(project: Project, clip: ClipRecord, options: PoseOptions, layer: str, frames: list) -> dict:
    """One clip's results in one transaction: the run's rows, the refinement, the undo entry."""
    from sqlalchemy import delete

    if frames and all(r.keypoints is None for r in frames) and (options.rerun or not _has_rows(project, clip, layer)):
        raise PlumbError(f"Clip {clip.id} ({clip.name}): no person was found on any frame; nothing was written.")
    target = ClipDataTarget(clip.id, (layer, WORKING_LAYER))
    with project.store.transaction() as tx:
        before = snapshot(tx.session, [target])
        if options.rerun:
            tx.session.execute(delete(PoseFrame).where(PoseFrame.clip_id == clip.id, PoseFrame.layer == layer))
        for first in range(0, len(frames), MERGE_BATCH):
            merge_results(tx, clip.id, options.schema, layer, frames[first:first + MERGE_BATCH])
        changed = finish_clip_in(tx, clip, options, layer)
        project.history.log_bulk(tx, f"Auto-annotate clip {clip.id} ({clip.name}) with {options.backend}",
                                 "pose_run", before)
    damaged = [r.frame for r in frames if r.status == UNDECODABLE]
    return {"clip": clip.id, "finished": True, "refined_frames": changed, **damaged_fields(damaged)}


def _has_rows(project: Project, clip: ClipRecord, layer: str) -> bool:
    from app.store.pose_rows import stored_frames

    with project.store.reading() as session:
        return len(stored_frames(session, clip.id, layer)) > 0


# --- plumb analyze --all ----------------------------------------------------------------------

def analyze_on_worker(root: str, clip_id: int, level: str):
    """On a worker: one clip's analysis, not stored (the driver stores it). The worker opens the
    project itself: a folder on a shared drive, or a server project."""
    from app.assessment.analysis import analyze

    with Project.open(root) as project:
        return analyze(project, clip_id, level=level, store=False)


def analyze_clips(project: Project, clips: list[ClipRecord], level: str, client=None,
                  done: ClipsDone | None = None) -> tuple[list, list[dict]]:
    """Analyse and store every clip, on the client's workers or here; (results, skipped)."""
    from app.assessment.analysis import analyze, store_analysis

    results, skipped = [], []
    total = len(clips)

    def record(clip, compute) -> None:
        try:
            results.append(store_analysis(project, compute()))
        except PlumbError as exc:
            skipped.append({"clip": clip.id, "name": clip.name, "reason": str(exc)})
        except Exception as exc:  # a worker that died on every retry, or a fault in it
            skipped.append({"clip": clip.id, "name": clip.name, "reason": f"{type(exc).__name__}: {exc}"})
        if done:
            done(len(results) + len(skipped), total)

    if client is None:
        for clip in clips:
            record(clip, lambda clip=clip: analyze(project, clip.id, level=level, store=False))
        return results, skipped
    from distributed import as_completed

    futures = {client.submit(analyze_on_worker, str(project.root), clip.id, level, pure=False): clip for clip in clips}
    try:
        for future in as_completed(list(futures)):
            record(futures[future], future.result)
    finally:
        for future in futures:
            future.cancel()
    results.sort(key=lambda r: r.clip_id)
    return results, skipped
