"""``plumb render --side-by-side``: the clip beside its exemplar as one H.264 video.

Every frame of the clip is shown beside the exemplar's corresponding frame (stage by stage,
:class:`app.exemplar_pair.ExemplarPair`), each with its skeleton; the clip's side also carries
the exemplar's skeleton normalised onto the athlete (hip centre, torso length) in the
exemplar's colour, and the clip's stage bar. The exemplar is scaled to the clip's height.
Both videos are read in order; the exemplar's frames repeat or skip as the stages stretch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

from app.exemplar_pair import ExemplarPair
from app.media.frame_source import FrameSource
from app.media.overlay_video import (RenderError, check_output, draw_label, draw_pose, draw_stage_bar, frame_range,
                                     stage_bar, write_h264)

EXEMPLAR_COLOR = (74, 144, 217)


def compose(pair: ExemplarPair, frame: int, exemplar_frame: int, rgb: np.ndarray, other: np.ndarray, *,
            overlay: bool = True, bar: tuple | None = None) -> np.ndarray:
    """One output frame: ``rgb`` (the clip's ``frame``) with its skeleton, the stage ``bar``
    (transitions, colours) and, with ``overlay``, the exemplar's skeleton normalised onto it,
    beside ``other`` (the exemplar's ``exemplar_frame``) scaled to the same height with its
    skeleton."""
    height, width = rgb.shape[:2]
    scale = height / other.shape[0]
    other_width = max(2, int(round(other.shape[1] * scale)))
    canvas = np.empty((height, width + other_width, 3), np.uint8)
    left, right = canvas[:, :width], canvas[:, width:]
    left[:] = rgb
    right[:] = other if other_width == other.shape[1] and scale == 1 else \
        cv2.resize(other, (other_width, height), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    if overlay:
        draw_pose(left, pair.overlay(frame, exemplar_frame), pair.schema, color=EXEMPLAR_COLOR, copy=False)
    draw_pose(left, pair.pose(frame), pair.schema, copy=False)
    theirs = pair.exemplar_pose(exemplar_frame)
    if theirs is not None:
        theirs = theirs.copy()
        theirs[:, :2] *= scale
    draw_pose(right, theirs, pair.schema, copy=False)
    if bar is not None:
        draw_stage_bar(left, frame, pair.clip.frame_count, *bar)
    draw_label(left, f"{pair.clip.name}  frame {frame}")
    draw_label(right, f"{pair.exemplar.name} (exemplar)  frame {exemplar_frame}")
    return canvas


def render_side_by_side(project, clip_id: int, exemplar_id: int, out: str | Path, *, first: int | None = None,
                        last: int | None = None, overlay: bool = True,
                        progress: Callable[[int, int], None] | None = None,
                        cancelled: Callable[[], bool] | None = None) -> Path:
    """Write frames ``first..last`` of ``clip_id`` beside ``exemplar_id`` as H.264 MP4 to ``out``;
    returns the path. Raises RenderError, MediaError (nothing written)."""
    out = check_output(out)
    if clip_id == exemplar_id:
        raise RenderError(f"clip {clip_id} cannot be its own exemplar; choose another with --with ID")
    pair = ExemplarPair.load(project, clip_id, exemplar_id)
    for clip in (pair.clip, pair.exemplar):
        if clip.path is None:
            raise RenderError(f"{clip.name} has no video; attach it with plumb relink to render it side by side")
    first, last = frame_range(pair.clip, first, last)
    bar = stage_bar(project, pair.clip)
    source = FrameSource(project.video_path(pair.clip))  # MediaError says why a video will not open
    with source, FrameSource(project.video_path(pair.exemplar)) as exemplar_source:
        def frames() -> Iterator[np.ndarray]:
            for index in range(first, last + 1):
                theirs = pair.exemplar_frame(index)
                yield compose(pair, index, theirs, source.frame(index), exemplar_source.frame(theirs),
                              overlay=overlay, bar=bar)

        return write_h264(out, pair.clip.fps, frames(), last - first + 1, progress=progress, cancelled=cancelled)
