"""A real project (SQLite file, decoded video) with hand-corrected MPII-16 frames, the input
of pose fine-tuning: a figure drawn on each frame of the video (limbs, trunk and head over a
plain floor) and its joints, as an annotator would place them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import av
import cv2
import numpy as np

from app.cli import main
from app.project import Project
from app.store.models import WORKING_LAYER
from app.store.pose_rows import upsert
from inference.provenance import JointSource

J = 16
SIZE = (320, 240)
BONES = ((0, 1), (1, 2), (2, 6), (3, 6), (3, 4), (4, 5), (6, 7), (7, 8), (8, 9), (10, 11), (11, 12),
         (12, 7), (13, 7), (13, 14), (14, 15))


def stick_figure(frame: int) -> np.ndarray:
    """MPII-16 joints of an upright figure about 160 px tall in a 320 x 240 frame."""
    x = 160.0 + 2 * np.sin(frame / 5)
    ys = {0: 220, 1: 185, 2: 150, 3: 150, 4: 185, 5: 220, 6: 150, 7: 95, 8: 80, 9: 60,
          10: 150, 11: 120, 12: 95, 13: 95, 14: 120, 15: 150}
    dx = {0: -15, 1: -15, 2: -12, 3: 12, 4: 15, 5: 15, 6: 0, 7: 0, 8: 0, 9: 0,
          10: -35, 11: -30, 12: -20, 13: 20, 14: 30, 15: 35}
    kp = np.zeros((J, 3), np.float32)
    for j in range(J):
        kp[j] = (x + dx[j], ys[j], 1.0)
    return kp


def figure_frame(frame: int) -> np.ndarray:
    """RGB frame with the figure of stick_figure(frame) drawn on it."""
    image = np.full((SIZE[1], SIZE[0], 3), (150, 170, 150), np.uint8)
    image[200:] = (120, 110, 100)
    kp = stick_figure(frame)[:, :2].round().astype(int)
    for a, b in BONES:
        cv2.line(image, tuple(kp[a]), tuple(kp[b]), (200, 60, 40) if a < 6 else (40, 60, 200), 7, cv2.LINE_AA)
    cv2.circle(image, tuple(((kp[8] + kp[9]) // 2)), 11, (230, 190, 160), -1, cv2.LINE_AA)
    return image


def dressed_figure_frame(frame: int) -> np.ndarray:
    """RGB frame with the figure of stick_figure(frame) drawn as a person: skin-coloured arms
    and face (eyes, mouth, hair), a shirt, trousers. Unlike figure_frame's stick lines, the
    person detector and both landmark networks take it for a body, so auto-annotation finds it."""
    image = np.full((SIZE[1], SIZE[0], 3), (150, 170, 150), np.uint8)
    image[200:] = (120, 110, 100)
    kp = stick_figure(frame)[:, :2].round().astype(int)
    skin, shirt, trousers = (225, 180, 150), (40, 70, 160), (50, 50, 60)
    cv2.fillConvexPoly(image, np.array([kp[13] + (4, -2), kp[12] + (-4, -2), kp[2] + (-2, 0), kp[3] + (2, 0)]),
                       shirt, cv2.LINE_AA)
    for a, b in ((0, 1), (1, 2), (3, 4), (4, 5)):
        cv2.line(image, tuple(kp[a]), tuple(kp[b]), trousers, 13, cv2.LINE_AA)
    for a, b in ((10, 11), (11, 12), (13, 14), (14, 15), (7, 8)):
        cv2.line(image, tuple(kp[a]), tuple(kp[b]), skin, 9, cv2.LINE_AA)
    hx, hy = (kp[8] + kp[9]) // 2
    cv2.ellipse(image, (hx, hy), (10, 13), 0, 0, 360, skin, -1, cv2.LINE_AA)
    cv2.ellipse(image, (hx, hy - 6), (10, 7), 0, 180, 360, (60, 40, 30), -1, cv2.LINE_AA)
    for dx in (-4, 4):
        cv2.circle(image, (hx + dx, hy), 1, (30, 30, 30), -1)
    cv2.line(image, (hx - 3, hy + 6), (hx + 3, hy + 6), (150, 60, 60), 1)
    return image


def write_figure_video(path: Path, frames: int, draw: Callable[[int], np.ndarray] = figure_frame) -> Path:
    """An H.264 video of `frames` frames, frame f drawn by draw(f)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        for f in range(frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(draw(f), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def new_project(tmp_path: Path, frames: int = 60) -> Path:
    video = write_figure_video(tmp_path / "clip.mp4", frames)
    root = tmp_path / "p"
    assert main(["new", str(root)]) == 0
    assert main(["add", str(root), str(video)]) == 0
    return root


def correct(root: Path, frames: Iterable[int], manual_joints: int = J) -> None:
    """Write stick-figure poses on `frames` of clip 1, the first `manual_joints` placed by hand."""
    with Project.open(root) as project, project.store.transaction() as tx:
        rows: dict = {}
        for f in frames:
            source = np.full(J, JointSource.MODEL, np.uint8)
            source[:manual_joints] = JointSource.MANUAL
            upsert(tx.session, rows, clip_id=1, layer=WORKING_LAYER, frame=int(f), schema="mpii16",
                   keypoints=stick_figure(int(f)), visibility=np.full(J, 2, np.uint8), source=source,
                   bbox=(100.0, 40.0, 220.0, 230.0))
