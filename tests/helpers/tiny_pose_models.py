"""Tiny, real ONNX top-down pose models whose output is known analytically.

Each model is a fixed (untrained) torch module exported with ``torch.onnx.export`` and run by
onnxruntime exactly like a downloaded RTMPose/HRNet/ViTPose file. The rule they follow:

    joint ``k`` is the centre of the bright blob in colour channel ``k % 3`` (R, G, B) of the
    model's input crop.

So a test draws a red, a green and a blue blob at known pixels of an image, and joints
0, 3, 6, ... must come back on the red one, 1, 4, 7, ... on the green one, 2, 5, 8, ... on the
blue one: this checks the crop, the normalisation, the channel order, the decoding and the
mapping back to image pixels, all for real.

How a model computes it (every constant is fixed, nothing is learnt):

1. undo the mean/std normalisation the backend applied, to recover pixel values / 255;
2. a 1x1 convolution copies channel ``k % 3`` into joint map ``k`` -> ``(N, K, H, W)``,
   less half a grey level, negatives cut to 0 (so black is exactly 0);
3. heatmap models: ``Gy @ map @ Gx^T`` with Gaussian matrices whose row ``u`` is centred on
   input pixel ``u * r`` (``r = W / w`` as in mmpose's MSRA heatmaps, or ``(W - 1) / (w - 1)``
   with ``udp=True``), so heatmap cell ``u`` answers for input pixel ``u * r``;
   SimCC models: the map's column sums (x) and row sums (y) times a Gaussian matrix whose row
   ``b`` is centred on input pixel ``b / split_ratio``;
4. divided by the map's total brightness, so the peak value is about
   ``sigma**2 / (sigma**2 + blob_sigma**2)`` (heatmaps) whatever the blob's brightness, and
   exactly 0 for a channel with nothing in it (a joint "not found").
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

MMPOSE_MEAN = (123.675, 116.28, 103.53)
MMPOSE_STD = (58.395, 57.12, 57.375)
OPSET = 17

# Half a grey level is taken off every pixel (and negatives cut) so that the float noise of
# normalising and un-normalising a black pixel is exactly 0, not 1e-8 divided by 1e-6.
_FLOOR = 0.5 / 255.0

CHANNEL_OF_JOINT = "RGB"  # joint k follows the blob of colour CHANNEL_OF_JOINT[k % 3]


def _torch():
    import torch  # imported lazily: only the test modules that build models pay for it

    return torch


def _gaussian_matrix(n_out: int, n_in: int, step: float, sigma: float) -> np.ndarray:
    """(n_out, n_in): row ``u`` is an unnormalised Gaussian (peak 1) centred on ``u * step``."""
    centres = np.arange(n_out, dtype=np.float64)[:, None] * step
    pixels = np.arange(n_in, dtype=np.float64)[None, :]
    return np.exp(-((pixels - centres) ** 2) / (2.0 * sigma**2)).astype(np.float32)


def _joint_maps_module(torch, num_joints: int, mean: Sequence[float], std: Sequence[float]):
    """(N, 3, H, W) normalised RGB -> (N, K, H, W) pixel / 255 of channel k % 3."""
    conv = torch.nn.Conv2d(3, num_joints, kernel_size=1, bias=True)
    weight = torch.zeros(num_joints, 3, 1, 1)
    bias = torch.zeros(num_joints)
    for k in range(num_joints):
        c = k % 3
        weight[k, c, 0, 0] = std[c] / 255.0
        bias[k] = mean[c] / 255.0
    with torch.no_grad():
        conv.weight.copy_(weight)
        conv.bias.copy_(bias)
    conv.requires_grad_(False)
    return conv


def _export(torch, module, path: Path, input_shape: tuple[int, ...], output_names: list[str],
            dynamic_batch: bool, input_name: str = "input") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    module.eval()
    dummy = torch.zeros(*input_shape)
    dynamic_axes = None
    if dynamic_batch:
        dynamic_axes = {input_name: {0: "batch"}}
        dynamic_axes.update({name: {0: "batch"} for name in output_names})
    with warnings.catch_warnings():  # the TorchScript exporter is deprecated, and fine here
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            module, (dummy,), str(path), input_names=[input_name], output_names=output_names,
            dynamic_axes=dynamic_axes, opset_version=OPSET, dynamo=False,
        )
    return path


def build_heatmap_model(
    path: str | Path,
    *,
    num_joints: int = 17,
    input_size: tuple[int, int] = (192, 256),
    heatmap_size: tuple[int, int] | None = None,
    udp: bool = False,
    sigma: float = 6.0,
    dynamic_batch: bool = True,
    batch: int = 1,
    mean: Sequence[float] = MMPOSE_MEAN,
    std: Sequence[float] = MMPOSE_STD,
) -> Path:
    """A heatmap model: input ``(N, 3, H, W)`` -> output ``(N, K, h, w)``.

    input_size and heatmap_size are (width, height) as in mmpose; heatmap_size defaults to a
    quarter of the input. sigma is the Gaussian's width in input pixels. With dynamic_batch
    False the batch dimension is fixed to ``batch``.
    """
    torch = _torch()
    width, height = input_size
    hm_w, hm_h = heatmap_size or (width // 4, height // 4)
    if udp:
        step_x, step_y = (width - 1) / (hm_w - 1), (height - 1) / (hm_h - 1)
    else:
        step_x, step_y = width / hm_w, height / hm_h
    gx = torch.from_numpy(_gaussian_matrix(hm_w, width, step_x, sigma).T.copy())  # (W, w)
    gy = torch.from_numpy(_gaussian_matrix(hm_h, height, step_y, sigma))  # (h, H)

    class HeatmapModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.maps = _joint_maps_module(torch, num_joints, mean, std)
            self.register_buffer("gx", gx)
            self.register_buffer("gy", gy)

        def forward(self, x):
            maps = torch.relu(self.maps(x) - _FLOOR)
            total = maps.sum(dim=(2, 3), keepdim=True) + 1e-6
            return torch.matmul(torch.matmul(self.gy, maps), self.gx) / total

    return _export(torch, HeatmapModel(), path, (batch, 3, height, width), ["heatmaps"],
                   dynamic_batch)


def build_simcc_model(
    path: str | Path,
    *,
    num_joints: int = 17,
    input_size: tuple[int, int] = (192, 256),
    split_ratio: float = 2.0,
    sigma: float = 4.0,
    dynamic_batch: bool = True,
    output_names: tuple[str, str] = ("simcc_x", "simcc_y"),
    y_first: bool = False,
    mean: Sequence[float] = MMPOSE_MEAN,
    std: Sequence[float] = MMPOSE_STD,
) -> Path:
    """A SimCC model (RTMPose layout): input ``(N, 3, H, W)`` -> ``(N, K, W * split)``,
    ``(N, K, H * split)``, bin ``b`` answering for input pixel ``b / split_ratio``.

    y_first puts the y output first in the file; output_names are in file order."""
    torch = _torch()
    width, height = input_size
    wx, hy = int(round(width * split_ratio)), int(round(height * split_ratio))
    step = 1.0 / split_ratio
    gx = torch.from_numpy(_gaussian_matrix(wx, width, step, sigma).T.copy())  # (W, Wx)
    gy = torch.from_numpy(_gaussian_matrix(hy, height, step, sigma).T.copy())  # (H, Hy)

    class SimccModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.maps = _joint_maps_module(torch, num_joints, mean, std)
            self.register_buffer("gx", gx)
            self.register_buffer("gy", gy)

        def forward(self, x):
            maps = torch.relu(self.maps(x) - _FLOOR)
            total = maps.sum(dim=(2, 3)).unsqueeze(-1) + 1e-6
            simcc_x = torch.matmul(maps.sum(dim=2), self.gx) / total
            simcc_y = torch.matmul(maps.sum(dim=3), self.gy) / total
            return (simcc_y, simcc_x) if y_first else (simcc_x, simcc_y)

    return _export(torch, SimccModel(), path, (1, 3, height, width), list(output_names),
                   dynamic_batch)


def build_odd_model(path: str | Path, kind: str) -> Path:
    """Models a top-down pose backend must refuse, by ``kind``:

    * ``"flat"``: one output ``(N, 34)`` (neither heatmaps nor SimCC);
    * ``"nhwc"``: input ``(N, H, W, 3)``;
    * ``"two_inputs"``: two image inputs.
    """
    torch = _torch()
    path = Path(path)
    if kind == "flat":
        class Flat(torch.nn.Module):
            def forward(self, x):
                return x.mean(dim=(2, 3)).repeat(1, 12)[:, :34]

        return _export(torch, Flat(), path, (1, 3, 64, 48), ["keypoints"], True)
    if kind == "nhwc":
        class Nhwc(torch.nn.Module):
            def forward(self, x):
                return x.permute(0, 3, 1, 2)[:, :1].repeat(1, 17, 1, 1)

        return _export(torch, Nhwc(), path, (1, 64, 48, 3), ["heatmaps"], True)
    if kind == "two_inputs":
        class TwoInputs(torch.nn.Module):
            def forward(self, a, b):
                return (a + b)[:, :1].repeat(1, 17, 1, 1)

        dummy = torch.zeros(1, 3, 64, 48)
        path.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.onnx.export(TwoInputs(), (dummy, dummy), str(path), input_names=["a", "b"],
                              output_names=["heatmaps"], opset_version=OPSET, dynamo=False)
        return path
    raise ValueError(f"unknown odd model kind {kind!r}")


def draw_blob(image: np.ndarray, x: float, y: float, channel: int | None = None,
              sigma: float = 2.5, amplitude: float = 255.0) -> np.ndarray:
    """Add a Gaussian blob centred at sub-pixel (x, y) to an RGB uint8 image, in place.

    channel None brightens all three channels (a white blob). Pixel centres are at integer
    coordinates, as in OpenCV's warpAffine. Returns the image.
    """
    h, w = image.shape[:2]
    r = int(np.ceil(4 * sigma))
    x0, x1 = max(int(np.floor(x)) - r, 0), min(int(np.ceil(x)) + r + 1, w)
    y0, y1 = max(int(np.floor(y)) - r, 0), min(int(np.ceil(y)) + r + 1, h)
    if x0 >= x1 or y0 >= y1:
        return image
    xs = np.arange(x0, x1, dtype=np.float64)[None, :]
    ys = np.arange(y0, y1, dtype=np.float64)[:, None]
    blob = amplitude * np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * sigma**2))
    channels = [0, 1, 2] if channel is None else [channel]
    for c in channels:
        patch = image[y0:y1, x0:x1, c].astype(np.float64) + blob
        image[y0:y1, x0:x1, c] = np.clip(np.rint(patch), 0, 255).astype(np.uint8)
    return image


def rgb_blob_image(size: tuple[int, int], points: Sequence[tuple[float, float] | None],
                   sigma: float = 2.5) -> np.ndarray:
    """A black (height, width) = size[::-1] RGB image with a red, green and blue blob at
    points[0], points[1], points[2] (None leaves that colour out). size is (width, height)."""
    width, height = size
    image = np.zeros((height, width, 3), np.uint8)
    for channel, point in enumerate(points):
        if point is not None:
            draw_blob(image, point[0], point[1], channel=channel, sigma=sigma)
    return image
