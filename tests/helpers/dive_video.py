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
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"g": "15", "preset": "veryfast"}
        for pose in keypoints:
            rgb = background.copy()
            for a, b in bones:
                if np.isfinite(pose[[a, b], :2]).all():
                    cv2.line(rgb, tuple(int(v) for v in pose[a, :2]), tuple(int(v) for v in pose[b, :2]),
                             (70, 60, 55), 9, cv2.LINE_AA)
            head = pose[9, :2]
            if np.isfinite(head).all():
                cv2.circle(rgb, tuple(int(v) for v in head), 12, (70, 60, 55), -1, cv2.LINE_AA)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path
