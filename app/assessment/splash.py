"""Splash of a dive's entry, read from its video (METHODS.md §5).

The white-water share of the water region is integrated over the entry frames (see
:func:`inference.assess.visual_cues.splash_area`); the frame before the entry is the calm
water. A clip without an attached, readable video has no splash measure. The water line is
not labelled in a project, so the region is the lower third of the frame, narrowed to the
athlete's last known box when the poses have boxes.
"""

from __future__ import annotations

import numpy as np
from app.media.errors import MediaError
from app.media.frame_source import FrameSource
from app.store.queries import pose_track
from inference.assess.visual_cues import splash_area

ENTRY_SECONDS = 1.0  # splash rises and falls within about a second of the hands hitting the water


def athlete_boxes(project, clip_id: int, first: int, count: int) -> np.ndarray | None:
    """``(count, 4)`` athlete boxes from frame ``first`` on (NaN where none), or None."""
    with project.store.reading() as session:
        track = pose_track(session, clip_id)
    boxes = np.full((count, 4), np.nan, np.float32)
    inside = (track.frames >= first) & (track.frames < first + count)
    boxes[track.frames[inside] - first] = track.bbox[inside]
    return boxes if np.isfinite(boxes).all(axis=1).any() else None


def entry_splash(project, clip_id: int, entry_frame: int) -> float | None:
    """Time-integrated white-water share over the entry, or None without a usable video."""
    clip = project.clip(clip_id)
    if clip.path is None or project.media_problem(clip) is not None or entry_frame < 1:
        return None
    end = min(clip.frame_count, entry_frame + max(2, round(ENTRY_SECONDS * clip.fps)))
    if end - entry_frame < 2:
        return None
    first = entry_frame - 1
    try:
        with FrameSource(project.video_path(clip)) as source:
            frames = [source.frame(i) for i in range(first, end)]
    except (MediaError, OSError):
        return None
    boxes = athlete_boxes(project, clip_id, first, len(frames))
    return float(splash_area(frames, None, (1, len(frames)), boxes=boxes).total)
