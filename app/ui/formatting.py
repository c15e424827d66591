"""Qt-free text for the interface: timecodes and one-line clip descriptions."""

from __future__ import annotations

import math

from app.store.records import ClipRecord


def timecode(seconds: float) -> str:
    """``HH:MM:SS.mmm`` for a presentation time in seconds (negative times clamp to zero)."""
    if not math.isfinite(seconds) or seconds < 0:
        seconds = 0.0
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def fps_text(fps: float) -> str:
    """25 -> "25", 29.97002997 -> "29.97"."""
    return f"{fps:.2f}".rstrip("0").rstrip(".")


def frame_text(index: int, frame_count: int) -> str:
    """The frame label of the player bar: zero-based index of the shown frame and the count."""
    return f"Frame {index} / {max(frame_count - 1, 0)}"


VFR_EXPLANATION = ("Variable frame rate: frames are indexed by presentation time, and each "
                   "timecode is the frame's own timestamp (not index / fps).")


def clip_tooltip(clip: ClipRecord) -> str:
    lines = [
        clip.name,
        f"{clip.frame_count} frames at {fps_text(clip.fps)} fps, {clip.width}×{clip.height}, {clip.codec}",
        f"Video: {clip.path}",
    ]
    if clip.is_vfr:
        lines.append(VFR_EXPLANATION)
    return "\n".join(lines)
