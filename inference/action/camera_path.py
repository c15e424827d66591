"""The camera's motion through a clip, for readers of the body's motion in the scene.

A dive's travel away from the board and its rotation are measured in the scene, while the
broadcast camera pans (and sometimes rolls) with the diver. :func:`background_motion`
measures the background's motion from each frame to the next with
:class:`~inference.pose.camera_motion.CameraMotion`, the athlete's box masked so that her
own motion does not pull the fit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from inference.pose.camera_motion import CameraMotion

Box = Sequence[float]


def background_motion(frames: Iterable[np.ndarray | None], boxes: Sequence[Box | None], *,
                      cancelled: Callable[[], bool] | None = None) -> np.ndarray:
    """``(T, 2, 3)`` motions from the previous frame to each frame (identity on the first,
    on an undecodable frame (None) and where the background could not be followed).

    ``boxes``: the athlete's box per frame (None where unknown), masked on that frame.
    Raises ValueError when ``frames`` and ``boxes`` differ in length.
    """
    estimator = CameraMotion()
    motions = []
    for index, rgb in enumerate(frames):
        if cancelled is not None and cancelled():
            break
        if index >= len(boxes):
            raise ValueError(f"more frames than boxes ({len(boxes)}); give one box (or None) per frame")
        if rgb is None:
            estimator.reset()
            motions.append(np.eye(2, 3))
            continue
        box = boxes[index]
        motions.append(np.asarray(estimator.update(rgb, [] if box is None else [box]), np.float64))
    if len(motions) != len(boxes) and not (cancelled is not None and cancelled()):
        raise ValueError(f"{len(motions)} frames but {len(boxes)} boxes; give one box (or None) per frame")
    return np.stack(motions) if motions else np.zeros((0, 2, 3))
