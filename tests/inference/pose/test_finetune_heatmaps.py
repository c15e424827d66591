"""The heatmaps a fine-tune teaches: which landmarks, where their targets peak, and how a model
file says whether its landmarks are read at their heatmap peaks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from inference.pose.blazepose import INPUT_SIZE, LandmarkNet, LandmarkRunner, N_OUTPUT_POINTS
from inference.pose.landmark_finetune import (
    _heatmap_loss, base_model_digest, heatmap_landmarks, load_landmark_model, save_landmark_model,
)
from inference.skeletons import MEDIAPIPE33, MPII16


def test_the_joints_that_are_one_landmark_teach_that_landmarks_heatmap():
    joints, landmarks = heatmap_landmarks("mpii16")
    names = [MPII16.joint_names[j] for j in joints]
    parts = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
    assert sorted(names) == sorted(f"{side}_{part}" for side in ("l", "r") for part in parts)
    # each joint on its own landmark
    assert [MEDIAPIPE33.joint_names[k] for k in landmarks] == [n.replace("l_", "left_").replace("r_", "right_")
                                                                for n in names]


def _gaussian_logits(cx: float, cy: float, size: int = 64, sigma: float = 1.5) -> torch.Tensor:
    cells = torch.arange(size, dtype=torch.float32)
    g = torch.exp(-((cells[None, :] - cx) ** 2 + (cells[:, None] - cy) ** 2) / (2 * sigma ** 2))
    return torch.logit(g.clamp(1e-4, 1 - 1e-4))


def test_a_heatmap_peaking_at_its_label_costs_least():
    """The target of a joint labelled at crop pixel (x, y) peaks at cell (x, y) / cell size,
    the cell convention the heatmaps are read in."""
    joints, landmarks = heatmap_landmarks("mpii16")
    label = np.array([100.0, 60.0])  # crop pixels: cell (25, 15)
    target = torch.zeros(1, 16, 2)
    target[0, joints[0]] = torch.as_tensor(label / INPUT_SIZE)
    mask = torch.zeros(1, 16)
    mask[0, joints[0]] = 1.0

    def loss(shift: float) -> float:
        heatmaps = torch.full((1, N_OUTPUT_POINTS, 64, 64), -10.0)
        heatmaps[0, landmarks[0]] = _gaussian_logits(25 + shift, 15)
        return float(_heatmap_loss(heatmaps, None, target, mask, joints, landmarks, 0.0))

    costs = {shift: loss(shift) for shift in (-1.0, -0.5, 0.0, 0.5, 1.0)}
    assert min(costs, key=costs.get) == 0.0
    assert costs[1.0] > costs[0.5] > costs[0.0]


def test_other_heatmaps_are_kept_to_the_bundled_networks():
    joints, landmarks = heatmap_landmarks("mpii16")
    base = torch.randn(1, N_OUTPUT_POINTS, 64, 64)
    target, mask = torch.full((1, 16, 2), 0.5), torch.zeros(1, 16)  # nothing labelled
    same = _heatmap_loss(base.clone(), base, target, mask, joints, landmarks, 1.0)
    moved = base.clone()
    moved[0, 0] += 3.0  # the nose's heatmap is no joint of the schema's own
    assert float(_heatmap_loss(moved, base, target, mask, joints, landmarks, 1.0)) > float(same)
    moved = base.clone()
    moved[0, landmarks[0]] += 3.0  # a taught heatmap is not held
    assert float(_heatmap_loss(moved, base, target, mask, joints, landmarks, 1.0)) == pytest.approx(float(same))


def test_a_model_file_says_whether_its_landmarks_are_read_at_heatmap_peaks(tmp_path):
    from inference.assess.checkpoint import save_checkpoint
    from inference.pose.landmark_finetune import MODEL_KIND

    net = LandmarkNet()
    assert net.located_by_heatmaps and LandmarkRunner(net).use_heatmaps
    loaded, _ = load_landmark_model(save_landmark_model(tmp_path / "new.pt", net, "mpii16"))
    assert loaded.located_by_heatmaps
    # A file from before heatmaps were fine-tuned: its heatmaps are the bundled network's.
    old = save_checkpoint(tmp_path / "old.pt", kind=MODEL_KIND, schema="mpii16", config={"base": base_model_digest()},
                          state_dict=net.state_dict())
    loaded, _ = load_landmark_model(old)
    assert not loaded.located_by_heatmaps and not LandmarkRunner(loaded).use_heatmaps
