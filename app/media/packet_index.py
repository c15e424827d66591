"""Frame numbering built from demuxed packets: which timestamp is frame N, where to seek.

Frames are numbered in presentation order (packets sorted by timestamp), so frame N is
the N-th picture a viewer sees regardless of B-frame reordering in the file.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np


@dataclass(frozen=True, eq=False)
class PacketIndex:
    """Timestamps and keyframes of one video stream.

    ``pts``: (N,) int64, strictly increasing; frame ``i`` is presented at ``pts[i]``
    (stream time base). ``keyframes``: (K,) int64 ascending frame indices where a decoder
    may start; ``keyframes[0] == 0`` always, because decoding from the start of the
    stream reaches every frame even when the first flagged keyframe comes later.
    """

    pts: np.ndarray
    keyframes: np.ndarray
    time_base: Fraction
    last_duration: int  # ticks the last frame stays on screen
    _keyframe_list: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # bisect on a list is several times faster than np.searchsorted for one lookup
        object.__setattr__(self, "_keyframe_list", [int(k) for k in self.keyframes])

    def __len__(self) -> int:
        return int(self.pts.shape[0])

    def frame_at_pts(self, pts: int | None) -> int | None:
        """Index of the frame with exactly this timestamp, or None."""
        if pts is None:
            return None
        i = int(np.searchsorted(self.pts, pts))
        if i < len(self) and int(self.pts[i]) == pts:
            return i
        return None

    def keyframe_at_or_before(self, index: int) -> int:
        k = bisect.bisect_right(self._keyframe_list, index) - 1
        return self._keyframe_list[max(k, 0)]

    def keyframe_before(self, keyframe: int) -> int | None:
        """The keyframe preceding ``keyframe``; None when it is the first."""
        k = bisect.bisect_left(self._keyframe_list, keyframe) - 1
        return self._keyframe_list[k] if k >= 0 else None

    def max_gop(self) -> int:
        """Longest run of frames that must be decoded from one keyframe (worst cold seek)."""
        bounds = np.append(self.keyframes, len(self))
        return int(np.diff(bounds).max())

    def duration_ticks(self) -> int:
        return int(self.pts[-1] - self.pts[0]) + self.last_duration

    def seconds(self) -> np.ndarray:
        """(N,) float64 presentation time of each frame, first frame at 0."""
        return (self.pts - self.pts[0]).astype(np.float64) * float(self.time_base)

    def is_vfr(self) -> bool:
        """True when frame durations differ by more than one tick of rounding jitter."""
        if len(self) < 3:
            return False
        deltas = np.diff(self.pts)
        return int(deltas.max() - deltas.min()) > 1


def build_index(
    keys: list[int], key_flags: list[bool], time_base: Fraction, last_duration: int
) -> tuple[PacketIndex | None, str]:
    """Number frames from packet timestamps given in decode order.

    Returns ``(index, "")`` or ``(None, reason)`` when the timestamps cannot number the
    frames unambiguously.
    """
    pts = np.asarray(keys, dtype=np.int64)
    order = np.argsort(pts, kind="stable")
    sorted_pts = pts[order]
    if len(sorted_pts) > 1 and np.any(np.diff(sorted_pts) == 0):
        dup = int(np.count_nonzero(np.diff(sorted_pts) == 0))
        return None, f"{dup} frames share a timestamp with another frame"
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    flagged = rank[np.asarray(key_flags, dtype=bool)] if key_flags else np.array([], np.int64)
    keyframes = np.unique(np.concatenate([[0], flagged])).astype(np.int64)
    if last_duration <= 0:
        deltas = np.diff(sorted_pts)
        last_duration = int(np.median(deltas)) if len(deltas) else 1
    return PacketIndex(sorted_pts, keyframes, time_base, max(1, last_duration)), ""
