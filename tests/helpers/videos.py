"""Small synthetic videos for tests: every frame carries its own number.

Each frame shows its index as a row of ``CODE_BITS`` black/white blocks across the top
(most significant bit first) and as printed digits below, so a test can decode any frame
and tell which one it got. Blocks are large and fully saturated, so the code survives
lossy codecs, 4:2:0 chroma subsampling and odd frame sizes.

Also writes the broken files that ``app.media.probe`` must refuse with a clear message.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

CODE_BITS = 10
CODE_HEIGHT_FRACTION = 0.3  # the code strip uses the top 30 % of the frame

# Frame-duration multipliers cycled for variable-frame-rate files: irregular on purpose
# (short, long and doubled frames) so that index * (1 / fps) is wrong for most frames.
_VFR_PATTERN = (1.0, 1.0, 2.0, 1.0, 0.5, 1.5, 1.0, 3.0)

_CONTAINER_FOR_SUFFIX = {".y4m": "yuv4mpegpipe", ".webm": "webm"}


def draw_numbered_frame(number: int, size: tuple[int, int] = (320, 240)) -> np.ndarray:
    """Return an RGB frame (height, width, 3) uint8 that encodes ``number``.

    Below the code strip there is moving texture so inter-frame codecs do real motion
    prediction, and the number in digits for people looking at a failing frame.
    """
    if not 0 <= number < 2**CODE_BITS:
        raise ValueError(f"frame number {number} does not fit in {CODE_BITS} bits")
    width, height = size
    img = np.empty((height, width, 3), np.uint8)
    yy, xx = np.mgrid[0:height, 0:width]
    img[..., 0] = (xx * 2 + number * 3) % 256
    img[..., 1] = (yy * 2 + number * 5) % 256
    img[..., 2] = ((xx + yy) + number * 7) % 256
    strip = max(2, int(round(height * CODE_HEIGHT_FRACTION)))
    for bit, (x0, x1) in enumerate(_block_columns(width)):
        on = (number >> (CODE_BITS - 1 - bit)) & 1
        img[:strip, x0:x1] = 255 if on else 0
    cx = int((number * 7) % max(1, width))
    cv2.circle(img, (cx, (strip + height) // 2), max(2, height // 10), (255, 64, 0), -1)
    scale = max(0.3, height / 120)
    cv2.putText(img, str(number), (2, height - 4), cv2.FONT_HERSHEY_SIMPLEX, scale,
                (255, 255, 255), max(1, int(scale * 2)), cv2.LINE_AA)
    return img


def read_frame_number(rgb: np.ndarray) -> int:
    """Read back the number drawn by :func:`draw_numbered_frame` from an RGB frame.

    Raises ``ValueError`` when a block is neither clearly black nor clearly white, which
    means the frame is not one of ours or was decoded wrongly.
    """
    height, width = rgb.shape[:2]
    strip = max(2, int(round(height * CODE_HEIGHT_FRACTION)))
    gray = rgb[:strip].mean(axis=2)
    y0, y1 = strip // 4, max(strip // 4 + 1, strip * 3 // 4)
    value = 0
    for x0, x1 in _block_columns(width):
        inset = (x1 - x0) // 4
        level = float(gray[y0:y1, x0 + inset:max(x0 + inset + 1, x1 - inset)].mean())
        if 70 < level < 185:
            raise ValueError(f"code block is ambiguous (mean level {level:.0f})")
        value = (value << 1) | (level >= 128)
    return value


def _block_columns(width: int) -> list[tuple[int, int]]:
    edges = np.linspace(0, width, CODE_BITS + 1).round().astype(int)
    return list(zip(edges[:-1], edges[1:]))


def vfr_pts_ms(frames: int, fps: float) -> list[int]:
    """Irregular presentation times in milliseconds (strictly increasing, starts at 0)."""
    base = 1000.0 / fps
    pts, t = [], 0
    for i in range(frames):
        pts.append(t)
        t += max(1, int(round(base * _VFR_PATTERN[i % len(_VFR_PATTERN)])))
    return pts


def write_numbered_video(
    path: str | Path,
    *,
    codec: str = "libx264",
    frames: int = 96,
    size: tuple[int, int] = (320, 240),
    fps: int = 25,
    gop: int = 24,
    bframes: int = 2,
    vfr: bool = False,
    pix_fmt: str = "yuv420p",
    faststart: bool = False,
    codec_tag: str | None = None,
    open_gop: bool = False,
) -> Path:
    """Encode ``frames`` numbered frames into ``path``; the suffix picks the container.

    ``vfr`` gives irregular frame durations (see :func:`vfr_pts_ms`); the timestamps are
    then in a 1/1000 s time base. ``bframes`` is ignored by codecs without B-frames.
    ``open_gop`` (libx264 only) lets B-frames before a keyframe reference the previous
    GOP, so a decoder starting at that keyframe cannot show them.
    """
    path = Path(path)
    fmt = _CONTAINER_FOR_SUFFIX.get(path.suffix.lower())
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", format=fmt, options=options) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = pix_fmt
        ctx = stream.codec_context
        ctx.gop_size = gop
        if codec_tag:
            ctx.codec_tag = codec_tag
        if codec == "libx264":
            params = f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}"
            if open_gop:
                params += ":open-gop=1:b-pyramid=normal"
            stream.options = {"x264-params": params, "crf": "18", "preset": "veryfast"}
        elif codec in ("mpeg4", "mpeg2video"):
            ctx.max_b_frames = bframes
            ctx.qmax = 6
        elif codec == "libvpx-vp9":
            stream.options = {"crf": "20", "b": "0", "deadline": "realtime", "cpu-used": "8",
                              "g": str(gop)}
        if vfr:
            stream.time_base = Fraction(1, 1000)
            ctx.time_base = Fraction(1, 1000)
            pts = vfr_pts_ms(frames, fps)
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(draw_numbered_frame(i, size), format="rgb24")
            if vfr:
                frame.pts = pts[i]
                frame.time_base = Fraction(1, 1000)
            else:
                frame.pts = i
                frame.time_base = Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def has_encoder(name: str) -> bool:
    """True when the PyAV build can encode with ``name`` (e.g. ``libvpx-vp9``)."""
    try:
        return av.codec.Codec(name, "w") is not None
    except Exception:
        return False


# --- files that must be refused --------------------------------------------------------


def write_damaged_frames_video(path: str | Path, damaged: tuple[int, ...], frames: int = 40) -> Path:
    """An MJPEG video (every frame a keyframe) whose ``damaged`` frames have their packets
    overwritten with zeros: the decoder rejects those frames and decodes all the others."""
    path = write_numbered_video(path, codec="mjpeg", frames=frames, gop=1, pix_fmt="yuvj420p")
    with av.open(str(path)) as container:
        packets = [(p.pos, p.size) for p in container.demux(container.streams.video[0]) if p.size]
    data = bytearray(path.read_bytes())
    for frame in damaged:
        pos, size = packets[frame]
        data[pos:pos + size] = bytes(size)
    path.write_bytes(bytes(data))
    return path


def write_zero_byte(path: str | Path) -> Path:
    path = Path(path)
    path.write_bytes(b"")
    return path


def write_text_file(path: str | Path) -> Path:
    """A plain text file that merely carries a video suffix."""
    path = Path(path)
    path.write_text("These are my training notes, not a video.\n" * 40)
    return path


def write_truncated_copy(src: str | Path, path: str | Path, keep: float = 0.5) -> Path:
    """Copy the first ``keep`` fraction of ``src``: an interrupted download or copy."""
    data = Path(src).read_bytes()
    path = Path(path)
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def write_audio_only(path: str | Path, seconds: float = 1.0) -> Path:
    """An AAC-in-MP4 file with sound but no picture."""
    path = Path(path)
    rate = 44100
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=rate)
        stream.layout = "mono"
        samples = np.sin(np.arange(int(rate * seconds)) / 20.0).astype(np.float32)
        step = 1024
        for start in range(0, len(samples), step):
            chunk = samples[start:start + step][None, :]
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp",
                                               layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def write_unknown_codec_avi(path: str | Path, frames: int = 8) -> Path:
    """An MPEG-4 AVI whose FourCC is patched to one no decoder knows ("QQQQ")."""
    path = Path(path)
    write_numbered_video(path, codec="mpeg4", frames=frames, size=(160, 120), bframes=0)
    data = bytearray(path.read_bytes())
    strh = data.find(b"strh")
    # strh payload: fccType ("vids") then fccHandler; strf holds BITMAPINFOHEADER whose
    # biCompression sits 16 bytes into the payload. ffmpeg looks at both.
    data[strh + 12:strh + 16] = b"QQQQ"
    strf = data.find(b"strf", strh)
    data[strf + 8 + 16:strf + 8 + 20] = b"QQQQ"
    path.write_bytes(bytes(data))
    return path


def write_y4m_header_only(path: str | Path, width: int, height: int) -> Path:
    """A raw YUV4MPEG2 file claiming ``width`` x ``height`` with one (short) frame.

    Lets a test present absurd dimensions without writing gigabytes of pixels.
    """
    path = Path(path)
    header = f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + bytes(64))
    return path
