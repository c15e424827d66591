"""Frame-exact random access to a video: ``FrameSource(path).frame(n)`` is always frame n.

Routes to a frame, cheapest first (estimated from measured per-frame decode times):
  * the cache (recently shown frames, frames decoded on the way, prefetched neighbours);
  * the open decoder, if it sits before the target: playback and small forward hops;
  * a seek to the keyframe at or before the target, then decoding forward;
  * the access proxy (see ``access_proxy``), where one seek + one decode reaches any frame.

Threading: a FrameSource may be shared between threads (UI, prefetch worker, analysis),
but decoding is serialised by one lock; cache hits do not wait for a running decode.
"""

from __future__ import annotations

import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from app.media.access_proxy import open_access_proxy
from app.media.convert import RgbConverter
from app.media.cursor import CorruptFrameError, DecodeCursor
from app.media.errors import RECOPY, VideoFileError
from app.media.fingerprint import fingerprint
from app.media.frame_cache import FrameCache
from app.media.probe import inspect_video

DEFAULT_CACHE_BYTES = 256 * 2**20
_SEEK_MS = 1.0  # demuxer seek + decoder flush, independent of resolution
_MAX_STEP = 3.0  # a measurement counts for at most this multiple of the estimate
_EMA = 0.2  # weight of the newest per-frame decode time measurement
_MAX_KEEP_BEHIND = 32


@dataclass(frozen=True)
class AccessStats:
    """Counters since the source was opened (a snapshot; safe to keep)."""

    cache_hits: int = 0
    cache_misses: int = 0
    seeks_original: int = 0
    seeks_proxy: int = 0
    decoded_original: int = 0
    decoded_proxy: int = 0


class FrameSource:
    """Random access to decoded RGB frames of one video.

    ``frame(i)`` returns a read-only (height, width, 3) uint8 RGB array, numbered in
    presentation order from 0. Memory is bounded by ``cache_bytes`` plus the decoders'
    own buffers: the video is never loaded whole. ``proxy_path`` names an access proxy
    (``build_access_proxy``); it is used for jumps when it exists and belongs to this
    video, and ignored otherwise. Opening does not decode the last frame; call ``probe``
    first to vet an unknown file.

    Thread-safe: share one instance between a UI thread and a prefetch worker freely.
    Decoding is serial (one lock); cache hits never wait for a decode in progress.
    """

    def __init__(self, path: str | Path, *, cache_bytes: int = DEFAULT_CACHE_BYTES,
                 proxy_path: str | Path | None = None) -> None:
        self.path = Path(path)
        self.info, self._index = inspect_video(self.path, check_last_frame=False)
        self._times = self._index.seconds() if self.info.is_vfr else None
        self._convert = RgbConverter(self.info.pix_fmt, self.info.color_range)
        self.cache = FrameCache(cache_bytes)
        self._frame_shape = (self.info.height, self.info.width, 3)
        frame_bytes = self.info.width * self.info.height * 3
        self._cache_frames = cache_bytes // frame_bytes
        # Frames passed on the way to a target are kept (up to a quarter of the cache) so
        # stepping backwards does not redo a whole GOP every time.
        self._keep_behind = min(_MAX_KEEP_BEHIND, self._cache_frames // 4)
        self._lock = threading.Lock()
        self._waiting = 0
        self._waiting_lock = threading.Lock()
        self._closed = False
        self._hits = self._misses = 0
        try:
            self._original = DecodeCursor(self.path, self._index, "AUTO")
        except (av.FFmpegError, OSError) as exc:
            raise VideoFileError(self.path, "read_failed", "the file could not be opened again",
                                 "Check that it is still there and readable") from exc
        self._proxy: DecodeCursor | None = None
        self._retired_proxy = (0, 0)  # counters of a proxy dropped as damaged
        if proxy_path is not None and self._convert.fast:
            self._proxy = open_access_proxy(proxy_path, self.info, fingerprint(self.path))
        megapixels = self.info.width * self.info.height / 1e6
        # Starting guesses (2 cores, 1080p: ~3 ms per H.264 frame, ~14 ms per FFV1 frame),
        # replaced by measurements as soon as frames are decoded.
        self._ms_per_frame = {"original": 1.6 * megapixels, "proxy": 7.0 * megapixels}

    # --- public API -------------------------------------------------------------------

    def __len__(self) -> int:
        return self.info.frame_count

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def has_proxy(self) -> bool:
        """True when a valid access proxy serves jumps."""
        return self._proxy is not None

    @property
    def stats(self) -> AccessStats:
        o, p = self._original, self._proxy
        proxy_seeks, proxy_decoded = (p.seeks, p.decoded) if p else self._retired_proxy
        return AccessStats(self._hits, self._misses, o.seeks, proxy_seeks, o.decoded,
                           proxy_decoded)

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` as a read-only (H, W, 3) uint8 RGB array."""
        index = self._check_index(index)
        cached = self.cache.get(index)
        if cached is not None:
            self._count_hit()
            return cached
        with self._decoder(foreground=True):
            cached = self.cache.get(index)
            if cached is not None:
                self._count_hit()
                return cached
            self._misses += 1  # under the decoder lock
            return self._fetch(index, keep_from=max(0, index - self._keep_behind))

    def prefetch(self, center: int, radius: int) -> int:
        """Decode and cache frames ``center - radius .. center + radius`` not yet cached.

        Meant for an idle worker thread: it yields to any ``frame()`` call waiting for the
        decoder, and stops early then. The window is narrowed to half the cache so it
        cannot evict the frames around ``center`` it is meant to complement. Returns the
        number of frames added.
        """
        center = self._check_index(center)
        radius = max(0, min(int(radius), max(0, self._cache_frames // 2 - 1) // 2))
        lo, hi = max(0, center - radius), min(len(self) - 1, center + radius)
        missing = [t for t in range(lo, hi + 1) if t not in self.cache]
        for target in missing:
            if self._waiting or self._closed:
                break
            if target in self.cache:
                continue  # decoded on the way to an earlier target
            try:
                with self._decoder(foreground=False):
                    self._fetch(target, keep_from=lo)
            except SourceClosedError:
                break  # closed by another thread while this worker was prefetching
        return sum(1 for t in missing if t in self.cache)

    def timestamp(self, index: int) -> float:
        """Presentation time of frame ``index`` in seconds (frame 0 at 0.0)."""
        index = self._check_index(index)
        if self._times is not None:
            return float(self._times[index])
        return index / self.info.fps

    def index_at(self, seconds: float) -> int:
        """The frame on screen at ``seconds`` (the last one starting at or before it)."""
        if self._times is not None:
            i = int(np.searchsorted(self._times, seconds + 1e-9, side="right")) - 1
        else:
            i = math.floor(seconds * self.info.fps + 1e-6)
        return min(max(i, 0), len(self) - 1)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._original.close()
            if self._proxy is not None:
                self._proxy.close()
            self.cache.clear()

    # --- decoding -----------------------------------------------------------------------

    def _count_hit(self) -> None:
        with self._waiting_lock:
            self._hits += 1

    def _check_index(self, index: int) -> int:
        if self._closed:
            raise SourceClosedError(f"{self.path.name}: FrameSource is closed")
        index = int(index)
        if not 0 <= index < len(self):
            raise IndexError(f"frame {index} is outside 0..{len(self) - 1}")
        return index

    @contextmanager
    def _decoder(self, *, foreground: bool):
        if foreground:
            with self._waiting_lock:
                self._waiting += 1
            try:
                self._lock.acquire()
            finally:
                with self._waiting_lock:
                    self._waiting -= 1
        else:
            self._lock.acquire()
        try:
            if self._closed:
                raise SourceClosedError(f"{self.path.name}: FrameSource is closed")
            yield
        finally:
            self._lock.release()

    def _fetch(self, target: int, keep_from: int) -> np.ndarray:
        """Decode ``target`` by the cheapest route; caller holds the decoder lock."""
        cursor, seek = self._plan(target)
        try:
            return self._run(cursor, target, seek, keep_from)
        except (av.FFmpegError, _Missing, CorruptFrameError) as exc:
            if cursor is self._proxy:
                # A damaged proxy must never cost a frame: drop it, use the original.
                self._retired_proxy = (cursor.seeks, cursor.decoded)
                cursor.close()
                self._proxy = None
                return self._fetch(target, keep_from)
            if isinstance(exc, _Missing):
                raise VideoFileError(self.path, "undecodable",
                                     f"frame {target} cannot be decoded; the file is damaged",
                                     RECOPY) from None
            raise VideoFileError(self.path, "read_failed",
                                 f"reading frame {target} failed ({exc.strerror})",
                                 "Check that the file is still there and readable") from exc

    def _plan(self, target: int) -> tuple[DecodeCursor, bool]:
        if self._original.can_continue_to(target) and target - self._original.position <= 1:
            # Playback and frame stepping: the open decoder is the cheapest path whatever
            # the timing estimates say, and staying on it keeps playback off the proxy.
            return self._original, False
        keyframe = self._index.keyframe_at_or_before(target)
        per_frame = self._ms_per_frame["original"]
        options = [((target - keyframe + 1) * per_frame + _SEEK_MS, self._original, True)]
        if self._original.can_continue_to(target):
            options.append(((target - self._original.position) * per_frame, self._original, False))
        proxy = self._proxy
        if proxy is not None:
            per_frame = self._ms_per_frame["proxy"]
            options.append((per_frame + _SEEK_MS, proxy, True))
            if proxy.can_continue_to(target):
                options.append(((target - proxy.position) * per_frame, proxy, False))
        _, cursor, seek = min(options, key=lambda option: option[0])
        return cursor, seek

    def _run(self, cursor: DecodeCursor, target: int, seek: bool, keep_from: int) -> np.ndarray:
        if not seek:
            rgb, _ = self._decode_forward(cursor, target, keep_from)
            if rgb is not None:
                return rgb
        start = target if cursor is self._proxy else self._index.keyframe_at_or_before(target)
        while True:
            cursor.seek(start)
            rgb, landed_late = self._decode_forward(cursor, target, keep_from)
            if rgb is not None:
                return rgb
            if not landed_late:
                raise _Missing(target)
            # The demuxer landed after the keyframe asked for: start one keyframe earlier.
            start = cursor.index.keyframe_before(start)
            if start is None:
                raise _Missing(target)

    def _decode_forward(self, cursor: DecodeCursor, target: int,
                        keep_from: int) -> tuple[np.ndarray | None, bool]:
        """Decode up to ``target``: (frame, False), or (None, whether the very first frame
        decoded was already past the target) when the target never came."""
        started, decoded_before = time.perf_counter(), cursor.decoded
        first = True
        while True:
            item = cursor.next()
            if item is None or item[0] > target:
                return None, first and item is not None
            first = False
            number, frame = item
            if number == target or (number >= keep_from and number not in self.cache):
                spare = self.cache.take_spare(self._frame_shape)
                rgb = self.cache.put(number, self._convert(frame, spare))
            if number == target:
                self._learn(cursor, started, cursor.decoded - decoded_before)
                return rgb, False

    def _learn(self, cursor: DecodeCursor, started: float, frames: int) -> None:
        key = "proxy" if cursor is self._proxy else "original"
        measured = (time.perf_counter() - started) * 1000 / max(1, frames)
        # A single stall (another process, a cold disk) must not flip the routing for good.
        measured = min(measured, _MAX_STEP * self._ms_per_frame[key])
        self._ms_per_frame[key] += _EMA * (measured - self._ms_per_frame[key])


class SourceClosedError(ValueError):
    """The FrameSource was used after ``close()``."""


class _Missing(Exception):
    """The decoder never produced the requested frame."""
