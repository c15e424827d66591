"""The action recognised in a clip, and whether it agrees with the label typed for it.

Two recognisers answer (METHODS.md §6): for diving, the dive number read from the body's
motion (:mod:`inference.action.dive_reading`), which needs no training; for any sport, the
project's trained action classifier when there is one. ``plumb analyze`` stores what they
said with the clip's assessment; the label panel shows it beside the typed label and
``plumb check`` reports confident disagreements (:mod:`app.action_labels`).

The camera's motion is measured on the clip's video when it is attached and readable (pans
and roll removed): over the whole clip when the stages come from the motion rules, which read
heights in the scene, else over the end of the take-off and the flight. Without a video the
reading uses the image as it is, and says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.assessment.splash import athlete_boxes
from app.media.errors import MediaError
from app.media.frame_source import FrameSource
from inference.action.camera_path import background_motion
from inference.action.dive_reading import TAKE_OFF_WINDOW_S, DiveReading, read_dive
from inference.assess.sample import ClipSample


def clip_camera(project, clip, frames: int, first: int = 0,
                last: int | None = None) -> tuple[np.ndarray | None, str]:
    """The background's motion per frame over frames ``first..last-1`` (the whole clip by
    default; identity elsewhere), measured on the video, for a pose track of ``frames``
    frames; and a note saying whether it could be."""
    if clip.path is None or project.media_problem(clip) is not None:
        return None, "camera motion not measured: the clip has no readable video"
    if frames != clip.frame_count:
        return None, "camera motion not used: the poses and the video differ in length"
    last = clip.frame_count if last is None else min(clip.frame_count, last)
    try:
        with FrameSource(project.video_path(clip)) as source:
            images = [source.frame(i) for i in range(first, last)]
    except (MediaError, OSError) as exc:
        return None, f"camera motion not measured: {exc}"
    boxes = athlete_boxes(project, clip.id, first, len(images))
    listed = [None] * len(images) if boxes is None else \
        [tuple(float(v) for v in b) if np.isfinite(b).all() else None for b in boxes]
    motion = np.tile(np.eye(2, 3), (clip.frame_count, 1, 1))
    motion[first:last] = background_motion(images, listed)
    motion[first] = np.eye(2, 3)  # the window's first frame has no previous one here
    return motion, "camera motion measured on the video"


def read_clip_dive(project, clip, sample: ClipSample, transitions: tuple[int, int], *,
                   camera: tuple[np.ndarray | None, str] | None = None,
                   with_video: bool = True) -> tuple[DiveReading, str]:
    """The dive number read from the clip's poses, and how the camera was handled.

    ``camera``: the clip's camera motion and its note when already measured (``clip_camera``);
    otherwise it is measured over the end of the take-off and the flight (``with_video``)."""
    if camera is not None:
        motion, note = camera
    elif with_video:
        take_off, flight_end = transitions
        first = max(0, take_off - max(3, round(TAKE_OFF_WINDOW_S * clip.fps)))
        motion, note = clip_camera(project, clip, sample.num_frames, first, flight_end + 3)
    else:
        motion, note = None, "camera motion not measured"
    return read_dive(sample.keypoints, sample.schema, transitions, fps=sample.fps, camera=motion), note


def recognised_action(dive: DiveReading | None, camera_note: str | None,
                      classifier: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the recognisers said, as stored with an assessment: the answer to show (the dive
    number when it was read, else the classifier's), and each recogniser's own answer."""
    if dive is None and classifier is None:
        return None
    chosen: dict[str, Any]
    if dive is not None and (dive.code is not None or classifier is None or classifier.get("label") is None):
        chosen = {"label": dive.code, "guess": dive.guess, "confidence": dive.confidence, "source": "dive reading",
                  "description": dive.description if dive.guess else None, "unsure": dive.unsure}
    else:
        chosen = {"label": classifier.get("label"), "guess": classifier.get("label"),
                  "confidence": classifier.get("confidence", 0.0), "source": "classifier",
                  "description": classifier.get("label"), "unsure": classifier.get("unsure")}
    return chosen | {"dive": None if dive is None else dive.to_json() | {"camera": camera_note},
                     "classifier": classifier}
