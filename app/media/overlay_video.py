"""``plumb render``: a clip as H.264 with the athlete's skeleton, box, stage bar and frame
number burnt in, optionally with the faces blurred, for sharing outside Plumb.

Frames are decoded in order through :class:`~app.media.frame_source.FrameSource` and
encoded with PyAV into a temporary file beside the output, which replaces the output only
once the last frame is written: a failed or cancelled render leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import cv2
import numpy as np

from app.errors import PlumbError
from app.media.frame_source import FrameSource
from app.sports_templates import SportTemplateError, load_sport
from app.store import queries
from inference.skeletons import canonical_name, get_skeleton

BONE_COLOR = (255, 200, 40)
JOINT_COLOR = (232, 131, 58)
BOX_COLOR = (80, 220, 120)
STAGE_BAR_HEIGHT = 14
FACE_JOINTS = ("nose", "left_eye", "right_eye", "left_ear", "right_ear")


class RenderError(PlumbError):
    """The video cannot be rendered or written; nothing was written."""


class Cancelled(RenderError):
    pass


def draw_pose(rgb: np.ndarray, pose: np.ndarray | None, schema: str | None, *,
              color: tuple[int, int, int] | None = None, copy: bool = True) -> np.ndarray:
    """``rgb`` (a copy unless ``copy`` is False) with the skeleton of ``pose`` (J, 2|3) in pixels
    drawn on it, bones and joints in their colours or all in ``color``."""
    out = np.array(rgb, copy=True) if copy else rgb
    if pose is None or schema is None:
        return out
    thickness = max(2, out.shape[0] // 240)
    for a, b in get_skeleton(schema).bones:
        if np.isfinite(pose[[a, b], :2]).all():
            cv2.line(out, tuple(int(v) for v in pose[a, :2]), tuple(int(v) for v in pose[b, :2]),
                     color or BONE_COLOR, thickness, cv2.LINE_AA)
    for x, y in pose[:, :2]:
        if np.isfinite(x) and np.isfinite(y):
            cv2.circle(out, (int(x), int(y)), thickness + 2, color or JOINT_COLOR, -1, cv2.LINE_AA)
    return out


def face_circle(pose: np.ndarray, schema: str) -> tuple[int, int, int] | None:
    """Centre and radius in pixels of the head, from the head joints the skeleton has: the
    head top and neck (MPII), else the nose, eyes and ears (COCO, MediaPipe)."""
    names = [canonical_name(n) for n in get_skeleton(schema).joint_names]
    at = {name: pose[i, :2] for i, name in enumerate(names) if np.isfinite(pose[i, :2]).all()}
    if "head_top" in at and "upper_neck" in at:
        centre = (at["head_top"] + at["upper_neck"]) / 2
        radius = float(np.linalg.norm(at["head_top"] - at["upper_neck"]))  # the whole head, with margin
    else:
        face = [at[n] for n in FACE_JOINTS if n in at]
        if not face:
            return None
        points = np.array(face)
        centre = points.mean(0)
        radius = max(1.6 * float(np.linalg.norm(points - centre, axis=1).max()), 12.0)
    return int(centre[0]), int(centre[1]), max(int(radius), 6)


def blur_face(rgb: np.ndarray, circle: tuple[int, int, int]) -> None:
    """Blur the disc ``circle`` of ``rgb`` in place, beyond recognition."""
    x, y, r = circle
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = max(x - r, 0), max(y - r, 0), min(x + r + 1, w), min(y + r + 1, h)
    if x1 <= x0 or y1 <= y0:
        return
    patch = rgb[y0:y1, x0:x1]
    small = cv2.resize(patch, (max(1, patch.shape[1] // 8), max(1, patch.shape[0] // 8)), interpolation=cv2.INTER_AREA)
    blurred = cv2.GaussianBlur(cv2.resize(small, (patch.shape[1], patch.shape[0])), (0, 0), max(2.0, r / 4))
    mask = np.zeros(patch.shape[:2], np.uint8)
    cv2.circle(mask, (x - x0, y - y0), r, 255, -1)
    patch[mask > 0] = blurred[mask > 0]


def draw_stage_bar(rgb: np.ndarray, frame: int, frame_count: int, transitions, colors) -> None:
    """The clip's stages as coloured segments along the bottom, the current frame marked."""
    h, w = rgb.shape[:2]
    top = h - STAGE_BAR_HEIGHT
    edges = [0, *transitions, frame_count]
    for k in range(len(edges) - 1):
        left, right = round(w * edges[k] / frame_count), round(w * edges[k + 1] / frame_count)
        color = tuple(int(colors[k][i:i + 2], 16) for i in (1, 3, 5))
        rgb[top:, left:right] = color
    x = round(w * (frame + 0.5) / frame_count)
    cv2.rectangle(rgb, (x - 2, top - 4), (x + 2, h - 1), (255, 255, 255), -1)


def draw_label(rgb: np.ndarray, text: str) -> None:
    scale = max(0.5, rgb.shape[0] / 900)
    thickness = max(1, round(2 * scale))
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    cv2.rectangle(rgb, (6, 6), (14 + tw, 14 + th + 4), (0, 0, 0), -1)
    cv2.putText(rgb, text, (10, 10 + th), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness, cv2.LINE_AA)


def check_output(out: str | Path) -> Path:
    """``out`` as a Path when it can be rendered to; RenderError says why not."""
    out = Path(out)
    if out.suffix.lower() != ".mp4":
        raise RenderError(f"{out.name}: render to an .mp4 file")
    if out.parent.exists() and not out.parent.is_dir():
        raise RenderError(f"{out.parent}: is a file; choose a folder for the video")
    if out.is_dir():
        raise RenderError(f"{out}: is a folder; name an .mp4 file to write")
    return out


def write_h264(out: Path, fps: float, frames: Iterator[np.ndarray], total: int, *,
               progress: Callable[[int, int], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> Path:
    """Encode the RGB ``frames`` (all one size) as H.264 MP4 into a temporary file beside
    ``out`` that replaces ``out`` after the last frame; nothing is left on failure or cancel."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=".mp4")
    except OSError as exc:
        raise RenderError(f"{out}: cannot be written there ({exc.strerror or exc}); choose another folder") from None
    os.close(fd)
    try:
        with av.open(temp, "w", format="mp4") as container:
            stream = None
            for n, rgb in enumerate(frames):
                if cancelled is not None and cancelled():
                    raise Cancelled("cancelled; nothing was written")
                if stream is None:
                    stream = container.add_stream("libx264", rate=round(fps) or 30)
                    stream.width, stream.height = (rgb.shape[1] // 2) * 2, (rgb.shape[0] // 2) * 2
                    stream.pix_fmt = "yuv420p"
                    stream.options = {"preset": "veryfast", "crf": "20"}
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[:stream.height, :stream.width]),
                                                   format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
                if progress is not None:
                    progress(n + 1, total)
            if stream is not None:
                for packet in stream.encode(None):
                    container.mux(packet)
        os.replace(temp, out)
    except (OSError, av.FFmpegError) as exc:
        raise RenderError(f"{out}: cannot be written ({exc}); nothing was written") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    return out


def frame_range(clip, first: int | None, last: int | None) -> tuple[int, int]:
    first = 0 if first is None else first
    last = clip.frame_count - 1 if last is None else last
    if not 0 <= first <= last < clip.frame_count:
        raise RenderError(f"frames {first}..{last} are not inside the clip's 0..{clip.frame_count - 1}")
    return first, last


def stage_bar(project, clip) -> tuple[tuple[int, ...], tuple[str, ...]] | None:
    """The clip's stage transitions and their colours, None when there is no bar to draw."""
    with project.store.reading() as session:
        stages = queries.stage_boundaries(session, clip.id, "expert") or \
            queries.stage_boundaries(session, clip.id, "model")
    try:
        colors = load_sport(clip.sport).colors
    except SportTemplateError:
        colors = ()
    if stages is None or len(colors) != len(stages.transitions) + 1:
        return None
    return tuple(stages.transitions), tuple(colors)


def render_overlay(project, clip_id: int, out: str | Path, *, first: int | None = None, last: int | None = None,
                   blur_faces: bool = False, progress: Callable[[int, int], None] | None = None,
                   cancelled: Callable[[], bool] | None = None) -> Path:
    """Write frames ``first..last`` (default: the whole clip) of ``clip_id`` with the overlay
    as H.264 MP4 to ``out``; returns the path. Raises RenderError (nothing written)."""
    out = check_output(out)
    clip = project.clip(clip_id)
    first, last = frame_range(clip, first, last)
    with project.store.reading() as session:
        track = queries.pose_track(session, clip_id)
    if track.schema is None:
        raise RenderError(f"clip {clip_id} ({clip.name}) has no poses to draw; annotate it first (plumb pose "
                          f"PROJECT --clip {clip_id}, or Auto-annotate in the window); nothing was written")
    poses = dict(zip(track.frames.tolist(), track.keypoints))
    boxes = dict(zip(track.frames.tolist(), track.bbox))
    bar = stage_bar(project, clip)
    source = FrameSource(project.video_path(clip))  # MediaError says why a video will not open

    def frames() -> Iterator[np.ndarray]:
        for index in range(first, last + 1):
            pose = poses.get(index)
            rgb = np.array(source.frame(index), copy=True)
            if blur_faces and pose is not None and track.schema:
                circle = face_circle(pose, track.schema)
                if circle is not None:
                    blur_face(rgb, circle)
            draw_pose(rgb, pose, track.schema, copy=False)
            box = boxes.get(index)
            if box is not None and np.isfinite(box).all():
                cv2.rectangle(rgb, (int(box[0]), int(box[1])), (int(box[2]), int(box[3])), BOX_COLOR, 2)
            if bar is not None:
                draw_stage_bar(rgb, index, clip.frame_count, *bar)
            draw_label(rgb, f"{clip.name}  frame {index}")
            yield rgb

    with source:
        return write_h264(out, clip.fps, frames(), last - first + 1, progress=progress, cancelled=cancelled)
