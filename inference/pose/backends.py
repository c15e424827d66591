"""Choosing a pose backend by name: an explicit table, so a reader can follow the call."""

from __future__ import annotations

from pathlib import Path

from inference.pose.base import PoseBackend, PoseBackendError

BACKEND_NAMES = ("mediapipe", "onnx", "mmpose")


def checked_device(device: str) -> str:
    """The device name, or PoseBackendError with a one-line reason (e.g. cuda without a GPU)."""
    from inference.devices import pick_device

    try:
        return str(pick_device(device))
    except ValueError as exc:
        raise PoseBackendError(str(exc)) from exc


def make_backend(
    name: str = "mediapipe",
    *,
    model: str | Path | None = None,
    config: str | Path | None = None,
    schema: str | None = None,
    mode: str = "video",
    device: str = "auto",
    landmarks: str = "auto",
) -> PoseBackend:
    """A ready backend. `model` is the .onnx file (onnx) or the checkpoint (mmpose, with `config`).

    device: "auto" (a GPU when there is one), "cpu" or "cuda"; refused at once when absent here,
    before any model is loaded.
    landmarks: mediapipe's final reading network, "auto", "full" or "heavy"
    (:mod:`inference.pose.landmark_models`); checked for every backend, so a typo is not ignored.
    """
    from inference.pose.landmark_models import resolve

    checked_device(device)
    resolve(landmarks)
    if name == "mediapipe":
        from inference.pose.mediapipe_backend import MediaPipePose

        return MediaPipePose(mode=mode, device=device, landmarks=landmarks)
    if name == "onnx":
        if model is None:
            raise PoseBackendError("The onnx backend needs a model file: --model path/to/pose.onnx")
        from inference.pose.mediapipe_backend import MediaPipePose
        from inference.pose.onnx_backend import OnnxTopDown

        # MediaPipe finds the people; the ONNX model refines each person's joints.
        return OnnxTopDown(model, schema=schema, detector=MediaPipePose(mode=mode, upright=False))
    if name == "mmpose":
        if model is None or config is None:
            raise PoseBackendError("The mmpose backend needs --config CONFIG.py and --model CHECKPOINT.pth")
        from inference.pose.mmpose_backend import MMPoseTopDown

        return MMPoseTopDown(config, model, device="cpu" if device == "auto" else device)
    raise PoseBackendError(f"Unknown pose backend {name!r}; choose one of: {', '.join(BACKEND_NAMES)}.")
