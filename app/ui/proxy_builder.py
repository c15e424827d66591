"""Builds access proxies (app.media.access_proxy) for newly added videos, off the UI thread.

A long-GOP video (a phone file with one keyframe every few seconds) needs a proxy for jumps
and scrubbing to be quick; ``plumb add`` builds it, and so does the window after Add Videos,
one clip at a time in a worker thread, reporting progress and cancelled on close.
"""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal

from app.errors import PlumbError


def _build_if_needed(video: Path, proxy: Path, progress, cancel) -> bool:
    """True when a proxy was written; False when the video does not need one or it was cancelled."""
    from app.media.access_proxy import build_access_proxy, needs_access_proxy
    from app.media.probe import probe

    if proxy.exists() or not needs_access_proxy(probe(video)):
        return False
    return build_access_proxy(video, proxy, progress=progress, cancel=cancel) is not None


class _BuildThread(QThread):
    progress = Signal(int, int, int)  # clip_id, frames done, frames in all
    built = Signal(int)  # clip_id
    failed = Signal(int, str)  # clip_id, one-line message

    def __init__(self, builder: ProxyBuilder) -> None:
        super().__init__()
        self._builder = builder

    def run(self) -> None:
        self._builder._run(self)


class ProxyBuilder(QObject):
    progress = Signal(int, int, int)
    built = Signal(int)
    failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: deque[tuple[int, Path, Path]] = deque()
        self._lock = threading.Lock()
        self._stopping = False
        self._active = False  # the worker is (about to be) running and will see new jobs
        self._thread = _BuildThread(self)
        self._thread.progress.connect(self.progress)
        self._thread.built.connect(self.built)
        self._thread.failed.connect(self.failed)

    def enqueue(self, clip_id: int, video: Path, proxy: Path) -> None:
        with self._lock:
            self._jobs.append((clip_id, Path(video), Path(proxy)))
            start, self._active = not self._active, True
        if start:
            self._thread.wait()  # a worker that just ran out of jobs is still returning
            self._thread.start()

    def cancel_all(self) -> None:
        """Drop queued builds and stop the running one (it leaves no partial file)."""
        with self._lock:
            self._jobs.clear()
            self._stopping = True
        self._thread.wait()
        with self._lock:
            self._stopping = False

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def _run(self, thread: _BuildThread) -> None:
        while True:
            with self._lock:
                if self._stopping or not self._jobs:
                    self._active = False
                    return
                clip_id, video, proxy = self._jobs.popleft()
            try:
                done = _build_if_needed(video, proxy,
                                        progress=lambda n, total: thread.progress.emit(clip_id, n, total),
                                        cancel=lambda: self._stopping)
            except PlumbError as exc:
                thread.failed.emit(clip_id, str(exc))
                continue
            except Exception as exc:  # an encoder crash must not take the window down
                thread.failed.emit(clip_id, f"{video.name}: the seek index could not be built ({exc}).")
                continue
            if done:
                thread.built.emit(clip_id)
