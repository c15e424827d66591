"""Small geometric operations on keypoint arrays ``(..., J, 3)`` of a given skeleton."""

from __future__ import annotations

import numpy as np

from inference.skeletons.conversion import check_keypoints
from inference.skeletons.definitions import Skeleton


def mirror(keypoints: np.ndarray, skeleton: Skeleton, width: float) -> np.ndarray:
    """Keypoints of the horizontally flipped image, left and right joints swapped.

    Args:
        keypoints: ``(..., J, 3)`` ``[x, y, confidence]`` in pixels, NaN = missing.
        skeleton: the schema of ``keypoints``; its ``flip_indices`` do the swap.
        width: image width in pixels.

    Returns:
        New ``(..., J, 3)`` array. Coordinates are continuous with pixel ``i`` spanning
        ``[i, i + 1)`` (the COCO convention, and MediaPipe's normalised ``x * width``), so
        ``x`` maps to ``width - x``. Mirroring twice gives back the input.
    """
    kp = check_keypoints(keypoints, skeleton)
    out = kp[..., list(skeleton.flip_indices), :]  # fancy indexing copies
    out[..., 0] = width - out[..., 0]
    return out


def bone_lengths(keypoints: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """Pixel length of each bone.

    Args:
        keypoints: ``(..., J, 2)`` or ``(..., J, 3)``; only x, y are used.
        skeleton: the schema; bones in the order of ``skeleton.bones``.

    Returns:
        ``(..., B)`` float array, NaN where either end of a bone is missing.
    """
    kp = check_keypoints(keypoints, skeleton, channels=(2, 3))
    start = kp[..., [i for i, _ in skeleton.bones], :2]
    end = kp[..., [j for _, j in skeleton.bones], :2]
    return np.hypot(*np.moveaxis(end - start, -1, 0))
