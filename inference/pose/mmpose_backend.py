"""A top-down mmpose model (config + checkpoint) as a pose backend.

Optional: needs mmpose, mmcv and mmengine, which are not installed by default (mmcv compiles
its ops for about ten minutes) and come with no weights; the user brings the config and the
checkpoint. Without them :class:`MMPoseTopDown` raises :class:`PoseBackendError` saying what
to install, or to export the model to ONNX for :mod:`inference.pose.onnx_backend`, which
needs none of it.

:func:`poses_from_mmpose` (what mmpose's ``inference_topdown`` returns -> PersonPose) is a
pure function and does not need mmpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from inference.pose.base import Box, PersonPose, PoseBackend, PoseBackendError, detect_top_down
from inference.pose.onnx_decode import resolve_schema, to_keypoints

MMPOSE_MISSING = (
    "The mmpose backend needs mmpose, mmcv and mmengine with your model's config and "
    "checkpoint: pip install 'plumb[mmpose]' (mmcv compiles for ~10 min) — or export the "
    "model to ONNX and use --backend onnx."
)


def mmpose_available() -> bool:
    """Whether ``mmpose.apis`` imports here (mmpose, mmcv and mmengine all present)."""
    try:
        import mmpose.apis  # noqa: F401
    except Exception:
        return False
    return True


def _numpy(value: Any) -> np.ndarray:
    """numpy from a numpy array, a torch tensor (any device) or a nested sequence."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def _field(source: Any, name: str) -> Any:
    if isinstance(source, Mapping):
        return source.get(name)
    return getattr(source, name, None)


def poses_from_mmpose(
    result: Any,
    schema: str,
    *,
    num_joints: int | None = None,
    bboxes: Sequence[Box] | None = None,
    scores: Sequence[float] | None = None,
) -> list[PersonPose]:
    """PersonPoses from one mmpose top-down result.

    Args:
        result: a ``PoseDataSample`` (its ``pred_instances`` is used), an ``InstanceData`` or
            a mapping with ``keypoints`` ``(N, K, 2)``/``(K, 2)`` (or ``(..., 3)`` with the
            score as third column), ``keypoint_scores`` ``(N, K)``/``(K,)``, and optionally
            ``bboxes`` ``(N, 4)`` xyxy and ``bbox_scores`` ``(N,)``. numpy or torch.
        schema: the schema of the joints (the first `num_joints` are kept).
        num_joints: how many leading joints to keep; None keeps the schema's count.
        bboxes, scores: per-person box and score overriding the result's (a detector's).

    Returns:
        one PersonPose per instance: keypoints ``(J, 3)`` float32 with confidence = the
        score clipped to [0, 1] and NaN x, y where the score is <= 0; the box is the result's
        (else the keypoints' extent); the score is the bbox score when given, else the mean
        joint confidence.
    """
    from inference.skeletons import get_skeleton

    instances = _field(result, "pred_instances")
    instances = result if instances is None else instances
    kps = _field(instances, "keypoints")
    if kps is None:
        raise ValueError("mmpose result has no keypoints")
    kps = _numpy(kps)
    if kps.ndim == 2:
        kps = kps[None]
    if kps.ndim != 3 or kps.shape[-1] not in (2, 3):
        raise ValueError(f"mmpose keypoints must be (N, K, 2|3), got {kps.shape}")
    kp_scores = _field(instances, "keypoint_scores")
    if kp_scores is not None:
        kp_scores = _numpy(kp_scores).reshape(kps.shape[:2])
    elif kps.shape[-1] == 3:
        kp_scores = kps[..., 2]
    else:
        kp_scores = np.ones(kps.shape[:2])
    keep = num_joints if num_joints is not None else get_skeleton(schema).num_joints
    keypoints = to_keypoints(kps[..., :2], kp_scores)[:, :keep]

    n = len(keypoints)
    own_boxes = _field(instances, "bboxes")
    own_boxes = None if own_boxes is None else _numpy(own_boxes).reshape(-1, 4)
    own_scores = _field(instances, "bbox_scores")
    own_scores = None if own_scores is None else _numpy(own_scores).reshape(-1)
    poses = []
    for i in range(n):
        kp = keypoints[i]
        if bboxes is not None:
            box = tuple(float(v) for v in bboxes[i][:4])
        elif own_boxes is not None and i < len(own_boxes):
            box = tuple(float(v) for v in own_boxes[i])
        else:
            box = _extent(kp)
        if scores is not None:
            score = float(scores[i])
        elif own_scores is not None and i < len(own_scores):
            score = float(np.clip(own_scores[i], 0.0, 1.0))
        else:
            score = float(kp[:, 2].mean()) if len(kp) else 0.0
        poses.append(PersonPose(keypoints=kp, bbox=box, score=score, schema=schema))
    return poses


def _extent(kp: np.ndarray) -> Box:
    finite = np.isfinite(kp[:, :2]).all(axis=1)
    if not finite.any():
        return (0.0, 0.0, 0.0, 0.0)
    (x1, y1), (x2, y2) = kp[finite, :2].min(axis=0), kp[finite, :2].max(axis=0)
    return (float(x1), float(y1), float(x2), float(y2))


class MMPoseTopDown:
    """A :class:`~inference.pose.base.PoseBackend` running an mmpose top-down model.

    Args:
        config: the model's mmpose config (.py).
        checkpoint: its weights (.pth).
        device: torch device, "cpu", "cuda", "cuda:0", ...
        schema: the joints' schema; None reads it off the checkpoint's ``num_keypoints``.
        detector: a backend finding the people; None treats the whole image as one box.

    Raises:
        PoseBackendError: mmpose missing (the message says how to install it or to use
            ONNX), a file missing, or the model failing to load.
    """

    name = "mmpose"

    def __init__(self, config: str | Path, checkpoint: str | Path, device: str = "cpu", *,
                 schema: str | None = None, detector: PoseBackend | None = None) -> None:
        try:
            from mmpose.apis import inference_topdown, init_model
        except ImportError as exc:
            raise PoseBackendError(MMPOSE_MISSING) from exc
        except Exception as exc:  # e.g. mmcv built for another torch, version assertions
            raise PoseBackendError(f"{MMPOSE_MISSING} (mmpose is installed but does not "
                                   f"import: {type(exc).__name__}: {exc})") from exc
        self.config = Path(config)
        self.checkpoint = Path(checkpoint)
        for what, path in (("config", self.config), ("checkpoint", self.checkpoint)):
            if not path.is_file():
                raise PoseBackendError(f"mmpose {what} not found: {path}")
        try:
            self._model = init_model(str(self.config), str(self.checkpoint), device=device)
        except Exception as exc:
            raise PoseBackendError(
                f"mmpose could not build {self.config} with {self.checkpoint} on {device}: "
                f"{type(exc).__name__}: {exc}") from exc
        self._inference_topdown = inference_topdown
        meta = getattr(self._model, "dataset_meta", None) or {}
        count = meta.get("num_keypoints")
        self.schema, self._keep = resolve_schema(
            int(count) if count is not None else None, schema, str(self.checkpoint))
        self.device = device
        self.detector = detector

    def detect(self, image: np.ndarray, timestamp_ms: int | None = None) -> list[PersonPose]:
        """Every person the detector finds (the whole image with no detector), best first."""
        return detect_top_down(image, timestamp_ms, self.detector, self.estimate_many)

    def estimate(self, image: np.ndarray, bbox: Box) -> PersonPose | None:
        return self.estimate_many(image, [bbox])[0]

    def estimate_many(self, image: np.ndarray, boxes: Iterable[Box]) -> list[PersonPose | None]:
        """One pose per box (None where no joint is found), run as one mmpose batch."""
        boxes = [tuple(float(v) for v in b[:4]) for b in boxes]
        if not boxes:
            return []
        if self._model is None:
            raise PoseBackendError("the mmpose backend is closed")
        bgr = np.ascontiguousarray(np.asarray(image)[..., ::-1])  # mmpose expects cv2's BGR
        results = self._inference_topdown(self._model, bgr, np.array(boxes, dtype=np.float32),
                                          bbox_format="xyxy")
        out: list[PersonPose | None] = []
        for box, result in zip(boxes, results):
            poses = poses_from_mmpose(result, self.schema, num_joints=self._keep, bboxes=[box])
            pose = poses[0] if poses else None
            if pose is not None:
                pose = replace(pose, score=float(pose.keypoints[:, 2].mean()))
            out.append(pose if pose is not None and pose.score > 0 else None)
        return out

    def close(self) -> None:
        """Release the model and the detector given at construction. Safe to call twice."""
        self._model = None
        if self.detector is not None:
            detector, self.detector = self.detector, None
            detector.close()
