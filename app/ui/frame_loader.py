"""Decoding off the UI thread, newest request wins.

One worker thread per open clip owns the FrameSource (opening it, decoding, closing it), so
the UI thread never waits for a seek. The UI posts frame indices with :meth:`FrameLoader.request`;
the worker keeps only the newest pending one (SLEAP's loader does the same), so dragging the
scrub bar across a hundred frames decodes only the frames the worker has time for and always
ends on the last one asked for. When no request has come for a short while the worker asks
the source to prefetch the neighbours of the last frame, so stepping and playing hit the cache.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtGui import QImage

from app.errors import PlumbError

DEFAULT_CACHE_BYTES = 512 * 1024 * 1024
PREFETCH_RADIUS = 12
IDLE_BEFORE_PREFETCH_S = 0.05  # a scrub gesture sends requests faster than this


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """An RGB888 QImage that owns a copy of ``rgb`` (H, W, 3) uint8."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = rgb.shape[:2]
    image = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return image.copy()  # the QImage above borrows rgb's memory; the copy owns its pixels


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """(H, W, 3) uint8 RGB copy of any QImage (for tests and exports)."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    height, width = image.height(), image.width()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())
    return rows[:, : 3 * width].reshape(height, width, 3).copy()


def _open_frame_source(path: Path, proxy_path: Path | None, cache_bytes: int) -> Any:
    from app.media.frame_source import FrameSource

    return FrameSource(path, cache_bytes=cache_bytes, proxy_path=proxy_path)


class _DecodeThread(QThread):
    opened = Signal(int, object, object)  # clip_id, VideoInfo, frame start times (s) or None
    failed = Signal(int, str)  # clip_id, one-line message: the video cannot be opened
    frameLoaded = Signal(int, int, float, QImage)  # clip_id, index, timestamp (s), image
    frameFailed = Signal(int, int, str)  # clip_id, index, one-line message

    def __init__(self, loader: FrameLoader) -> None:
        super().__init__()
        self._loader = loader

    def run(self) -> None:
        self._loader._run(self)


_started: weakref.WeakSet[FrameLoader] = weakref.WeakSet()


class FrameLoader(QObject):
    """Decodes frames of one clip's video in a worker thread; see the module docstring.

    ``open_source(path, proxy_path, cache_bytes)`` builds the source and may be replaced in
    tests; it runs in the worker thread and its PlumbError becomes :attr:`failed`.
    """

    opened = Signal(int, object, object)
    failed = Signal(int, str)
    frameLoaded = Signal(int, int, float, QImage)
    frameFailed = Signal(int, int, str)

    def __init__(self, clip_id: int, path: str | Path, *, proxy_path: str | Path | None = None,
                 cache_bytes: int = DEFAULT_CACHE_BYTES, prefetch_radius: int = PREFETCH_RADIUS,
                 open_source: Callable[[Path, Path | None, int], Any] = _open_frame_source,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clip_id = clip_id
        self.path = Path(path)
        self.proxy_path = Path(proxy_path) if proxy_path is not None else None
        self.cache_bytes = cache_bytes
        self.prefetch_radius = prefetch_radius
        self._open_source = open_source
        self._wake = threading.Condition()
        self._pending: int | None = None
        self._stopping = False
        self.request_count = 0  # for tests and diagnostics: requests posted by the UI
        self.decode_count = 0  # frames actually decoded and delivered
        self._thread = _DecodeThread(self)
        self._thread.opened.connect(self.opened)
        self._thread.failed.connect(self.failed)
        self._thread.frameLoaded.connect(self.frameLoaded)
        self._thread.frameFailed.connect(self.frameFailed)

    # --- UI thread -----------------------------------------------------------------------
    @staticmethod
    def running() -> list[FrameLoader]:
        """Loaders whose worker thread is still alive (a window that forgot to close one)."""
        return [loader for loader in list(_started) if loader.is_running()]

    def start(self) -> None:
        _started.add(self)
        self._thread.start()

    def request(self, index: int) -> None:
        """Ask for frame ``index``; replaces any request the worker has not started yet."""
        with self._wake:
            self._pending = int(index)
            self.request_count += 1
            self._wake.notify()

    def close(self) -> None:
        """Stop the worker (after the frame it is decoding, if any) and close the source."""
        with self._wake:
            self._stopping = True
            self._pending = None
            self._wake.notify()
        self._thread.wait()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    # --- worker thread -------------------------------------------------------------------
    def _run(self, thread: _DecodeThread) -> None:
        try:
            source = self._open_source(self.path, self.proxy_path, self.cache_bytes)
        except PlumbError as exc:
            thread.failed.emit(self.clip_id, str(exc))
            return
        except Exception as exc:  # a decoder crash must not take the window down
            thread.failed.emit(self.clip_id, f"{self.path.name}: cannot be opened ({exc}).")
            return
        try:
            thread.opened.emit(self.clip_id, source.info, self._frame_times(source))
            self._serve(thread, source)
        finally:
            source.close()

    @staticmethod
    def _frame_times(source: Any) -> np.ndarray | None:
        """Every frame's presentation time (N,) float64 for a VFR video; None when it is index / fps."""
        if not source.info.is_vfr:
            return None
        return np.array([source.timestamp(i) for i in range(len(source))], np.float64)

    def _serve(self, thread: _DecodeThread, source: Any) -> None:
        last: int | None = None
        radius = self.prefetch_radius  # how far the cache around `last` is known to reach
        while True:
            with self._wake:
                if self._pending is None and not self._stopping:
                    if radius >= self.prefetch_radius:
                        self._wake.wait()  # nothing to do until the next request
                    elif radius == 0:
                        self._wake.wait(IDLE_BEFORE_PREFETCH_S)  # prefetch only once requests pause
                if self._stopping:
                    return
                index, self._pending = self._pending, None
            if index is None:
                # Idle: widen the cached ring around the playhead one frame at a time, so a
                # new request waits for at most one prefetch step.
                if last is not None and radius < self.prefetch_radius:
                    radius += 1
                    self._prefetch(source, last, radius)
                else:
                    radius = self.prefetch_radius
                continue
            index = min(max(index, 0), len(source) - 1)
            try:
                image = rgb_to_qimage(source.frame(index))
                timestamp = float(source.timestamp(index))
            except Exception as exc:  # a damaged frame must not stop the viewer
                thread.frameFailed.emit(self.clip_id, index, str(exc))
                continue
            self.decode_count += 1
            thread.frameLoaded.emit(self.clip_id, index, timestamp, image)
            last, radius = index, 0

    def _prefetch(self, source: Any, center: int, radius: int) -> None:
        try:
            source.prefetch(center, radius)
        except Exception:
            pass  # prefetching is a courtesy; a frame that is asked for reports its own error
