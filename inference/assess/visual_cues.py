"""Visual cues read straight off the frames, with no downloaded network (METHODS.md §5).

* :func:`motion_energy`: how much the picture changes inside the athlete's box and in a ring
  around it, frame to frame. Pose keypoints miss what the body does between joints (a
  loose tuck, a splashing entry); pixel change sees it, and the ring tells the athlete's
  own motion from camera shake or a moving background.
* :func:`splash_area`: the share of the water region covered by white water during the
  entry, integrated over time with the trapezoid rule, as judges read "minimal splash".

Frames are ``(H, W, 3)`` uint8 RGB. Grey level is ITU-R BT.601 luma,
``0.299 R + 0.587 G + 0.114 B`` on the 0-255 scale. Boxes are ``x1, y1, x2, y2`` in pixels
with NaN where the athlete is unknown; a box covers the pixel columns ``floor(x1)`` to
``ceil(x2) - 1`` (rows likewise), clipped to the frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# White water: bright, nearly colourless, and not there before the entry. Pool water is
# saturated blue or green, so the saturation test keeps calm water out even when it is
# bright; the change test keeps out static white things (lane ropes, tiles, lights).
WHITE_MIN_VALUE = 170.0  # max(R, G, B) on 0-255
WHITE_MAX_SATURATION = 0.3  # (max - min) / max
WHITE_MIN_CHANGE = 30.0  # grey levels against the frame before the entry
# Half-width of the water window around the entry point, in box widths.
ENTRY_WINDOW_WIDTHS = 2.0


@dataclass(frozen=True)
class MotionEnergy:
    """Result of :func:`motion_energy`.

    Attributes:
        inside: ``(T,)`` float32 mean absolute grey-level change since the previous frame
            inside the athlete box; 0 for frame 0, NaN where the box is unknown or lies
            outside the frame.
        around: ``(T,)`` float32 the same in the ring between the box and the grown box;
            NaN also where the ring is empty (the box fills the frame).
    """

    inside: np.ndarray
    around: np.ndarray


@dataclass(frozen=True)
class Splash:
    """Result of :func:`splash_area`.

    Attributes:
        per_frame: ``(n,)`` float32 share in ``[0, 1]`` of the water region's pixels that are
            white water, for each frame of the entry range.
        total: trapezoid-rule integral of ``per_frame`` over time, in frame units (so a
            region fully white for 10 frames gives about 10); 0 for a single frame.
        frames: the entry range ``(start, end)``, end exclusive.
    """

    per_frame: np.ndarray
    total: float
    frames: tuple[int, int]


def motion_energy(frames: Sequence[np.ndarray], boxes: np.ndarray, *, margin: float = 0.5) -> MotionEnergy:
    """Frame-difference energy inside the athlete box and in the ring around it.

    Args:
        frames: ``T`` consecutive ``(H, W, 3)`` uint8 RGB frames.
        boxes: ``(T, 4)`` athlete boxes ``x1, y1, x2, y2`` in pixels, NaN where unknown.
        margin: the ring's width on each side, as a share of the box's width (left and
            right) and height (top and bottom); 0.5 gives a grown box twice the size.

    Frame ``t`` uses its own box for both ``|grey_t - grey_{t-1}|`` means.
    """
    frames = _check_frames(frames)
    box_array = _check_boxes(boxes, len(frames))
    if not np.isfinite(margin) or margin < 0:
        raise ValueError(f"margin must be a finite number >= 0, got {margin}")
    height, width = frames[0].shape[:2]
    inside = np.full(len(frames), np.nan, np.float32)
    around = np.full(len(frames), np.nan, np.float32)
    previous = None
    for t, frame in enumerate(frames):
        grey = _grey(frame)
        box = box_array[t]
        if np.isfinite(box).all():
            if previous is None:
                change = np.zeros_like(grey)
            else:
                change = np.abs(grey - previous)
            inside[t], around[t] = _box_and_ring_means(change, box, margin, height, width)
        previous = grey
    return MotionEnergy(inside, around)


def splash_area(
    frames: Sequence[np.ndarray],
    water_y: int | None,
    entry_range: tuple[int, int],
    *,
    boxes: np.ndarray | None = None,
) -> Splash:
    """Share of the water region that is white water over the entry, and its time integral.

    Args:
        frames: ``T`` consecutive ``(H, W, 3)`` uint8 RGB frames of the clip.
        water_y: pixel row of the water surface; the region is that row and every row
            below it. None takes the lower third of the frame.
        entry_range: ``(start, end)`` frame indices, end exclusive, ``1 <= start < end <= T``.
            Frame ``start - 1`` is the calm-water reference.
        boxes: optional ``(T, 4)`` athlete boxes. The region is then narrowed to the last
            known box centre before ``end`` ± 2 box widths, so swimmers or waves elsewhere
            in the pool do not count. With no known box the whole width is used.

    A pixel is white water when ``max(R, G, B) >= 170``, its saturation
    ``(max - min) / max <= 0.3`` and its grey level differs from the reference by at least 30.
    The single reference frame assumes the camera holds still over the entry; a pan or zoom
    makes the whole region "changed", and only the brightness and saturation tests remain.
    """
    frames = _check_frames(frames)
    count = len(frames)
    height, width = frames[0].shape[:2]
    start, end = (int(v) for v in entry_range)
    if not (1 <= start < end <= count):
        raise ValueError(
            f"entry_range must satisfy 1 <= start < end <= {count} (the frame before the entry "
            f"is the calm-water reference), got {tuple(entry_range)}"
        )
    if water_y is None:
        top = height - height // 3
    elif 0 <= int(water_y) < height:
        top = int(water_y)
    else:
        raise ValueError(f"water_y must be a row in [0, {height}) or None, got {water_y}")
    left, right = 0, width
    if boxes is not None:
        box_array = _check_boxes(boxes, count)
        known = np.flatnonzero(np.isfinite(box_array[:end]).all(axis=1))
        if known.size:
            x1, _, x2, _ = box_array[known[-1]]
            centre, half = (x1 + x2) / 2, ENTRY_WINDOW_WIDTHS * (x2 - x1)
            left = int(np.clip(np.floor(centre - half), 0, width))
            right = int(np.clip(np.ceil(centre + half), 0, width))
    per_frame = np.zeros(end - start, np.float32)
    if right > left:
        reference = _grey(frames[start - 1][top:, left:right])
        for i, t in enumerate(range(start, end)):
            region = frames[t][top:, left:right]
            per_frame[i] = _white_water(region, reference).mean()
    total = float(np.sum((per_frame[1:] + per_frame[:-1]) / 2.0, dtype=np.float64))
    return Splash(per_frame, total, (start, end))


def _white_water(region: np.ndarray, reference_grey: np.ndarray) -> np.ndarray:
    """``(h, w)`` bool: bright, low-saturation pixels of an RGB ``region`` that changed."""
    rgb = region.astype(np.float32)
    value = rgb.max(axis=-1)
    spread = value - rgb.min(axis=-1)
    low_saturation = spread <= WHITE_MAX_SATURATION * value
    changed = np.abs(_grey(region) - reference_grey) >= WHITE_MIN_CHANGE
    return (value >= WHITE_MIN_VALUE) & low_saturation & changed


def _grey(rgb: np.ndarray) -> np.ndarray:
    """``(..., 3)`` uint8 RGB -> ``(...)`` float32 BT.601 luma on 0-255."""
    weights = np.array([0.299, 0.587, 0.114], np.float32)
    return rgb.astype(np.float32) @ weights


def _pixel_span(lo: float, hi: float, size: int) -> tuple[int, int]:
    """Half-open pixel index range ``[floor(lo), ceil(hi))`` clipped to ``[0, size]``."""
    return int(np.clip(np.floor(lo), 0, size)), int(np.clip(np.ceil(hi), 0, size))


def _box_and_ring_means(
    change: np.ndarray, box: np.ndarray, margin: float, height: int, width: int
) -> tuple[float, float]:
    """Mean of ``change (H, W)`` inside ``box`` and in the ring out to the grown box."""
    x1, y1, x2, y2 = (float(v) for v in box)
    grow_x, grow_y = margin * (x2 - x1), margin * (y2 - y1)
    c0, c1 = _pixel_span(x1, x2, width)
    r0, r1 = _pixel_span(y1, y2, height)
    gc0, gc1 = _pixel_span(x1 - grow_x, x2 + grow_x, width)
    gr0, gr1 = _pixel_span(y1 - grow_y, y2 + grow_y, height)
    inner_sum = float(change[r0:r1, c0:c1].sum(dtype=np.float64))
    inner_count = max(r1 - r0, 0) * max(c1 - c0, 0)
    outer_sum = float(change[gr0:gr1, gc0:gc1].sum(dtype=np.float64))
    outer_count = max(gr1 - gr0, 0) * max(gc1 - gc0, 0)
    ring_count = outer_count - inner_count
    inside = inner_sum / inner_count if inner_count else np.nan
    around = (outer_sum - inner_sum) / ring_count if ring_count else np.nan
    return inside, around


def _check_frames(frames: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The frames as a list of equal-shaped ``(H, W, 3)`` uint8 arrays, or ValueError."""
    frames = [np.asarray(f) for f in frames]
    if not frames:
        raise ValueError("frames is empty; pass the clip's decoded frames, oldest first")
    shape = frames[0].shape
    for t, frame in enumerate(frames):
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(
                f"frame {t} must be an (H, W, 3) uint8 RGB image, got {frame.dtype} {frame.shape}; "
                "convert grey or float frames to 8-bit RGB first"
            )
        if frame.shape != shape:
            raise ValueError(f"frame {t} is {frame.shape} but frame 0 is {shape}; frames must share one size")
    if 0 in shape:
        raise ValueError(f"frames are empty images of shape {shape}")
    return frames


def _check_boxes(boxes: np.ndarray, count: int) -> np.ndarray:
    """``boxes`` as a float64 ``(T, 4)`` array with ``x2 >= x1`` and ``y2 >= y1``, or ValueError."""
    array = np.asarray(boxes, dtype=np.float64)
    if array.shape != (count, 4):
        raise ValueError(
            f"boxes must have shape ({count}, 4), one x1, y1, x2, y2 per frame; got {array.shape}"
        )
    known = np.isfinite(array).all(axis=1)
    flipped = known & ((array[:, 2] < array[:, 0]) | (array[:, 3] < array[:, 1]))
    if flipped.any():
        t = int(np.flatnonzero(flipped)[0])
        raise ValueError(f"box {t} {array[t].tolist()} has x2 < x1 or y2 < y1; boxes are x1, y1, x2, y2")
    return array
