"""Look at a video once, thoroughly, and refuse it with a clear message if it is unusable.

Frame counts come from demuxing every packet of the video stream (cheap: no decoding),
never from container metadata alone, which is missing or wrong often enough (variable
frame rate phones, truncated copies). The first and the last frame are decoded so a file
that opens but cannot be played is caught at import rather than halfway through review.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from app.media.cursor import decoded_frames, frame_key
from app.media.errors import CONVERT, RECOPY, VideoFileError
from app.media.packet_index import PacketIndex, build_index

MIN_SIDE = 2
MAX_SIDE = 16384
MAX_PIXELS = MAX_SIDE * MAX_SIDE // 4

# Containers without a frame count (Matroska, WebM) still declare a duration; missing
# video beyond both limits means the file was cut short.
_TRUNCATION_MIN_S = 1.0
_TRUNCATION_FRACTION = 0.1


@dataclass(frozen=True)
class VideoInfo:
    """What Plumb needs to know about a video, all of it measured from the file.

    ``fps`` is the average rate (frames / duration); with ``is_vfr`` the per-frame
    timestamps come from the file (see ``FrameSource.timestamp``). ``max_gop`` is the
    longest run of frames between keyframes: the worst number of frames decoded for a cold
    seek. ``rotation`` is the display rotation (degrees, counter-clockwise) the file asks
    for; frames are returned as stored, so a viewer applies it.
    """

    path: Path
    frame_count: int
    fps: float
    width: int
    height: int
    codec: str
    container: str
    duration_s: float
    is_vfr: bool
    max_gop: int
    pix_fmt: str
    color_range: int = 0
    rotation: int = 0


def media_path(path: str | Path) -> Path:
    """The absolute path of a video named by a user; a symlink loop or an unusable name is
    a ``VideoFileError`` rather than the ``RuntimeError``/``OSError`` ``Path.resolve`` raises."""
    raw = Path(path).expanduser()
    try:
        return raw.resolve()
    except (RuntimeError, OSError, ValueError) as exc:
        reason = "a symbolic link that points back to itself" if isinstance(exc, RuntimeError) \
            else "a path that cannot be followed"
        raise VideoFileError(raw, "unresolvable", f"this is {reason}",
                             "Give the path of the video file itself") from None


def probe(path: str | Path) -> VideoInfo:
    """Measure a video; raise ``VideoFileError`` (a ``MediaError``) when it cannot be used."""
    info, _ = inspect_video(path, check_last_frame=True)
    return info


def inspect_video(path: str | Path, *, check_last_frame: bool) -> tuple[VideoInfo, PacketIndex]:
    """``probe`` plus the packet index ``FrameSource`` seeks with.

    ``check_last_frame=False`` skips decoding the final frame (up to ``max_gop`` decodes)
    for callers that probed the file already.
    """
    path = Path(path)
    try:
        _check_file(path)
    except OSError as exc:  # a symlink loop or an unreadable folder on the way to the file
        raise VideoFileError(path, "unreadable", f"the file cannot be reached ({exc.strerror or exc})",
                             "Give the path of the video file itself") from None
    container = _open(path)
    try:
        stream = _video_stream(path, container)
        stream.thread_type = "AUTO"
        width, height = stream.codec_context.width, stream.codec_context.height
        _check_size(path, width, height)
        index = _index_packets(path, container, stream)
        first = _decode_first(path, container, stream, index)
        if check_last_frame:
            _decode_last(path, container, stream, index)
        duration_ticks = index.duration_ticks()
        duration_s = duration_ticks * float(index.time_base)
        info = VideoInfo(
            path=path,
            frame_count=len(index),
            fps=_average_fps(len(index), duration_s, stream),
            width=width,
            height=height,
            codec=stream.codec_context.name,
            container=container.format.name,
            duration_s=duration_s,
            is_vfr=index.is_vfr(),
            max_gop=index.max_gop(),
            pix_fmt=first.format.name,
            color_range=int(first.color_range),
            rotation=int(first.rotation or 0),
        )
        return info, index
    finally:
        container.close()


def _check_file(path: Path) -> None:
    if path.is_dir():
        raise VideoFileError(path, "directory", "this is a folder, not a video file",
                             "Choose a video file inside it")
    if not path.exists():
        raise VideoFileError(path, "missing", f"the file does not exist in {path.parent}",
                             "Check the path, or relink the video if it was moved")
    if path.stat().st_size == 0:
        raise VideoFileError(path, "empty", "the file is empty (0 bytes)", RECOPY)


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), metadata_errors="ignore")
    except PermissionError:
        raise VideoFileError(path, "unreadable", "permission to read the file was denied",
                             "Check the file's permissions") from None
    except (av.FFmpegError, OSError) as exc:
        if _looks_like_iso_media(path):
            raise VideoFileError(
                path, "truncated",
                "the file is truncated or damaged: its index ('moov') is missing", RECOPY,
            ) from exc
        raise VideoFileError(path, "not_video",
                             "this is not a video file that can be read", CONVERT) from exc


def _looks_like_iso_media(path: Path) -> bool:
    """MP4/MOV files start with a box whose type sits at bytes 4..8."""
    with path.open("rb") as fh:
        head = fh.read(12)
    return head[4:8] in (b"ftyp", b"mdat", b"moov", b"wide", b"free", b"skip")


def _video_stream(path: Path, container: av.container.InputContainer) -> av.video.VideoStream:
    streams = container.streams.video
    if not streams:
        kinds = sorted({s.type for s in container.streams}) or ["nothing"]
        raise VideoFileError(path, "no_video",
                             f"the file has no video stream (it contains {', '.join(kinds)})",
                             "Choose a file with a picture")
    stream = streams[0]
    if stream.codec_context is None:
        raise VideoFileError(path, "unsupported_codec",
                             "the video codec is not supported (no decoder for it is available)",
                             CONVERT)
    return stream


def _check_size(path: Path, width: int, height: int) -> None:
    if (not MIN_SIDE <= width <= MAX_SIDE or not MIN_SIDE <= height <= MAX_SIDE
            or width * height > MAX_PIXELS):
        raise VideoFileError(
            path, "bad_size",
            f"the frame size {width}x{height} is not supported (each side must be "
            f"{MIN_SIDE}-{MAX_SIDE} pixels, at most {MAX_PIXELS // 1_000_000} megapixels)",
            "Scale the video down (or re-export it) and import that")


def _index_packets(path: Path, container, stream) -> PacketIndex:
    keys: list[int] = []
    key_flags: list[bool] = []
    last_pts, last_duration, corrupt, trimmed = None, 0, 0, 0
    try:
        for packet in container.demux(stream):
            if packet.size == 0:
                # The end-of-stream flush marker has no timestamps; an empty packet with
                # one is a "repeat the previous picture" slot (AVI captures): no new frame.
                trimmed += packet.dts is not None or packet.pts is not None
                continue
            if packet.is_discard:
                trimmed += 1  # decoded for reference but never shown (edit list)
                continue
            key = packet.pts if packet.pts is not None else packet.dts
            if key is None:
                raise VideoFileError(path, "no_timestamps",
                                     f"frame {len(keys)} has no timestamp", CONVERT)
            corrupt += packet.is_corrupt
            keys.append(key)
            key_flags.append(packet.is_keyframe)
            if last_pts is None or key > last_pts:
                last_pts, last_duration = key, packet.duration or 0
    except av.FFmpegError as exc:
        raise VideoFileError(path, "damaged",
                             f"the file is damaged after frame {len(keys)} ({exc.strerror})",
                             RECOPY) from exc
    if not keys:
        raise VideoFileError(path, "no_frames", "the video stream contains no frames", RECOPY)
    _check_complete(path, container, stream, keys, corrupt, trimmed)
    index, reason = build_index(keys, key_flags, stream.time_base, last_duration)
    if index is None:
        raise VideoFileError(path, "bad_timestamps", f"the frames cannot be numbered: {reason}",
                             CONVERT)
    return index


def _check_complete(path: Path, container, stream, keys: list[int], corrupt: int,
                    trimmed: int) -> None:
    present = len(keys) - corrupt  # a cut-off final packet is demuxed but flagged corrupt
    declared = stream.frames or 0
    if declared > len(keys) + trimmed:
        raise VideoFileError(
            path, "truncated",
            f"the file is truncated (the container declares {declared - trimmed} frames, "
            f"{present} are present)", RECOPY)
    declared_s = _declared_duration_s(container, stream)
    if declared_s is None or len(keys) < 2:
        return
    span = sorted(keys)
    step = (span[-1] - span[0]) / (len(span) - 1)
    present_s = (span[-1] - span[0] + step) * float(stream.time_base)
    missing = declared_s - present_s
    if missing > _TRUNCATION_MIN_S and missing > _TRUNCATION_FRACTION * declared_s:
        raise VideoFileError(
            path, "truncated",
            f"the file is truncated (the container declares {declared_s:.1f} s of video, "
            f"{present_s:.1f} s are present)", RECOPY)


def _declared_duration_s(container, stream) -> float | None:
    if stream.duration:
        return stream.duration * float(stream.time_base)
    tag = stream.metadata.get("DURATION") or stream.metadata.get("duration")
    if not tag:
        return None
    try:
        hours, minutes, seconds = tag.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None


def _decode_first(path: Path, container, stream, index: PacketIndex) -> av.VideoFrame:
    container.seek(int(index.pts[0]), stream=stream, backward=True)
    for frame in decoded_frames(container, stream):
        if index.frame_at_pts(frame_key(frame)) == 0:
            return frame
        break
    raise VideoFileError(path, "undecodable",
                         "the first frame cannot be decoded; the file is damaged", RECOPY)


def _decode_last(path: Path, container, stream, index: PacketIndex) -> None:
    last = len(index) - 1
    start = index.keyframe_at_or_before(last)
    container.seek(int(index.pts[start]), stream=stream, backward=True)
    for frame in decoded_frames(container, stream):
        if index.frame_at_pts(frame_key(frame)) == last:
            return
    raise VideoFileError(
        path, "truncated",
        f"the last frame ({last}) cannot be decoded; the file is truncated or damaged", RECOPY)


def _average_fps(count: int, duration_s: float, stream) -> float:
    if duration_s > 0:
        return count / duration_s
    rate = stream.average_rate or stream.guessed_rate
    return float(rate) if rate else 0.0
