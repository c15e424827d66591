"""Generated COCO-17 pose sequences of three exercises the action classifier must tell apart:
``curl`` (forearms bend), ``raise`` (straight arms lift sideways) and ``squat`` (knees bend,
arms still). Each clip differs in size, position, tempo, length and noise, as real clips do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import select

from app.datasets import project_io
from app.datasets.records import PoseSequence
from app.project import Project
from app.store.models import Clip

ACTIONS = ("curl", "raise", "squat")
_UP = np.array([0.0, -1.0])


def _limb(root: np.ndarray, angle: np.ndarray, length: float, side: float) -> np.ndarray:
    """Points ``length`` from ``root`` at ``angle`` radians from hanging straight down,
    turned outwards on ``side`` (+1 the image's right, -1 its left)."""
    return root + length * np.stack([side * np.sin(angle), np.cos(angle)], axis=-1)


def exercise(action: str, seed: int, frames: int | None = None) -> np.ndarray:
    """``(T, 17, 3)`` float32 COCO-17 keypoints (confidence 0.9) of one clip of ``action``."""
    rng = np.random.default_rng(seed)
    t = frames or int(rng.integers(40, 70))
    unit = rng.uniform(40, 70)                                  # torso length in pixels
    centre = np.array([rng.uniform(150, 350), rng.uniform(200, 300)])
    phase = 2 * np.pi * rng.uniform(1.5, 3.0) * np.arange(t) / t + rng.uniform(0, 2 * np.pi)
    wave = 0.5 - 0.5 * np.cos(phase)                            # 0 .. 1 .. 0 each repetition
    still = np.zeros(t)
    upper = fore = thigh = still + 0.05
    shin = still - 0.05
    hip_drop = still
    if action == "curl":
        fore = -2.4 * wave                                      # forearm swings up in front
    elif action == "raise":
        upper = fore = 1.5 * wave
    elif action == "squat":
        thigh, shin, hip_drop = 1.2 * wave, -0.6 * wave, 0.5 * wave
    else:
        raise ValueError(f"unknown exercise {action!r}")
    kp = np.zeros((t, 17, 2))
    hips = centre + np.outer(hip_drop * unit, -_UP)
    shoulders = hips + unit * _UP
    for side, (s, e, w, h, k, a) in ((-1, (5, 7, 9, 11, 13, 15)), (1, (6, 8, 10, 12, 14, 16))):
        kp[:, s] = shoulders + [side * 0.3 * unit, 0]
        kp[:, h] = hips + [side * 0.2 * unit, 0]
        kp[:, e] = _limb(kp[:, s], upper, 0.45 * unit, side)
        kp[:, w] = _limb(kp[:, e], fore if action == "raise" else fore * -side, 0.4 * unit, side)
        kp[:, k] = _limb(kp[:, h], thigh, 0.5 * unit, side)
        kp[:, a] = _limb(kp[:, k], shin, 0.5 * unit, side)
    head = shoulders + 0.35 * unit * _UP
    for j, offset in enumerate(((0, 0), (-0.08, -0.05), (0.08, -0.05), (-0.15, 0), (0.15, 0))):
        kp[:, j] = head + np.array(offset) * unit
    kp += rng.normal(0, 0.01 * unit, kp.shape)
    out = np.concatenate([kp, np.full((t, 17, 1), 0.9)], axis=-1).astype(np.float32)
    out[rng.random((t, 17)) < 0.03, :2] = np.nan                # a few joints the detector missed
    return out


def sequence(name: str, keypoints: np.ndarray, schema: str = "coco17", **labels) -> PoseSequence:
    t, j = keypoints.shape[:2]
    visibility = np.where(np.isfinite(keypoints[..., 0]), 2, 0).astype(np.uint8)
    return PoseSequence(name, schema, keypoints, visibility, np.full((t, 4), np.nan, np.float32),
                        labels={k: v for k, v in labels.items() if v is not None})


def action_project(folder: Path, per_action: int, *, actions=ACTIONS, seed: int = 0, split=None,
                   athletes: int | None = None, extra: list[PoseSequence] = ()) -> Project:
    """A project with ``per_action`` generated clips of each action at 30 fps; ``split``
    (a function of the clip's index within its action, or None) sets splits, and with
    ``athletes`` the clips are spread over that many athletes (clip ``i`` of every action
    by athlete ``i % athletes``)."""
    project = Project.create(folder)
    seqs = [sequence(f"{a}-{i}", exercise(a, seed * 1000 + 100 * n + i), action=a,
                     split=split(i) if split else None)
            for n, a in enumerate(actions) for i in range(per_action)]
    project_io.import_sequences(project, seqs + list(extra), fps=30.0)
    if athletes:
        with project.store.transaction() as tx:
            for row in tx.session.scalars(select(Clip)):
                if "-" in row.name:
                    row.athlete = f"athlete {int(row.name.rsplit('-', 1)[1]) % athletes}"
    return project
