"""MediaPipe's pose graphs behind one interface: an image in, the people found as (33, 3)
arrays of x, y in [0, 1] and confidence. The Tasks API ``PoseLandmarker`` (several people,
image or video mode) or the legacy one-person ``solutions.pose`` graph, with mediapipe's
native log noise kept off stderr. Used by :mod:`inference.pose.mediapipe_backend`.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from inference.pose.base import PoseBackendError
from inference.pose.mediapipe_bundle import SETUP_HINT, mediapipe_model_files

N_JOINTS = 33


# --------------------------------------------------------------------------------------------
# mediapipe's native log noise
# --------------------------------------------------------------------------------------------

# mediapipe 0.10.21 logs through absl before absl::InitializeLog, straight to fd 2, ignoring
# GLOG_minloglevel / TF_CPP_MIN_LOG_LEVEL: each graph start prints half a dozen INFO and
# WARNING lines. They are captured while a graph starts and on its first runs; lines that are
# not known noise (errors above all) are written back to stderr.
_NATIVE_LINE = re.compile(r"^([IWEF])\d{4} \S+\s+\d+ (\S+?):\d+\]")
_NOISY_WARNING_SOURCES = {
    "inference_feedback_manager.cc",
    "landmark_projection_calculator.cc",
    "gl_context_egl.cc",
    "gl_context.cc",
    "task_runner.cc",
}
_NOISE_PREFIXES = (
    "INFO: Created TensorFlow Lite XNNPACK delegate",
    "INFO: Initialized TensorFlow Lite runtime",
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
)


def is_noise(line: str) -> bool:
    if not line.strip() or line.startswith(_NOISE_PREFIXES):
        return True
    m = _NATIVE_LINE.match(line)
    if m is None:
        return False
    level, source = m.groups()
    return level == "I" or (level == "W" and source in _NOISY_WARNING_SOURCES)


@contextlib.contextmanager
def filtered_native_stderr() -> Iterator[None]:
    """Capture fd 2 for the duration; write back every line that is not known noise."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no usable stderr (GUI launcher): nothing to do
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", errors="replace")
            kept = [line for line in text.splitlines() if not is_noise(line)]
            if kept:
                os.write(2, ("\n".join(kept) + "\n").encode())


# --------------------------------------------------------------------------------------------
# Model runners: normalised landmarks in, (people, 33, 3) arrays of x, y in [0, 1] and confidence
# --------------------------------------------------------------------------------------------

# Keep filtering native stderr on a graph's first runs until it has found someone (some
# warnings are printed the first time landmarks are computed), at most this many runs.
_QUIET_RUNS = 50


def _optional(landmark: Any, field: str) -> float | None:
    """A landmark's field, None when unset: the Tasks API gives dataclasses with Optional
    fields; the legacy API gives protobuf messages, where an unset field reads 0."""
    if hasattr(landmark, "HasField"):
        return getattr(landmark, field) if landmark.HasField(field) else None
    return getattr(landmark, field, None)


def _landmark_array(landmarks: Any) -> np.ndarray:
    out = np.empty((N_JOINTS, 3), dtype=np.float64)
    for i, lm in enumerate(landmarks):
        visibility = _optional(lm, "visibility")
        presence = _optional(lm, "presence")
        conf = (1.0 if visibility is None else visibility) * (1.0 if presence is None else presence)
        out[i] = (lm.x, lm.y, conf)
    out[:, 2] = np.clip(np.nan_to_num(out[:, 2], nan=0.0), 0.0, 1.0)
    return out


class TasksRunner:
    """A Tasks API PoseLandmarker in IMAGE or VIDEO running mode."""

    def __init__(self, mp: Any, bundle: Path, video: bool, num_poses: int, min_conf: float):
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp
        self.video = video
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(bundle)),
            running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
            num_poses=num_poses,
            min_pose_detection_confidence=min_conf,
            min_pose_presence_confidence=min_conf,
            min_tracking_confidence=min_conf,
        )
        with filtered_native_stderr():
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
        self._quiet_runs = _QUIET_RUNS

    def run(self, rgb: np.ndarray, timestamp_ms: int = 0) -> list[np.ndarray]:
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        quiet = filtered_native_stderr() if self._quiet_runs > 0 else contextlib.nullcontext()
        with quiet:
            if self.video:
                result = self._landmarker.detect_for_video(image, int(timestamp_ms))
            else:
                result = self._landmarker.detect(image)
        people = [_landmark_array(p) for p in result.pose_landmarks]
        if self._quiet_runs > 0:
            self._quiet_runs = 0 if people else self._quiet_runs - 1
        return people

    def close(self) -> None:
        self._landmarker.close()


class LegacyRunner:
    """mediapipe.solutions.pose: one person, model_complexity=1 (the model in the wheel)."""

    def __init__(self, mp: Any, video: bool, min_conf: float):
        self.video = video
        with filtered_native_stderr():
            self._pose = mp.solutions.pose.Pose(
                static_image_mode=not video,
                model_complexity=1,
                smooth_landmarks=True,
                enable_segmentation=False,
                min_detection_confidence=min_conf,
                min_tracking_confidence=min_conf,
            )
        self._quiet_runs = _QUIET_RUNS

    def run(self, rgb: np.ndarray, timestamp_ms: int = 0) -> list[np.ndarray]:
        # The legacy graph keeps its own clock; timestamp_ms is not needed.
        quiet = filtered_native_stderr() if self._quiet_runs > 0 else contextlib.nullcontext()
        with quiet:
            result = self._pose.process(rgb)
        if result.pose_landmarks is None:
            people = []
        else:
            people = [_landmark_array(result.pose_landmarks.landmark)]
        if self._quiet_runs > 0:
            self._quiet_runs = 0 if people else self._quiet_runs - 1
        return people

    def close(self) -> None:
        self._pose.close()


def import_mediapipe() -> Any:
    mediapipe_model_files()  # a clear error when the package or its models are missing
    try:
        with filtered_native_stderr():
            import mediapipe as mp
    except Exception as exc:
        raise PoseBackendError(f"mediapipe cannot be imported ({exc}). {SETUP_HINT}") from exc
    return mp
