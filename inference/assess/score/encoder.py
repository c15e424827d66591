"""Pose encoder shared by the score models: stage-resampled features to stage tokens.

Small on purpose (about 23k parameters at ``D = 64`` on MPII-16 features) so a library of a
few thousand clips trains on a laptop CPU in minutes.
"""

from __future__ import annotations

import torch
from torch import nn

DEFAULT_DIM = 64
MAX_STAGES = 8


class PoseEncoder(nn.Module):
    """``(B, K, L, F)`` stage-resampled features to stage and frame tokens.

    A per-frame MLP lifts the ``F`` features to ``D``; a residual 1-D convolution over the
    ``L`` frames of each stage adds local motion context (stages are convolved separately,
    so a stage's token never sees a neighbouring stage's frames); a learned stage embedding
    tells tokens which stage they come from (cross-attention between clips needs that); the
    stage token is the mean over its frames.
    """

    def __init__(self, num_features: int, dim: int = DEFAULT_DIM, *, kernel_size: int = 3,
                 dropout: float = 0.1) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd so frames stay aligned, got {kernel_size}")
        self.num_features = num_features
        self.dim = dim
        self.frame_mlp = nn.Sequential(
            nn.Linear(num_features, dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(dim, dim),
        )
        self.temporal = nn.Conv1d(dim, dim, kernel_size, padding=kernel_size // 2)
        self.norm = nn.LayerNorm(dim)
        self.stage_embedding = nn.Parameter(torch.zeros(MAX_STAGES, dim))
        nn.init.normal_(self.stage_embedding, std=0.02)

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``features`` ``(B, K, L, F)`` -> (stage tokens ``(B, K, D)``, frame tokens
        ``(B, K, L, D)``)."""
        if features.dim() != 4 or features.shape[-1] != self.num_features:
            raise ValueError(f"expected (B, K, L, {self.num_features}) features, "
                             f"got {tuple(features.shape)}")
        b, k, length, _ = features.shape
        if k > MAX_STAGES:
            raise ValueError(f"at most {MAX_STAGES} stages are supported, got {k}")
        frames = self.frame_mlp(features)  # (B, K, L, D)
        context = self.temporal(frames.reshape(b * k, length, self.dim).transpose(1, 2))
        frames = frames + nn.functional.gelu(context.transpose(1, 2).reshape(b, k, length, self.dim))
        frames = self.norm(frames + self.stage_embedding[:k, None, :])
        return frames.mean(dim=2), frames
