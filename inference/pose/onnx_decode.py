"""Top-down pose geometry and decoding, as mmpose does it: pure numpy (and cv2 for one blur).

A top-down model sees a fixed-size crop (its *input*, ``W x H`` pixels) cut around one
person's box by an affine warp, and answers either with

* heatmaps ``(N, K, h, w)``: cell ``(u, v)`` scores "joint k is at input pixel
  ``(u * W / w, v * H / h)``" (mmpose's MSRA/DARK heatmaps: HRNet, SimpleBaseline...), or
  ``(u * (W - 1) / (w - 1), ...)`` for UDP models (ViTPose, the ``*_udp`` HRNets); or
* a SimCC pair ``(N, K, Wx)``, ``(N, K, Hy)`` (RTMPose): bin ``b`` scores "x = b / split_ratio".

The functions here turn those into input-pixel coordinates, and boxes into the affine warps
that go between image and input pixels. Pixel centres are at integer coordinates throughout,
as in ``cv2.warpAffine``.

Sizes are ``(width, height)`` as in mmpose; coordinates are ``(x, y)``.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from inference.pose.base import PoseBackendError
from inference.skeletons import get_skeleton

Refinement = Literal["dark", "quarter", "none"]

MMPOSE_MEAN = (123.675, 116.28, 103.53)
MMPOSE_STD = (58.395, 57.12, 57.375)

# Joint counts that name a schema on their own.
SCHEMA_FOR_JOINT_COUNT = {17: "coco17", 16: "mpii16", 33: "mp33"}
# Joint layouts whose first 17 joints are COCO-17 in COCO order: with schema="coco17" a model
# of that many joints is read through its first 17.
COCO_SUPERSETS = {26: "Halpe-26", 133: "COCO-WholeBody", 136: "Halpe-136"}


# --------------------------------------------------------------------------------------------
# Boxes and warps
# --------------------------------------------------------------------------------------------


def box_to_center_scale(
    bbox: np.ndarray | tuple[float, float, float, float],
    aspect_ratio: float,
    padding: float = 1.25,
) -> tuple[np.ndarray, np.ndarray]:
    """The crop mmpose cuts around a box: centre and size, grown by `padding` and then widened
    or heightened (never shrunk) to ``aspect_ratio`` = input width / input height.

    Args:
        bbox: ``(4,)`` or ``(N, 4)`` x1, y1, x2, y2 in image pixels.
        aspect_ratio: the model input's width / height (0.75 for 192 x 256).
        padding: size factor applied to the box first (mmpose's 1.25).

    Returns:
        center ``(2,)`` or ``(N, 2)``; scale ``(2,)`` or ``(N, 2)``: the crop's width and
        height in image pixels.
    """
    boxes = np.asarray(bbox, dtype=np.float64)
    single = boxes.ndim == 1
    boxes = np.atleast_2d(boxes)
    center = (boxes[:, :2] + boxes[:, 2:4]) / 2.0
    w = (boxes[:, 2] - boxes[:, 0]) * padding
    h = (boxes[:, 3] - boxes[:, 1]) * padding
    wide = w > h * aspect_ratio
    scale = np.stack([np.where(wide, w, h * aspect_ratio), np.where(wide, w / aspect_ratio, h)],
                     axis=1)
    return (center[0], scale[0]) if single else (center, scale)


def affine_transform(
    center: np.ndarray | tuple[float, float],
    scale: np.ndarray | tuple[float, float],
    output_size: tuple[int, int],
    inverse: bool = False,
    udp: bool = False,
) -> np.ndarray:
    """The ``(2, 3)`` float64 matrix taking image pixels to crop pixels (``inverse``: back).

    The crop of size `scale` centred on `center` becomes an ``output_size`` = (W, H) image:
    mmpose's ``get_warp_matrix`` (centre -> (W/2, H/2), crop edges -> 0 and W) or, with
    `udp`, ``get_udp_warp_matrix`` (crop edges -> 0 and W - 1). No rotation.

    Args:
        center: ``(2,)`` crop centre x, y in image pixels.
        scale: ``(2,)`` crop width, height in image pixels (> 0).
        output_size: (W, H) of the model input.
    """
    cx, cy = (float(v) for v in np.asarray(center, dtype=np.float64).reshape(2))
    sw, sh = (float(v) for v in np.asarray(scale, dtype=np.float64).reshape(2))
    out_w, out_h = output_size
    if udp:
        fx, fy = (out_w - 1) / sw, (out_h - 1) / sh
        tx, ty = fx * (sw / 2.0 - cx), fy * (sh / 2.0 - cy)
    else:
        fx, fy = out_w / sw, out_h / sh
        tx, ty = out_w / 2.0 - fx * cx, out_h / 2.0 - fy * cy
    if inverse:
        return np.array([[1.0 / fx, 0.0, -tx / fx], [0.0, 1.0 / fy, -ty / fy]])
    return np.array([[fx, 0.0, tx], [0.0, fy, ty]])


def apply_affine(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``(..., 2)`` points through a ``(2, 3)`` affine matrix -> ``(..., 2)`` float64."""
    pts = np.asarray(points, dtype=np.float64)
    return pts @ matrix[:, :2].T + matrix[:, 2]


def heatmap_to_input(coords: np.ndarray, heatmap_size: tuple[int, int],
                     input_size: tuple[int, int], udp: bool = False) -> np.ndarray:
    """``(..., 2)`` heatmap-cell coordinates -> model-input pixels (mmpose's codec decode).

    MSRA/DARK heatmaps: ``u * W / w``; UDP heatmaps: ``u * (W - 1) / (w - 1)``.
    heatmap_size and input_size are (width, height).
    """
    (w, h), (W, H) = heatmap_size, input_size
    if udp:
        factor = np.array([(W - 1) / max(w - 1, 1), (H - 1) / max(h - 1, 1)])
    else:
        factor = np.array([W / w, H / h])
    return np.asarray(coords, dtype=np.float64) * factor


# --------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------


def decode_heatmaps(
    heatmaps: np.ndarray,
    refine: Refinement = "dark",
    blur_kernel_size: int = 11,
) -> tuple[np.ndarray, np.ndarray]:
    """The peak of each heatmap, refined below one cell.

    Args:
        heatmaps: ``(N, K, h, w)`` float.
        refine: ``"dark"`` (default): DARK (Zhang et al. 2020) as in mmpose's
            ``refine_keypoints_dark``: blur the map with a Gaussian of `blur_kernel_size`,
            take its log and one Newton step from the argmax (exact for a Gaussian peak);
            where that is not a clean maximum (flat or saddle-shaped log, a step over one cell,
            or a peak within two cells of the border) it falls back to ``"quarter"``.
            ``"quarter"``: argmax moved 0.25 cell towards the higher neighbour (the classic
            HRNet rule). ``"none"``: the argmax cell.
        blur_kernel_size: odd; 11 suits the usual sigma-2 heatmaps (mmpose's default), 17
            sigma-3 ones.

    Returns:
        coords ``(N, K, 2)`` float64 x, y in heatmap cells; scores ``(N, K)`` float32: each
        map's raw maximum (not clipped; <= 0 means "not found", as in mmpose).
    """
    hm = np.asarray(heatmaps, dtype=np.float32)
    if hm.ndim != 4:
        raise ValueError(f"heatmaps must be (N, K, h, w), got shape {hm.shape}")
    n, k, h, w = hm.shape
    flat = hm.reshape(n * k, h * w)
    idx = np.argmax(flat, axis=1)
    scores = flat[np.arange(n * k), idx].reshape(n, k)
    ys, xs = np.divmod(idx, w)
    coords = np.stack([xs, ys], axis=-1).astype(np.float64)  # (n*k, 2)
    maps = hm.reshape(n * k, h, w)
    if refine == "none":
        pass
    elif refine == "quarter":
        coords += _quarter_offsets(maps, xs, ys)
    elif refine == "dark":
        offsets, ok = _dark_offsets(maps, xs, ys, blur_kernel_size)
        quarter = _quarter_offsets(maps, xs, ys)
        coords += np.where(ok[:, None], offsets, quarter)
    else:
        raise ValueError(f"refine must be 'dark', 'quarter' or 'none', not {refine!r}")
    return coords.reshape(n, k, 2), scores


def _quarter_offsets(maps: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """(M, 2) +-0.25 towards the higher neighbour along x and y (0 at the border)."""
    m, h, w = maps.shape
    rows = np.arange(m)
    dx = np.zeros(m)
    dy = np.zeros(m)
    if w >= 3:
        xi = np.clip(xs, 1, w - 2)
        dx = np.where(xi == xs, maps[rows, ys, xi + 1] - maps[rows, ys, xi - 1], 0.0)
    if h >= 3:
        yi = np.clip(ys, 1, h - 2)
        dy = np.where(yi == ys, maps[rows, yi + 1, xs] - maps[rows, yi - 1, xs], 0.0)
    return 0.25 * np.stack([np.sign(dx), np.sign(dy)], axis=-1)


def _blur_maps(maps: np.ndarray, kernel: int) -> np.ndarray:
    """Gaussian blur of each (h, w) map, zero outside the map (as mmpose pads with zeros)."""
    m = maps.shape[0]
    out = np.empty_like(maps)
    # cv2 filters up to 512 channels at once: maps become the channels of one image.
    for start in range(0, m, 512):
        chunk = np.ascontiguousarray(maps[start:start + 512].transpose(1, 2, 0))
        blurred = cv2.GaussianBlur(chunk, (kernel, kernel), 0, borderType=cv2.BORDER_CONSTANT)
        out[start:start + 512] = blurred.reshape(chunk.shape).transpose(2, 0, 1)
    return out


def _dark_offsets(maps: np.ndarray, xs: np.ndarray, ys: np.ndarray,
                  kernel: int) -> tuple[np.ndarray, np.ndarray]:
    """(M, 2) DARK sub-cell offsets and (M,) whether each is usable."""
    if kernel % 2 != 1 or kernel < 1:
        raise ValueError(f"blur_kernel_size must be odd and positive, not {kernel}")
    m, h, w = maps.shape
    if w < 5 or h < 5:
        return np.zeros((m, 2)), np.zeros(m, dtype=bool)
    logs = np.log(np.maximum(_blur_maps(maps, kernel), 1e-10)).astype(np.float64)
    inside = (xs >= 2) & (xs <= w - 3) & (ys >= 2) & (ys <= h - 3)
    x = np.clip(xs, 2, w - 3)
    y = np.clip(ys, 2, h - 3)
    r = np.arange(m)

    def at(dy: int, dx: int) -> np.ndarray:
        return logs[r, y + dy, x + dx]

    dx = 0.5 * (at(0, 1) - at(0, -1))
    dy = 0.5 * (at(1, 0) - at(-1, 0))
    dxx = 0.25 * (at(0, 2) - 2 * at(0, 0) + at(0, -2))
    dyy = 0.25 * (at(2, 0) - 2 * at(0, 0) + at(-2, 0))
    dxy = 0.25 * (at(1, 1) - at(-1, 1) - at(1, -1) + at(-1, -1))
    det = dxx * dyy - dxy**2
    maximum = (det > 1e-12) & (dxx < 0)  # negative definite Hessian: a real peak
    safe_det = np.where(maximum, det, 1.0)
    ox = -(dyy * dx - dxy * dy) / safe_det
    oy = -(dxx * dy - dxy * dx) / safe_det
    offsets = np.stack([ox, oy], axis=-1)
    ok = inside & maximum & (np.abs(offsets) <= 1.0).all(axis=-1) & np.isfinite(offsets).all(-1)
    return np.where(ok[:, None], offsets, 0.0), ok


def decode_simcc(
    simcc_x: np.ndarray,
    simcc_y: np.ndarray,
    split_ratio: float | tuple[float, float] = 2.0,
) -> tuple[np.ndarray, np.ndarray]:
    """SimCC (RTMPose) decoding, mmpose's ``get_simcc_maximum``: argmax of each 1-D vector.

    Args:
        simcc_x: ``(N, K, Wx)``; simcc_y: ``(N, K, Hy)``.
        split_ratio: bins per input pixel (``Wx / W``, usually 2.0); a pair gives x and y
            their own.

    Returns:
        coords ``(N, K, 2)`` float64 x, y in model-input pixels (``argmax / split_ratio``,
        so a resolution of ``1 / split_ratio`` pixel); scores ``(N, K)`` float32:
        ``min(max_x, max_y)``, raw (<= 0 means "not found").
    """
    sx = np.asarray(simcc_x, dtype=np.float32)
    sy = np.asarray(simcc_y, dtype=np.float32)
    if sx.ndim != 3 or sy.ndim != 3 or sx.shape[:2] != sy.shape[:2]:
        raise ValueError(f"SimCC outputs must be (N, K, Wx) and (N, K, Hy), got {sx.shape} "
                         f"and {sy.shape}")
    rx, ry = (split_ratio, split_ratio) if np.isscalar(split_ratio) else split_ratio
    x_idx = np.argmax(sx, axis=-1)
    y_idx = np.argmax(sy, axis=-1)
    coords = np.stack([x_idx / float(rx), y_idx / float(ry)], axis=-1)
    max_x = np.take_along_axis(sx, x_idx[..., None], axis=-1)[..., 0]
    max_y = np.take_along_axis(sy, y_idx[..., None], axis=-1)[..., 0]
    return coords, np.minimum(max_x, max_y)


# --------------------------------------------------------------------------------------------
# From decoded values to the (J, 3) keypoints of a PersonPose
# --------------------------------------------------------------------------------------------


def to_keypoints(coords: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """``(..., K, 2)`` image coordinates and ``(..., K)`` raw scores -> ``(..., K, 3)`` float32.

    Confidence is the raw score clipped to [0, 1] (no sigmoid: heatmap peaks are trained
    against unit-height Gaussians and RTMPose's SimCC maxima sit on the same 0..1 scale, with
    0 meaning nothing; a sigmoid would turn that 0 into 0.5). Joints whose score is <= 0 or
    not finite, or whose coordinates are not finite, get NaN x, y and confidence 0.
    """
    coords = np.asarray(coords, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    found = (scores > 0) & np.isfinite(scores) & np.isfinite(coords).all(axis=-1)
    out = np.empty(coords.shape[:-1] + (3,), dtype=np.float32)
    out[..., :2] = np.where(found[..., None], coords, np.nan)
    out[..., 2] = np.where(found, np.clip(np.nan_to_num(scores), 0.0, 1.0), 0.0)
    return out


def resolve_schema(num_joints: int | None, schema: str | None, source: str) -> tuple[str, int]:
    """The schema of a model with `num_joints` joints per person, and how many of its leading
    joints to keep.

    `schema` None: 17 -> coco17, 16 -> mpii16, 33 -> mp33, anything else is an error asking
    for ``--schema``. Given: it must have `num_joints` joints, except coco17 for the layouts
    whose first 17 joints are COCO's (Halpe-26, COCO-WholeBody-133, Halpe-136).

    Raises:
        PoseBackendError: naming `source` (the model file) and what to do.
    """
    known = ", ".join(f"{name}: {n}" for n, name in SCHEMA_FOR_JOINT_COUNT.items())
    if schema is None:
        if num_joints in SCHEMA_FOR_JOINT_COUNT:
            return SCHEMA_FOR_JOINT_COUNT[num_joints], num_joints
        if num_joints in COCO_SUPERSETS:
            raise PoseBackendError(
                f"{source} gives {num_joints} joints per person ({COCO_SUPERSETS[num_joints]} "
                f"layout?). Its first 17 joints are COCO-17: pass --schema coco17 to use them.")
        count = "an unknown number of" if num_joints is None else str(num_joints)
        raise PoseBackendError(
            f"{source} gives {count} joints per person, which names no known schema "
            f"({known}). Say which schema its joints follow with --schema "
            f"(mpii16, coco17 or mp33).")
    try:
        skeleton = get_skeleton(schema)
    except ValueError as exc:
        raise PoseBackendError(f"--schema: {exc}") from None
    j = skeleton.num_joints
    if num_joints is None or num_joints == j:
        return skeleton.name, j
    if skeleton.name == "coco17" and num_joints in COCO_SUPERSETS:
        return skeleton.name, j
    raise PoseBackendError(
        f"{source} gives {num_joints} joints per person but schema {skeleton.name} has {j}. "
        f"Pick the schema the model was trained on ({known}).")
