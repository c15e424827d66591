"""Choosing the torch device: one rule for pose, stage and score models."""

from __future__ import annotations

import torch

DEVICE_NAMES = ("auto", "cpu", "cuda", "mps")


def pick_device(name: str = "auto") -> torch.device:
    """The torch device for ``name``: ``"auto"`` (CUDA if available, else CPU), ``"cpu"``,
    ``"cuda"``/``"cuda:N"`` or ``"mps"``; raises ValueError when it is not available here."""
    requested = name.strip().lower()
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    base, _, index = requested.partition(":")
    if base not in DEVICE_NAMES[1:] or (index and not index.isdigit()):
        raise ValueError(f"unknown device {name!r}; use one of {', '.join(DEVICE_NAMES)} (or cuda:N)")
    if base == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("device 'cuda' asked for but this machine has no usable CUDA GPU; use 'cpu' or 'auto'")
        if index and int(index) >= torch.cuda.device_count():
            raise ValueError(
                f"device {name!r} asked for but only {torch.cuda.device_count()} CUDA GPU(s) are present"
            )
    if base == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device 'mps' asked for but Apple MPS is not available here; use 'cpu' or 'auto'")
    return torch.device(requested)
