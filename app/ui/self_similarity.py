"""The clip's self-similarity matrix (METHODS §4) as an image for the plot under the video.

``S_ij`` is the row-softmaxed ``-||F_i - F_j||`` of the per-frame features
(:func:`inference.assess.alignment.self_similarity` over
:func:`inference.assess.features.frame_features`). Each row is shown on a log scale relative
to its diagonal, ``log(S_ij / S_ii) = -||F_i - F_j||``, so the blocks of a held position and
the off-diagonal stripes of a repeated movement stay visible instead of a bright diagonal on
black. Long clips are sampled to at most :data:`MAX_FRAMES` frames a side, which keeps the
matrix a fraction of a second to compute and a few hundred kilobytes to draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.assess.alignment import self_similarity
from inference.assess.features import frame_features

MAX_FRAMES = 400
# The darkest shade: this share of the distances (the most different pairs) saturates to black.
CLIP_QUANTILE = 0.95


@dataclass(frozen=True)
class SimilarityImage:
    shades: np.ndarray  # (n, n) float32 in [0, 1], 1 = the same pose and motion
    frames: np.ndarray  # (n,) the clip frame of each row and column


def similarity_image(keypoints: np.ndarray, schema: str, fps: float = 30.0) -> SimilarityImage | None:
    """The shaded matrix of ``keypoints`` (T, J, 3) with NaN where unknown, over the frames
    from the first to the last pose; None when fewer than two frames have poses or no frame
    shows the hips and shoulders."""
    known = np.flatnonzero(np.isfinite(keypoints[..., :2]).all(axis=-1).any(axis=-1))
    if known.size < 2:
        return None
    step = max(1, int(np.ceil((known[-1] - known[0] + 1) / MAX_FRAMES)))
    frames = np.arange(known[0], known[-1] + 1, step)
    try:
        features = frame_features(keypoints[known[0]:known[-1] + 1], schema, fps=fps).values
    except ValueError:  # no frame shows the hips and shoulders: the size of the body is unknown
        return None
    features = features[frames - known[0]]
    matrix = self_similarity(features)
    log = np.log(np.maximum(matrix, np.finfo(np.float64).tiny)) - np.log(np.diag(matrix))[:, None]
    floor = float(np.quantile(log, 1 - CLIP_QUANTILE))
    shades = 1.0 - np.clip(log / floor, 0.0, 1.0) if floor < 0 else np.ones_like(log)
    return SimilarityImage(shades.astype(np.float32), frames)
