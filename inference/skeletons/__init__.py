"""Joint schemas (MPII-16, COCO-17, MediaPipe-33, OpenPose-18) and conversion between them.

numpy only: no Qt, no database, nothing from ``app``.

* :mod:`~inference.skeletons.definitions`: the :class:`Skeleton` dataclass, the four
  schemas, hierarchy levels ``H0``/``H1``/``H2`` and :func:`get_skeleton`.
* :mod:`~inference.skeletons.conversion`: :func:`convert` and the table of which joints
  are copied, derived or unavailable for each pair of schemas.
* :mod:`~inference.skeletons.geometry`: :func:`mirror` and :func:`bone_lengths`.

Keypoint arrays are ``(..., J, 3)`` floats, ``[x, y, confidence]`` in pixels, NaN
coordinates for a missing joint.
"""

from inference.skeletons.conversion import ConvertedPose, canonical_name, convert
from inference.skeletons.definitions import (
    COCO17,
    H0,
    H1,
    H2,
    LEVELS,
    MEDIAPIPE33,
    MPII16,
    OPENPOSE18,
    SKELETON_NAMES,
    Skeleton,
    get_skeleton,
)
from inference.skeletons.geometry import bone_lengths, mirror

__all__ = [
    "COCO17",
    "H0",
    "H1",
    "H2",
    "LEVELS",
    "MEDIAPIPE33",
    "MPII16",
    "OPENPOSE18",
    "SKELETON_NAMES",
    "ConvertedPose",
    "Skeleton",
    "bone_lengths",
    "canonical_name",
    "convert",
    "get_skeleton",
    "mirror",
]
