"""A generated dive drawn as a mannequin on a board over a pool, as a video whose frames match
its poses (for screenshots and window tests; no third-party footage)."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np

from inference.assess.synthetic import WATER_Y
from inference.skeletons import get_skeleton

SIZE = (960, 720)  # width, height: the generated dives span x 340-580, y 40-620


def write_dive_video(path: str | Path, keypoints: np.ndarray, schema: str = "mpii16", fps: int = 30) -> Path:
    """``keypoints`` (T, J, 3) in pixels of a SIZE frame; one H.264 frame per pose."""
    path = Path(path)
    width, height = SIZE
    bones = get_skeleton(schema).bones
    background = np.zeros((height, width, 3), np.uint8)
    background[:] = (205, 225, 240)
    background[int(WATER_Y):] = (40, 110, 170)
    cv2.rectangle(background, (250, 175), (380, 185), (120, 110, 100), -1)  # the board

    def frames():
        for pose in keypoints:
            rgb = background.copy()
            _draw_mannequin(rgb, pose, bones, (70, 60, 55), 9)
            head = pose[9, :2]
            if np.isfinite(head).all():
                cv2.circle(rgb, tuple(int(v) for v in head), 12, (70, 60, 55), -1, cv2.LINE_AA)
            yield rgb

    return _encode(path, frames(), SIZE, fps, {"g": "15", "preset": "veryfast"})


def _draw_mannequin(rgb: np.ndarray, pose: np.ndarray, bones, colour, thickness: int) -> None:
    for a, b in bones:
        if np.isfinite(pose[[a, b], :2]).all():
            cv2.line(rgb, tuple(int(v) for v in pose[a, :2]), tuple(int(v) for v in pose[b, :2]),
                     colour, thickness, cv2.LINE_AA)


def _encode(path: Path, frames, size: tuple[int, int], fps: int, options: dict) -> Path:
    """The RGB ``frames`` as an H.264 MP4 of ``size`` (width, height)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.options = options
        for rgb in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def write_panning_dive_video(path: str | Path, keypoints: np.ndarray, camera: np.ndarray,
                             size: tuple[int, int] = (1280, 720), fps: int = 30) -> Path:
    """A dive filmed by a camera that pans with the diver: a textured scene (so the camera's
    motion can be measured) cropped where ``camera`` (``(T, 2, 3)`` background motions from
    the previous frame) says, with the mannequin drawn at ``keypoints`` (already in the
    panning frame's pixels)."""
    path = Path(path)
    width, height = size
    shift = -np.cumsum(camera[:, :, 2], axis=0)  # where the view's corner is in the scene
    margin = int(np.ceil(np.abs(shift).max())) + 8
    rng = np.random.default_rng(0)
    cells = rng.integers(60, 230, ((height + 2 * margin) // 16 + 1, (width + 2 * margin) // 16 + 1, 3), np.uint8)
    scene = cv2.resize(cells, None, fx=16, fy=16, interpolation=cv2.INTER_NEAREST)
    bones = get_skeleton("mpii16").bones
    def frames():
        for pose, (dx, dy) in zip(keypoints, shift):
            x0, y0 = margin + int(round(dx)), margin + int(round(dy))
            rgb = np.ascontiguousarray(scene[y0:y0 + height, x0:x0 + width])
            _draw_mannequin(rgb, pose, bones, (20, 20, 20), 7)
            yield rgb

    return _encode(path, frames(), size, fps, {"g": "15", "preset": "veryfast", "crf": "18"})
