"""BlazePose's landmark network run directly, on crops turned so the body is upright.

MediaPipe's own graphs run the landmark network on a region of interest turned by the angle of
the body (from its person detector on the first frame, from the previous frame's landmarks
after that). The detector only finds upright people, so a tucked, piked or inverted diver is
lost. Here the network (``pose_landmark_full.tflite`` from the installed wheel, rebuilt in torch
by :mod:`inference.pose.tflite_graph`) is fed regions that this module chooses:

* with a previous pose: the region its hip centre and body axis imply (MediaPipe's tracking
  rule: centre at the hips, side 2.5 times the hip-to-axis-point distance, turned upright);
* without one, or when that fails: the person's box tried at several turns, the most
  confident kept, then re-centred and turned by its own body axis once more.

Landmarks: the network gives 39 points in the 256 x 256 crop: the 33 MediaPipe landmarks, then
the hip centre (33) and a point on the body axis whose distance from it is the body's radius
(34). Each point has x, y, z, a visibility and a presence logit; a joint's confidence is
sigmoid(visibility) x sigmoid(presence). The network also says how sure it is that a person
fills the crop (the pose flag, a probability), and gives a 64 x 64 heatmap per point.

Where a landmark is: the peak of its heatmap, not the regressed point. MediaPipe uses the
heatmap only to refine the regressed point within a few cells; but the regression, one dense
layer over the whole crop, leans towards the poses it saw most, while a heatmap marks the
joint where the image shows it. On LSPET's extreme poses (the labels' region, 300 images) the
peaks reach PCKh@0.5 0.627 against 0.601 for MediaPipe's refined regression. The alignment
points (hip centre, axis point) keep MediaPipe's rule, regressed and then refined: the next
region is built from them, and a region that jumps loses the body.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from inference.pose.tflite_graph import TFLiteGraph
from inference.skeletons import MEDIAPIPE33

INPUT_SIZE = 256
N_LANDMARKS = 33
N_OUTPUT_POINTS = 39
HIP_CENTRE, AXIS_POINT = 33, 34
# MediaPipe's tracking rule (pose_landmarks_to_roi): region side = 2 x axis length x 1.25.
ROI_SCALE = 2.0 * 1.25
# The network's flag output and the landmark tensor in pose_landmark_full.tflite.
LANDMARK_OUTPUT, FLAG_OUTPUT, HEATMAP_OUTPUT = "Identity", "Identity_1", "Identity_3"
# MediaPipe's landmark refinement (RefineLandmarksFromHeatmapCalculator): each point moves to the
# sigmoid-weighted centre of a 7 x 7 heatmap window around it when the window's peak is >= 0.5.
# Here the window is centred on the heatmap's peak (heatmap_peaks).
HEATMAP_KERNEL, HEATMAP_MIN_PEAK = 7, 0.5
# Shoulders, elbows, wrists, hips, knees, ankles: a pose's confidence is their mean.
CORE_JOINTS = np.array([11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28])
# Each landmark's left/right counterpart (itself on the midline).
_MIRROR = np.array(MEDIAPIPE33.flip_indices)


@dataclass(frozen=True)
class Region:
    """A square region of an image: centre (pixels), side (pixels), turn (radians).

    ``turn`` is the rotation applied to the image content so that the body axis points up in
    the crop: the crop shows the image rotated by ``turn`` about the centre.
    """

    cx: float
    cy: float
    side: float
    turn: float = 0.0

    def to_crop(self) -> np.ndarray:
        """2x3 affine matrix from image pixels to crop pixels (INPUT_SIZE square)."""
        scale = INPUT_SIZE / self.side
        c, s = math.cos(self.turn) * scale, math.sin(self.turn) * scale
        half = INPUT_SIZE / 2
        return np.array([[c, -s, half - c * self.cx + s * self.cy],
                         [s, c, half - s * self.cx - c * self.cy]], dtype=np.float64)

    def to_image(self, xy: np.ndarray) -> np.ndarray:
        """Crop pixels (..., 2) back to image pixels."""
        scale = self.side / INPUT_SIZE
        c, s = math.cos(self.turn), math.sin(self.turn)
        u = (xy[..., 0] - INPUT_SIZE / 2) * scale
        v = (xy[..., 1] - INPUT_SIZE / 2) * scale
        return np.stack([c * u + s * v + self.cx, -s * u + c * v + self.cy], axis=-1)


def region_of_box(box: tuple[float, float, float, float], turn: float = 0.0, enlarge: float = 1.25) -> Region:
    """The square region around a person box, its side the box's longer side x enlarge."""
    x1, y1, x2, y2 = box
    return Region((x1 + x2) / 2, (y1 + y2) / 2, enlarge * max(x2 - x1, y2 - y1, 1.0), turn)


def region_of_axis(hip: np.ndarray, axis_point: np.ndarray) -> Region | None:
    """MediaPipe's tracking region: centred on the hips, turned so hips -> axis point is up."""
    dx, dy = float(axis_point[0] - hip[0]), float(axis_point[1] - hip[1])
    length = math.hypot(dx, dy)
    if not math.isfinite(length) or length < 1.0:
        return None
    # Rotation that maps the direction (dx, dy) onto straight up (0, -1).
    turn = -math.pi / 2 - math.atan2(dy, dx)
    return Region(float(hip[0]), float(hip[1]), ROI_SCALE * length, _wrap(turn))


def _wrap(angle: float) -> float:
    return (angle + math.pi) % (2 * math.pi) - math.pi


@dataclass(frozen=True)
class Landmarks:
    """The network's answer for one region, in image pixels.

    points: float32 (33, 3) x, y, confidence; hip, axis: the two alignment points (x, y);
    flag: the network's probability that a person fills the region; region: where it looked.
    """

    points: np.ndarray
    hip: np.ndarray
    axis: np.ndarray
    flag: float
    region: Region

    @property
    def score(self) -> float:
        """How far to trust the pose: the flag times the mean confidence of the limb joints."""
        return float(self.flag * np.mean(self.points[CORE_JOINTS, 2]))

    def next_region(self) -> Region | None:
        return region_of_axis(self.hip, self.axis)


def bundled_landmark_model() -> Path:
    """pose_landmark_full.tflite inside the installed mediapipe wheel."""
    from inference.pose.mediapipe_bundle import LANDMARKS_MEMBER, mediapipe_model_files

    return mediapipe_model_files()[LANDMARKS_MEMBER]


class LandmarkNet(torch.nn.Module):
    """The landmark network: (N, 256, 256, 3) RGB in [0, 1] -> raw (N, 39, 5) points and (N,) flags.

    located_by_heatmaps: whether its landmarks are read at their heatmap peaks; true of the
    bundled network and of a fine-tune that trained its heatmaps with its points.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        super().__init__()
        self.graph = TFLiteGraph(path or bundled_landmark_model(),
                                 outputs=(LANDMARK_OUTPUT, FLAG_OUTPUT, HEATMAP_OUTPUT))
        self.located_by_heatmaps = True

    def forward(self, crops: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """-> points (N, 39, 5) in crop pixels, flags (N,), heatmaps (N, 39, 64, 64) logits."""
        out = self.graph(crops)
        points = out[LANDMARK_OUTPUT].reshape(-1, N_OUTPUT_POINTS, 5)
        return points, out[FLAG_OUTPUT].reshape(-1), out[HEATMAP_OUTPUT].permute(0, 3, 1, 2)


def crop(image: np.ndarray, region: Region) -> np.ndarray:
    """The INPUT_SIZE square crop of an RGB uint8 image for region (black outside the image).

    Regions and landmarks use continuous coordinates (a pixel's centre at +0.5, as MediaPipe's
    normalised landmarks times the image size); OpenCV samples at pixel indices, so the matrix
    is shifted by half a pixel on both sides.
    """
    matrix = region.to_crop()
    matrix[:, 2] += matrix[:, :2] @ np.array([0.5, 0.5]) - 0.5
    return cv2.warpAffine(image, matrix, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))


def refine_with_heatmap(points: np.ndarray, heatmaps: np.ndarray) -> np.ndarray:
    """MediaPipe's refinement of the regressed points (N, 2) in crop pixels by the heatmaps
    (N, h, w) logits: the sigmoid-weighted mean cell of a window around each point, kept where
    the window's peak is confident. Cells are indexed as MediaPipe does (no half-cell shift).
    All windows at once: a window's cells outside the heatmap weigh nothing, as if cut off."""
    n, h, w = heatmaps.shape
    out = points.astype(np.float64).copy()
    cols = (points[:, 0] / INPUT_SIZE * w).astype(np.int64)
    rows = (points[:, 1] / INPUT_SIZE * h).astype(np.int64)
    inside = (cols >= 0) & (cols < w) & (rows >= 0) & (rows < h)
    if not inside.any():
        return out
    steps = np.arange(HEATMAP_KERNEL) - HEATMAP_KERNEL // 2
    joints = np.flatnonzero(inside)
    window_rows = rows[joints, None] + steps  # (k, K)
    window_cols = cols[joints, None] + steps
    valid = (((window_rows >= 0) & (window_rows < h))[:, :, None]
             & ((window_cols >= 0) & (window_cols < w))[:, None, :])  # (k, K, K)
    logits = heatmaps[joints[:, None, None], np.clip(window_rows, 0, h - 1)[:, :, None],
                      np.clip(window_cols, 0, w - 1)[:, None, :]].astype(np.float64)
    conf = np.where(valid, _sigmoid(logits), 0.0)
    total = conf.sum(axis=(1, 2))
    keep = (conf.max(axis=(1, 2)) >= HEATMAP_MIN_PEAK) & (total > 0)
    if keep.any():
        weight = conf[keep] / total[keep, None, None]
        out[joints[keep], 0] = (weight * window_cols[keep, None, :]).sum(axis=(1, 2)) / w * INPUT_SIZE
        out[joints[keep], 1] = (weight * window_rows[keep, :, None]).sum(axis=(1, 2)) / h * INPUT_SIZE
    return out


def heatmap_peaks(points: np.ndarray, heatmaps: np.ndarray, mirror: np.ndarray | None = None) -> np.ndarray:
    """Each landmark (N, 2) crop pixels moved to the highest cell of its heatmap, refined by
    MediaPipe's window mean around that cell.

    Two exceptions keep MediaPipe's rule (the regressed point, refined near where it is):
    a landmark regressed outside the crop, since a heatmap only covers the crop; and, given
    `mirror` (each landmark's left/right counterpart), both landmarks of a pair whose peaks
    share one refinement window: the two heatmaps then mark one joint, the other side's
    limb is missing from both, and only the regression still tells the sides apart."""
    n, h, w = heatmaps.shape
    flat = heatmaps.reshape(n, -1).argmax(axis=1)
    cells = np.stack([flat % w, flat // w], axis=1)
    # Cell (row, col) stands for crop pixel (col, row) x cell size, as in the refinement.
    peaks = cells * np.array([INPUT_SIZE / w, INPUT_SIZE / h])
    use_peak = ((points >= 0) & (points < INPUT_SIZE)).all(axis=1)
    if mirror is not None:
        paired = mirror != np.arange(n)
        merged = np.abs(cells - cells[mirror]).max(axis=1) <= HEATMAP_KERNEL // 2
        use_peak &= ~(paired & merged)
    return refine_with_heatmap(np.where(use_peak[:, None], peaks, points), heatmaps)


def decode(points: np.ndarray, flag: float, region: Region, heatmaps: np.ndarray | None = None) -> Landmarks:
    """Raw network output for one crop -> Landmarks in image pixels."""
    xy = points[:, :2].astype(np.float64)
    if heatmaps is not None:
        xy[:N_LANDMARKS] = heatmap_peaks(xy[:N_LANDMARKS], heatmaps[:N_LANDMARKS], _MIRROR)
        xy[N_LANDMARKS:] = refine_with_heatmap(xy[N_LANDMARKS:], heatmaps[N_LANDMARKS:])
    xy = region.to_image(xy)
    conf = _sigmoid(points[:N_LANDMARKS, 3]) * _sigmoid(points[:N_LANDMARKS, 4])
    body = np.concatenate([xy[:N_LANDMARKS], conf[:, None]], axis=1).astype(np.float32)
    return Landmarks(body, xy[HIP_CENTRE], xy[AXIS_POINT], float(flag), region)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60, 60)))


class LandmarkRunner:
    """Runs a LandmarkNet on regions of images, batched, on one device.

    use_heatmaps: place landmarks at their heatmap peaks (:func:`heatmap_peaks`), or keep the
    regressed points; by default, what the network's ``located_by_heatmaps`` says.
    """

    def __init__(self, net: LandmarkNet | None = None, device: str | torch.device = "cpu",
                 use_heatmaps: bool | None = None) -> None:
        self.device = torch.device(device)
        self.net = (net or LandmarkNet()).to(self.device).eval()
        self.use_heatmaps = _located_by_heatmaps(net) if use_heatmaps is None else use_heatmaps

    @classmethod
    def for_inference(cls, net: LandmarkNet | None = None, device: str | torch.device = "cpu",
                      use_heatmaps: bool | None = None) -> LandmarkRunner:
        """A runner for a network that no longer changes: on a CPU it runs through ONNX
        Runtime (:mod:`inference.pose.landmark_onnx`), on a GPU through torch."""
        use_heatmaps = _located_by_heatmaps(net) if use_heatmaps is None else use_heatmaps
        if torch.device(device).type != "cpu":
            return cls(net, device, use_heatmaps)
        from inference.pose.landmark_onnx import OnnxLandmarkNet

        return _OnnxLandmarkRunner(OnnxLandmarkNet(net), use_heatmaps)

    @classmethod
    def for_file(cls, path: str | Path, device: str | torch.device = "cpu") -> LandmarkRunner:
        """A runner for a .tflite landmark network as published (read at its heatmap peaks)."""
        if torch.device(device).type != "cpu":
            return cls(LandmarkNet(path), device)
        from inference.pose.landmark_onnx import OnnxLandmarkNet

        return _OnnxLandmarkRunner(OnnxLandmarkNet(path=str(path)), True)

    def _forward(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        with torch.inference_mode():
            points, flags, heatmaps = self.net(torch.from_numpy(batch).to(self.device))
        heatmaps = heatmaps.float().cpu().numpy() if self.use_heatmaps else None
        return points.float().cpu().numpy(), flags.float().cpu().numpy(), heatmaps

    def run(self, image: np.ndarray, regions: list[Region]) -> list[Landmarks]:
        if not regions:
            return []
        batch = np.stack([crop(image, r) for r in regions]).astype(np.float32) / 255.0
        points, flags, heatmaps = self._forward(batch)
        if heatmaps is None:
            return [decode(p, f, r) for p, f, r in zip(points, flags, regions)]
        return [decode(p, f, r, hm) for p, f, r, hm in zip(points, flags, regions, heatmaps)]


def _located_by_heatmaps(net: LandmarkNet | None) -> bool:
    return net is None or net.located_by_heatmaps


class _OnnxLandmarkRunner(LandmarkRunner):
    """LandmarkRunner whose network pass is an exported ONNX graph (weights fixed when made)."""

    def __init__(self, onnx_net, use_heatmaps: bool) -> None:  # noqa: ANN001 - OnnxLandmarkNet
        self.device = torch.device("cpu")
        self.net = None
        self.onnx_net = onnx_net
        self.use_heatmaps = use_heatmaps

    def _forward(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        return self.onnx_net(batch, heatmaps=self.use_heatmaps)
