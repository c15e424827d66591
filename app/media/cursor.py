"""A decoder that walks forward through one stream and knows which frame it is on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av

from app.media.packet_index import PacketIndex


def decoded_frames(container, stream) -> Iterator[av.VideoFrame]:
    """Frames of ``stream`` from the container's current position.

    A packet the decoder rejects is skipped instead of ending playback: its frame simply
    never appears, which callers detect as a missing frame number.
    """
    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.InvalidDataError:
            continue


def frame_key(frame: av.VideoFrame) -> int | None:
    """The timestamp that numbers a decoded frame (pts, else dts as AVI sometimes needs)."""
    return frame.pts if frame.pts is not None else frame.dts


class CorruptFrameError(Exception):
    """A strict cursor decoded a frame the decoder itself flagged as damaged."""


class DecodeCursor:
    """One open container plus decoder. Not thread-safe; ``FrameSource`` serialises use.

    ``strict`` cursors raise ``CorruptFrameError`` for frames the decoder flags as damaged
    (used for the access proxy, which has a perfect fallback, the original file).

    ``position`` is the number of the last frame handed out: -1 before the first, and
    ``len(index)`` once the stream is exhausted (only a seek moves it again).
    """

    def __init__(self, path: str | Path, index: PacketIndex, thread_type: str,
                 *, strict: bool = False) -> None:
        self.index = index
        self.strict = strict
        self.container = av.open(str(path), metadata_errors="ignore")
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = thread_type
        self._frames: Iterator[av.VideoFrame] | None = None
        self._floor = 0
        self.position = -1
        self.seeks = 0
        self.decoded = 0

    def can_continue_to(self, target: int) -> bool:
        return self.position < target < len(self.index)

    def seek(self, keyframe: int) -> None:
        """Restart decoding at ``keyframe`` (or the demuxer's keyframe just before it)."""
        self.container.seek(int(self.index.pts[keyframe]), stream=self.stream, backward=True)
        self._frames = decoded_frames(self.container, self.stream)
        # Pictures that precede the seek point in presentation order (open-GOP leading
        # frames) reference data from before it and may be garbage: never hand them out.
        self._floor = keyframe
        self.position = keyframe - 1
        self.seeks += 1

    def next(self) -> tuple[int, av.VideoFrame] | None:
        """The next decoded frame and its number, or None at the end of the stream."""
        if self._frames is None:
            self._frames = decoded_frames(self.container, self.stream)
        for frame in self._frames:
            self.decoded += 1
            number = self.index.frame_at_pts(frame_key(frame))
            if number is None or number < self._floor:
                continue
            if self.strict and frame.is_corrupt:
                raise CorruptFrameError(f"frame {number} is damaged")
            self.position = number
            return number, frame
        self.position = len(self.index)
        return None

    def close(self) -> None:
        self._frames = None
        self.container.close()
