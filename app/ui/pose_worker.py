"""Auto-annotation from the window: the pose model runs in a worker thread.

:class:`PoseWorker` runs app.auto_annotate.pose_clip (a whole clip, resuming after the frames
an earlier run finished) or pose_frames (the model again on frames a..b) in its own QThread.
The worker opens the video and the backend inside that thread (pose_clip does) and never
touches a widget; it writes to the project's store from the worker thread (SQLite WAL with a
busy timeout), and the store's PosesChanged events reach the widgets through StoreSignals,
queued onto the UI thread, so the canvas and the timeline redraw as batches land.

:class:`PoseRuns` is the window's side: one run at a time, a progress bar with a Cancel
button for the status bar, the status message when a run ends and the one-line reason when
it fails. Cancelling keeps the committed frames; the next run resumes after them.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget

from app.auto_annotate import PoseOptions, pose_clip, pose_frames
from app.errors import PlumbError
from app.project import Project
from inference.pose.base import PoseBackend

BackendFactory = Callable[[], PoseBackend]
"""Builds the pose backend; called in the worker thread (tests inject a fake model here)."""

_started: weakref.WeakSet[PoseWorker] = weakref.WeakSet()


class PoseWorker(QObject):
    """One pose run over one clip (or frames ``first..last`` of it) in its own thread.

    Signals are emitted from the worker thread; connect them queued to UI-thread objects.
    """

    progress = Signal(int, int)  # frames done, frames in the run
    finished = Signal(object)  # dict: pose_clip's / pose_frames' summary ("finished": False when cancelled)
    failed = Signal(str)  # one-line reason (missing video, nobody found, bad model...)

    def __init__(self, project: Project, clip_id: int, options: PoseOptions | None = None, *,
                 frames: tuple[int, int] | None = None, backend_factory: BackendFactory | None = None) -> None:
        super().__init__()  # no parent: the object moves to its thread
        self.project = project
        self.clip_id = clip_id
        self.options = options if options is not None else PoseOptions()
        self.frames = frames
        self.backend_factory = backend_factory
        self._cancelled = threading.Event()
        self._thread = QThread()
        self._thread.setObjectName(f"pose-clip-{clip_id}")
        self.moveToThread(self._thread)
        self._thread.started.connect(self._run)

    @staticmethod
    def running() -> list[PoseWorker]:
        """Workers whose thread is still alive (a window that forgot to join one)."""
        return [worker for worker in list(_started) if worker.is_running()]

    def start(self) -> None:
        _started.add(self)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the run to stop after the frame it is on; what was committed stays."""
        self._cancelled.set()

    def is_cancelled(self) -> bool:
        return self._cancelled.is_set()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, ms: int | None = None) -> bool:
        """Join the thread (True once it has ended)."""
        return self._thread.wait() if ms is None else self._thread.wait(ms)

    # --- worker thread -------------------------------------------------------------------
    @Slot()
    def _run(self) -> None:
        try:
            clip = self.project.clip(self.clip_id)
            backend = self.backend_factory() if self.backend_factory is not None else None
            report = lambda done, total: self.progress.emit(int(done), int(total))  # noqa: E731
            if self.frames is None:
                result = pose_clip(self.project, clip, self.options, report, self.is_cancelled, backend=backend)
            else:
                first, last = self.frames
                result = pose_frames(self.project, clip, self.options, first, last, report, self.is_cancelled,
                                     backend=backend)
        except PlumbError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a model crash must not take the window down
            self.failed.emit(f"Auto-annotation stopped: {type(exc).__name__}: {exc}")
        else:
            self.finished.emit(dict(result))
        finally:
            self._thread.quit()


class PoseProgress(QWidget):
    """"Auto-annotating clip 1" [=====   ] [Cancel], for the status bar; hidden when idle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("poseProgress")
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(180)
        self.bar.setFormat("%v / %m frames")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop the pose model; finished frames are kept and the next run resumes.")
        self.cancel_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.hide()

    def begin(self, text: str, total: int) -> None:
        self.label.setText(text)
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.show()

    def set_progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(min(done, total))


class PoseRuns(QObject):
    """The window's pose runs: at most one at a time, reported through ``reporter``.

    ``status(text)`` is emitted when a run starts, ends or is cancelled (for the status bar).
    """

    status = Signal(str)
    runFinished = Signal(object)  # the worker's summary dict
    runFailed = Signal(str)

    def __init__(self, reporter: Any, *, options: PoseOptions | None = None,
                 backend_factory: BackendFactory | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reporter = reporter
        self.options = options if options is not None else PoseOptions()
        self.backend_factory = backend_factory
        self.worker: PoseWorker | None = None
        self.widget = PoseProgress()
        self.widget.cancel_button.clicked.connect(self.cancel)
        self._description = ""

    def is_running(self) -> bool:
        return self.worker is not None

    def run_clip(self, project: Project, clip_id: int) -> bool:
        """Auto-annotate the whole clip (resuming after an earlier run's finished frames)."""
        total = project.clip(clip_id).frame_count
        return self._start(PoseWorker(project, clip_id, self.options, backend_factory=self.backend_factory),
                           f"Auto-annotating clip {clip_id}", total)

    def run_frames(self, project: Project, clip_id: int, first: int, last: int) -> bool:
        """Run the model again on frames ``first..last``; manual joints stay as they are."""
        count = project.clip(clip_id).frame_count
        first, last = sorted((max(0, int(first)), min(int(last), count - 1)))
        worker = PoseWorker(project, clip_id, self.options, frames=(first, last),
                            backend_factory=self.backend_factory)
        text = f"Re-running the model on frame {first}" if first == last else \
            f"Re-running the model on frames {first}–{last}"
        return self._start(worker, text, last - first + 1)

    def _start(self, worker: PoseWorker, text: str, total: int) -> bool:
        if self.worker is not None:
            self.status.emit("The pose model is already running; wait for it or cancel it first.")
            return False  # the unstarted worker goes with its last reference
        self.worker = worker
        self._description = text
        queued = Qt.ConnectionType.QueuedConnection
        worker.progress.connect(self._progress, queued)
        worker.finished.connect(self._finished, queued)
        worker.failed.connect(self._failed, queued)
        self.widget.begin(text, total)
        worker.start()
        return True

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.widget.cancel_button.setEnabled(False)
            self.widget.label.setText("Cancelling…")

    def shutdown(self) -> None:
        """Cancel any run and join its thread (before the project closes)."""
        worker = self.worker
        if worker is None:
            return
        worker.cancel()
        worker.wait()
        self._end()

    # --- UI thread, queued from the worker -----------------------------------------------
    @Slot(int, int)
    def _progress(self, done: int, total: int) -> None:
        if self.worker is not None:
            self.widget.set_progress(done, total)

    @Slot(object)
    def _finished(self, result: dict) -> None:
        if self.worker is None:
            return  # shut down meanwhile
        self._end()
        note = f" {result['note']}." if "note" in result else ""
        if result.get("finished"):
            refined = result.get("refined_frames", 0)
            self.status.emit(f"{self._description}: done ({refined} frames refined after the run).{note}")
        else:
            self.status.emit(f"{self._description}: cancelled. Finished frames are kept; "
                             f"Auto-Annotate Clip resumes after them.{note}")
        self.runFinished.emit(result)

    @Slot(str)
    def _failed(self, message: str) -> None:
        if self.worker is None:
            return
        self._end()
        self.status.emit(message)
        self.reporter.error("Auto-Annotate", message)
        self.runFailed.emit(message)

    def _end(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.wait()  # it quits right after its last signal; then it goes with its last reference
        self.widget.hide()
