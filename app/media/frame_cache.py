"""Least-recently-used store of decoded RGB frames, bounded by bytes rather than count.

A byte budget keeps memory predictable whatever the resolution: 256 MiB holds about 40
frames at 1080p or 1,100 at 320x240.

One evicted array nobody else references is kept as a spare for the next conversion to
write into: a fresh 6 MB allocation per 1080p frame costs ~2 ms of page faults once the
cache is full, more than the colour conversion itself.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict

import numpy as np


class FrameCache:
    """Frame number -> read-only (H, W, 3) uint8 array. Thread-safe.

    Arrays are frozen (``writeable = False``) on the way in, so a caller that scribbles on
    a returned frame gets an error instead of silently corrupting later lookups. Memory
    held: at most ``max_bytes`` of frames plus one spare buffer (see ``take_spare``).
    """

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must be >= 0")
        self.max_bytes = int(max_bytes)
        self._frames: OrderedDict[int, np.ndarray] = OrderedDict()
        self._nbytes = 0
        self._spare: np.ndarray | None = None
        self._lock = threading.Lock()

    def get(self, index: int) -> np.ndarray | None:
        with self._lock:
            frame = self._frames.get(index)
            if frame is not None:
                self._frames.move_to_end(index)
            return frame

    def put(self, index: int, frame: np.ndarray) -> np.ndarray:
        """Store ``frame`` (frozen) and return it; evicts the least recently used first.

        A frame larger than the whole budget is returned frozen but not kept.
        """
        frame.flags.writeable = False
        size = frame.nbytes
        with self._lock:
            old = self._frames.pop(index, None)
            if old is not None:
                self._nbytes -= old.nbytes
            if size > self.max_bytes:
                return frame
            while self._frames and self._nbytes + size > self.max_bytes:
                _, evicted = self._frames.popitem(last=False)
                self._nbytes -= evicted.nbytes
                # Two references (this name, getrefcount's argument) mean no caller holds
                # the array or a view of it (a view of an owning array references it).
                if evicted.flags.owndata and sys.getrefcount(evicted) == 2:
                    self._spare = evicted
                del evicted
            self._frames[index] = frame
            self._nbytes += size
        return frame

    def take_spare(self, shape: tuple[int, ...]) -> np.ndarray | None:
        """A writable uint8 array of ``shape`` that no one else references, if one is spare."""
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is None or spare.shape != shape or spare.dtype != np.uint8:
            return None
        spare.flags.writeable = True
        return spare

    def __contains__(self, index: int) -> bool:
        with self._lock:
            return index in self._frames

    def __len__(self) -> int:
        with self._lock:
            return len(self._frames)

    @property
    def nbytes(self) -> int:
        """Bytes held by cached frames (never more than ``max_bytes``)."""
        with self._lock:
            return self._nbytes

    def indices(self) -> list[int]:
        """Cached frame numbers, least recently used first."""
        with self._lock:
            return list(self._frames)

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
            self._nbytes = 0
            self._spare = None
