"""Access proxy: a lossless, intra-only copy of a video that makes any frame one decode away.

Phone and camera files often have a keyframe every few seconds (phalp-running: one for all
180 frames), so jumping to a frame means decoding everything since the last keyframe:
~550 ms at 1080p. FFV1 with one frame per GOP stores the decoded 4:2:0 pictures
bit-exactly (~0.37 MB per 1080p frame) and decodes any one of them in ~15 ms. Playback
still uses the original file; the proxy only serves jumps.

Proxy frame ``i`` is stored at ``pts = i`` in a 1/1000 s time base: unique and exact for
any source rate, so the proxy never needs its own packet scan.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from app.atomic_files import atomic_path
from app.media.convert import uses_fast_path
from app.media.cursor import DecodeCursor, decoded_frames, frame_key
from app.media.errors import RECOPY, VideoFileError
from app.media.fingerprint import fingerprint
from app.media.packet_index import PacketIndex
from app.media.probe import VideoInfo, inspect_video

PROXY_VERSION = "1"
PROXY_TIME_BASE = Fraction(1, 1000)
TAG_VERSION = "PLUMB_PROXY_VERSION"
TAG_FRAMES = "PLUMB_FRAMES"
TAG_SIZE = "PLUMB_SIZE"
TAG_SOURCE = "PLUMB_SOURCE_FINGERPRINT"

# Measured on 2 cores: H.264 1080p (2.1 MP) decodes at ~320 fps with frame threads, VP9
# a little slower; conversion to RGB adds ~1.2 ms. A cold seek costing more than the
# random-access budget is what a proxy is for.
DECODE_MS_PER_MEGAPIXEL = 1.6
CONVERT_MS_PER_MEGAPIXEL = 0.6
RANDOM_ACCESS_BUDGET_MS = 40.0


def estimated_cold_seek_ms(info: VideoInfo) -> float:
    """Worst-case time to reach a frame from a cold decoder: a whole GOP plus conversion."""
    megapixels = info.width * info.height / 1e6
    return info.max_gop * DECODE_MS_PER_MEGAPIXEL * megapixels + CONVERT_MS_PER_MEGAPIXEL * megapixels


def proxy_supported(info: VideoInfo) -> bool:
    """Only 8-bit 4:2:0 limited-range video: stored losslessly and converted like the original."""
    return uses_fast_path(info.pix_fmt, info.color_range)


def needs_access_proxy(info: VideoInfo) -> bool:
    """True when building a proxy is worthwhile: supported, and cold seeks would be slow."""
    return proxy_supported(info) and estimated_cold_seek_ms(info) > RANDOM_ACCESS_BUDGET_MS


def build_access_proxy(
    src_path: str | Path,
    proxy_path: str | Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Path | None:
    """Write the access proxy of ``src_path`` to ``proxy_path`` (Matroska/FFV1).

    ``progress(done, total)`` is called after each frame; ``cancel()`` is polled as often
    and, when it returns True, the build stops, leaves nothing behind and returns None.
    The file appears atomically: a crash or cancel never leaves a half-written proxy at
    ``proxy_path``. Raises ``VideoFileError`` for unsupported or undecodable sources.
    """
    src_path, proxy_path = Path(src_path), Path(proxy_path)
    info, index = inspect_video(src_path, check_last_frame=False)
    if not proxy_supported(info):
        raise VideoFileError(src_path, "proxy_unsupported",
                             f"an access proxy is only made for 8-bit 4:2:0 video, this is "
                             f"{info.pix_fmt}", "Frames are still read from the original")
    tags = {TAG_VERSION: PROXY_VERSION, TAG_FRAMES: str(info.frame_count),
            TAG_SIZE: f"{info.width}x{info.height}", TAG_SOURCE: fingerprint(src_path)}
    finished = False
    try:
        with atomic_path(proxy_path, suffix=".partial") as pending:
            finished = _encode(src_path, pending.path, info, index, tags, progress, cancel)
            if not finished:
                pending.abandon()
    except av.FFmpegError as exc:
        raise VideoFileError(proxy_path, "proxy_write_failed",
                             f"the access proxy could not be written ({exc.strerror})",
                             "Check free disk space") from exc
    return proxy_path if finished else None


def _encode(src_path: Path, tmp: Path, info: VideoInfo, index: PacketIndex, tags: dict,
            progress, cancel) -> bool:
    total = info.frame_count
    with av.open(str(src_path), metadata_errors="ignore") as src, \
            av.open(str(tmp), "w", format="matroska") as out:
        out.metadata.update(tags)  # must precede the first packet: it goes in the header
        stream = src.streams.video[0]
        stream.thread_type = "AUTO"
        enc = out.add_stream("ffv1", rate=1000)
        enc.width, enc.height, enc.pix_fmt = info.width, info.height, "yuv420p"
        enc.time_base = PROXY_TIME_BASE
        enc.codec_context.gop_size = 1
        enc.codec_context.thread_type = "SLICE"
        enc.options = {"slices": "4", "level": "3"}
        expected = 0
        for frame in decoded_frames(src, stream):
            number = index.frame_at_pts(frame_key(frame))
            if number is None:
                continue
            if number != expected or frame.format.name != "yuv420p":
                raise VideoFileError(src_path, "undecodable",
                                     f"frame {expected} cannot be decoded", RECOPY)
            # The decoded picture goes to the encoder as is: no conversion, so bit-exact.
            frame.pts, frame.time_base = number, PROXY_TIME_BASE
            out.mux(enc.encode(frame))
            expected += 1
            if progress is not None:
                progress(expected, total)
            if cancel is not None and cancel():
                return False
        if expected != total:
            raise VideoFileError(src_path, "undecodable",
                                 f"frame {expected} cannot be decoded", RECOPY)
        out.mux(enc.encode(None))
    return True


def proxy_index(frame_count: int) -> PacketIndex:
    pts = np.arange(frame_count, dtype=np.int64)
    return PacketIndex(pts, pts.copy(), PROXY_TIME_BASE, 1)


def open_access_proxy(proxy_path: str | Path | None, info: VideoInfo,
                      source_fingerprint: str | None = None) -> DecodeCursor | None:
    """A decoder on ``proxy_path`` if it is a proxy of this very video, else None.

    Anything unexpected (missing file, other video, stale proxy of an edited file, broken
    file) means "no proxy": the original file still serves every frame, only slower.
    """
    if proxy_path is None or not proxy_supported(info) or not Path(proxy_path).is_file():
        return None
    try:
        cursor = DecodeCursor(proxy_path, proxy_index(info.frame_count), "SLICE", strict=True)
    except (av.FFmpegError, OSError):
        return None
    if _matches(cursor, info, source_fingerprint):
        return cursor
    cursor.close()
    return None


def _matches(cursor: DecodeCursor, info: VideoInfo, source_fingerprint: str | None) -> bool:
    tags = cursor.container.metadata
    ctx = cursor.stream.codec_context
    expected_us = info.frame_count * 1000  # frames are 1 ms apart; container.duration is in µs
    return (
        tags.get(TAG_VERSION) == PROXY_VERSION
        and tags.get(TAG_FRAMES) == str(info.frame_count)
        and tags.get(TAG_SIZE) == f"{info.width}x{info.height}"
        and (source_fingerprint is None or tags.get(TAG_SOURCE) == source_fingerprint)
        and ctx is not None and ctx.name == "ffv1"
        and (ctx.width, ctx.height) == (info.width, info.height)
        and ctx.pix_fmt == "yuv420p"
        and cursor.container.duration is not None
        and abs(cursor.container.duration - expected_us) <= 1000
    )
