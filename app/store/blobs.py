"""Array <-> blob encoding for pose rows (little-endian, shapes implied by the joint count)."""

from __future__ import annotations

import numpy as np

_F32 = np.dtype("<f4")


def encode_keypoints(keypoints: np.ndarray) -> bytes:
    """float (J, 3) -> bytes."""
    return np.ascontiguousarray(keypoints, dtype=_F32).tobytes()


def decode_keypoints(blob: bytes) -> np.ndarray:
    """bytes -> float32 (J, 3), writable."""
    return np.frombuffer(blob, dtype=_F32).reshape(-1, 3).copy()


def encode_flags(values: np.ndarray) -> bytes:
    """uint8 (J,) -> bytes."""
    return np.ascontiguousarray(values, dtype=np.uint8).tobytes()


def decode_flags(blob: bytes) -> np.ndarray:
    """bytes -> uint8 (J,), writable."""
    return np.frombuffer(blob, dtype=np.uint8).copy()
