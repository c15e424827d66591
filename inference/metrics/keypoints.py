"""Keypoint accuracy: PCK, PCKh@0.5 (MPII), mean error in head lengths, and OKS (COCO).

Arrays: predictions and ground truth are (N, J, 2|3) pixels; `visible` (N, J) bool marks the
ground-truth joints that count (labelled ones). A prediction with NaN coordinates counts as
a miss, never as skipped: a joint the model failed to find is an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class KeypointScores:
    """Per-joint and overall accuracy; NaN for joints with no labelled instance."""

    per_joint: np.ndarray  # (J,)
    overall: float
    counted: np.ndarray  # (J,) number of labelled instances per joint


def _errors(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Euclidean distance (N, J); inf where the prediction is missing."""
    d = np.linalg.norm(np.asarray(pred, np.float64)[..., :2] - np.asarray(gt, np.float64)[..., :2], axis=-1)
    return np.where(np.isfinite(d), d, np.inf)


def pck(pred: np.ndarray, gt: np.ndarray, visible: np.ndarray, norm: np.ndarray, threshold: float) -> KeypointScores:
    """Share of labelled joints within `threshold * norm` of the truth; norm is (N,) per instance."""
    visible = np.asarray(visible, bool)
    hit = _errors(pred, gt) <= threshold * np.asarray(norm, np.float64)[:, None]
    counted = visible.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_joint = np.where(counted > 0, (hit & visible).sum(axis=0) / counted, np.nan)
    overall = float((hit & visible).sum() / max(visible.sum(), 1))
    return KeypointScores(per_joint, overall, counted)


def mpii_head_size(gt: np.ndarray, upper_neck: int = 8, head_top: int = 9, factor: float = 1.0) -> np.ndarray:
    """Head segment length per instance (N,) from MPII ground truth.

    The official MPII protocol uses 0.6 x the diagonal of an annotated head box; annotations
    without head boxes (mmpose's test JSON, FineDiving-Pose) use the upper-neck to head-top
    distance, which is what this returns (times `factor`).
    """
    return factor * np.linalg.norm(gt[:, head_top, :2] - gt[:, upper_neck, :2], axis=-1)


def pckh(pred: np.ndarray, gt: np.ndarray, visible: np.ndarray, threshold: float = 0.5,
         upper_neck: int = 8, head_top: int = 9) -> KeypointScores:
    """PCKh@threshold for MPII-16 ordered arrays.

    An instance whose upper neck or head top is not labelled has no head size, so none of its
    joints is counted (the MPII protocol likewise scores only people with a head box): with a
    head size of zero every joint would count as a miss however close it was.
    """
    gt = np.asarray(gt, np.float64)
    visible = np.asarray(visible, bool)
    head = mpii_head_size(gt, upper_neck, head_top)
    scaled = visible[:, upper_neck] & visible[:, head_top] & np.isfinite(head) & (head > 0)
    return pck(pred, gt, visible & scaled[:, None], np.where(scaled, head, 0.0), threshold)


def head_error(pred: np.ndarray, gt: np.ndarray, visible: np.ndarray, cap: float = 2.0,
               upper_neck: int = 8, head_top: int = 9) -> float:
    """Mean distance of the labelled joints from the labels, in head lengths (MPII-16 arrays),
    each capped at `cap`; a joint not predicted counts `cap`. Instances without a head size are
    left out, as by pckh. NaN when nothing is counted.

    PCKh's finer companion: it tells apart two readings that are both within (or both beyond)
    half a head length of every label."""
    gt = np.asarray(gt, np.float64)
    head = mpii_head_size(gt, upper_neck, head_top)
    scaled = np.isfinite(head) & (head > 0)
    counted = np.asarray(visible, bool) & scaled[:, None]
    if not counted.any():
        return math.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = _errors(pred, gt) / np.where(scaled, head, 1.0)[:, None]
    distance = np.where(np.isfinite(distance), np.minimum(distance, cap), cap)
    return float(distance[counted].mean())


def oks(pred: np.ndarray, gt: np.ndarray, visible: np.ndarray, areas: np.ndarray, sigmas: np.ndarray) -> np.ndarray:
    """COCO object keypoint similarity per instance (N,), over labelled joints.

    OKS = mean over labelled joints of exp(-d^2 / (2 s^2 k^2)), s^2 = area, k = 2 sigma.
    """
    visible = np.asarray(visible, bool)
    d2 = _errors(pred, gt) ** 2
    k2 = (2 * np.asarray(sigmas, np.float64)) ** 2
    e = d2 / (2 * np.asarray(areas, np.float64)[:, None] * k2[None, :] + np.spacing(1))
    similarity = np.where(visible, np.exp(-e), 0.0)
    n = visible.sum(axis=1)
    return np.where(n > 0, similarity.sum(axis=1) / np.maximum(n, 1), np.nan)


def oks_per_joint(pred: np.ndarray, gt: np.ndarray, visible: np.ndarray, areas: np.ndarray,
                  sigmas: np.ndarray) -> KeypointScores:
    """Mean per-joint keypoint similarity (the OKS terms) over labelled instances."""
    visible = np.asarray(visible, bool)
    d2 = _errors(pred, gt) ** 2
    k2 = (2 * np.asarray(sigmas, np.float64)) ** 2
    similarity = np.exp(-d2 / (2 * np.asarray(areas, np.float64)[:, None] * k2[None, :] + np.spacing(1)))
    counted = visible.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_joint = np.where(counted > 0, np.where(visible, similarity, 0).sum(axis=0) / counted, np.nan)
    overall = float(np.nanmean(oks(pred, gt, visible, areas, sigmas)))
    return KeypointScores(per_joint, overall, counted)
