"""Coarse-to-fine score head (CoFInAl), METHODS.md §3.

The score range ``[y_min, y_max]`` is cut into ``G`` grades of width
``S_C = (y_max - y_min) / G`` and each grade into ``G'`` sub-grades of width
``S_F = S_C / G'``. A clip's true score ``y`` has grade ``g = floor((y - y_min) / S_C)`` and
sub-grade ``j = floor((y - y_min - g S_C) / S_F)`` (both clipped to their last index, so
``y_max`` itself falls in the top grade).

* Coarse: cosine similarity to ``G`` learned grade prototypes, cross entropy on ``g``.
* Fine: cosine similarity to the ``G'`` columns of a **fixed** simplex equiangular tight frame
  ``E = sqrt(G'/(G'-1)) U (I - 11^T/G')`` (``U`` a fixed random orthonormal ``(D, G')``),
  cross entropy on ``j``. Fixing the classifier makes the sub-grade directions maximally
  and equally separated, so the few clips per sub-grade only have to learn the features.
* Score: with ``p`` and ``q`` the coarse and fine probabilities,
  ``s_C = sum_g p_g g`` (soft grade index) and ``s_F = sum_j q_j j + 1/2`` (soft sub-grade
  index, plus a half so a confident prediction lands on the centre of its sub-grade), and
  ``s = s_C S_C + s_F S_F + y_min``. An MSE on ``s`` (in grade widths) is added to the two
  cross entropies so the soft expectations, not only the argmaxes, match the scores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from inference.assess.score.encoder import DEFAULT_DIM, PoseEncoder

DEFAULT_GRADES = 5
DEFAULT_SUBGRADES = 4
# Cosine similarities lie in [-1, 1]; dividing by this makes the softmax able to be confident.
LOGIT_TEMPERATURE = 0.1
REGRESSION_WEIGHT = 1.0


def generic_grade_names(num_grades: int) -> tuple[str, ...]:
    """``("grade 1 (lowest)", "grade 2", ..., "grade G (highest)")``."""
    names = [f"grade {g + 1}" for g in range(num_grades)]
    if num_grades > 1:
        names[0] += " (lowest)"
        names[-1] += " (highest)"
    return tuple(names)


@dataclass(frozen=True)
class GradeScale:
    """The score range cut into grades and sub-grades (see the module doc)."""

    y_min: float
    y_max: float
    num_grades: int = DEFAULT_GRADES
    num_subgrades: int = DEFAULT_SUBGRADES
    names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not (np.isfinite(self.y_min) and np.isfinite(self.y_max) and self.y_max > self.y_min):
            raise ValueError(f"the score range needs y_min < y_max, got [{self.y_min}, {self.y_max}]; "
                             "train on clips whose scores differ")
        if self.num_grades < 1 or self.num_subgrades < 2:
            raise ValueError("need at least 1 grade and 2 sub-grades")
        if self.names is not None and len(self.names) != self.num_grades:
            raise ValueError(f"{self.num_grades} grades need {self.num_grades} names, got {len(self.names)}")

    @property
    def coarse_width(self) -> float:
        """``S_C``."""
        return (self.y_max - self.y_min) / self.num_grades

    @property
    def fine_width(self) -> float:
        """``S_F = S_C / G'``."""
        return self.coarse_width / self.num_subgrades

    def grade_of(self, scores: np.ndarray) -> np.ndarray:
        """Grade index ``g`` of each score (int64, clipped to ``[0, G-1]``)."""
        g = np.floor((np.asarray(scores, np.float64) - self.y_min) / self.coarse_width)
        return np.clip(g, 0, self.num_grades - 1).astype(np.int64)

    def subgrade_of(self, scores: np.ndarray) -> np.ndarray:
        """Sub-grade index ``j`` of each score inside its grade (int64, in ``[0, G'-1]``)."""
        s = np.asarray(scores, np.float64)
        rest = s - self.y_min - self.grade_of(s) * self.coarse_width
        return np.clip(np.floor(rest / self.fine_width), 0, self.num_subgrades - 1).astype(np.int64)

    def name_of(self, grade: int) -> str:
        names = self.names or generic_grade_names(self.num_grades)
        return names[int(grade)]

    def combine(self, soft_grade: torch.Tensor, soft_subgrade: torch.Tensor) -> torch.Tensor:
        """``s = s_C S_C + s_F S_F + y_min`` (``s_F`` already includes the half)."""
        return soft_grade * self.coarse_width + soft_subgrade * self.fine_width + self.y_min


def simplex_etf(dim: int, count: int, seed: int = 0) -> torch.Tensor:
    """``(dim, count)`` simplex equiangular tight frame: unit columns, pairwise inner product
    ``-1/(count-1)``. ``U`` comes from a QR decomposition of a seeded Gaussian matrix."""
    if count < 2 or dim < count:
        raise ValueError(f"a simplex ETF of {count} columns needs 2 <= count <= dim, dim is {dim}")
    generator = torch.Generator().manual_seed(seed)
    u, _ = torch.linalg.qr(torch.randn(dim, count, generator=generator, dtype=torch.float64))
    centred = torch.eye(count, dtype=torch.float64) - torch.full((count, count), 1.0 / count,
                                                                 dtype=torch.float64)
    return (np.sqrt(count / (count - 1)) * u @ centred).float()


@dataclass(frozen=True)
class CoarseFineOutput:
    """``coarse_logits`` ``(B, G)``, ``fine_logits`` ``(B, G')``, ``score`` ``(B,)`` in score
    units, ``soft_grade`` ``(B,)`` (``s_C``)."""

    coarse_logits: torch.Tensor
    fine_logits: torch.Tensor
    score: torch.Tensor
    soft_grade: torch.Tensor


class CoarseFineHead(nn.Module):
    """Clip embedding ``(B, D)`` -> grade and sub-grade logits and the combined score."""

    def __init__(self, dim: int, scale: GradeScale, *, seed: int = 0) -> None:
        super().__init__()
        self.scale = scale
        self.coarse_projection = nn.Linear(dim, dim)
        self.prototypes = nn.Parameter(torch.randn(scale.num_grades, dim) * dim ** -0.5)
        self.fine_projection = nn.Sequential(
            nn.Linear(dim + scale.num_grades, dim), nn.GELU(), nn.Linear(dim, dim))
        # A buffer, not a parameter: the frame stays fixed during training and is saved.
        self.register_buffer("etf", simplex_etf(dim, scale.num_subgrades, seed))

    def forward(self, embedding: torch.Tensor) -> CoarseFineOutput:
        coarse = nn.functional.normalize(self.coarse_projection(embedding), dim=-1)
        coarse_logits = coarse @ nn.functional.normalize(self.prototypes, dim=-1).T / LOGIT_TEMPERATURE
        grade_probs = torch.softmax(coarse_logits, dim=-1)
        fine = self.fine_projection(torch.cat([embedding, grade_probs], dim=-1))
        fine_logits = nn.functional.normalize(fine, dim=-1) @ self.etf / LOGIT_TEMPERATURE
        sub_probs = torch.softmax(fine_logits, dim=-1)
        grades = torch.arange(self.scale.num_grades, dtype=embedding.dtype, device=embedding.device)
        subs = torch.arange(self.scale.num_subgrades, dtype=embedding.dtype, device=embedding.device)
        soft_grade = grade_probs @ grades
        soft_sub = sub_probs @ subs + 0.5
        return CoarseFineOutput(coarse_logits, fine_logits, self.scale.combine(soft_grade, soft_sub),
                                soft_grade)


class CoarseFineScorer(nn.Module):
    """``(B, K, L, F)`` stage-resampled features -> :class:`CoarseFineOutput`.

    The ``K`` stage tokens are concatenated (stage order matters: a poor entry is not a poor
    take-off) and projected to one ``D``-dimensional clip embedding.
    """

    def __init__(self, num_features: int, num_stages: int, scale: GradeScale,
                 dim: int = DEFAULT_DIM, *, dropout: float = 0.1, seed: int = 0) -> None:
        super().__init__()
        self.encoder = PoseEncoder(num_features, dim, dropout=dropout)
        self.pool = nn.Sequential(nn.Linear(num_stages * dim, dim), nn.GELU(), nn.Dropout(dropout))
        self.head = CoarseFineHead(dim, scale, seed=seed)

    def forward(self, features: torch.Tensor) -> CoarseFineOutput:
        stage_tokens = self.encoder(features)[0]
        return self.head(self.pool(stage_tokens.flatten(1)))


def coarse_fine_loss(output: CoarseFineOutput, scores: torch.Tensor, scale: GradeScale) -> torch.Tensor:
    """Coarse + fine cross entropy + :data:`REGRESSION_WEIGHT` x MSE of the score in grade
    widths, for true ``scores`` ``(B,)`` in score units."""
    numpy_scores = scores.detach().cpu().numpy()
    grade = torch.from_numpy(scale.grade_of(numpy_scores)).to(scores.device)
    sub = torch.from_numpy(scale.subgrade_of(numpy_scores)).to(scores.device)
    regression = nn.functional.mse_loss(output.score / scale.coarse_width, scores / scale.coarse_width)
    return (nn.functional.cross_entropy(output.coarse_logits, grade)
            + nn.functional.cross_entropy(output.fine_logits, sub) + REGRESSION_WEIGHT * regression)


def coarse_fine_train_step(features: torch.Tensor, scores: torch.Tensor, scale: GradeScale,
                           optimizer: torch.optim.Optimizer, *, batch_size: int, seed: int,
                           ) -> Callable[[nn.Module, int], float]:
    """A ``train_step(model, epoch)`` for :func:`inference.assess.training.fit` over training
    ``features`` ``(N, K, L, F)`` and ``scores`` ``(N,)`` in score units; the batch order
    comes from ``seed`` and the epoch."""
    def train_step(model: nn.Module, epoch: int) -> float:
        order = torch.from_numpy(np.random.default_rng([seed, epoch]).permutation(len(scores)))
        model.train()
        total = 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            loss = coarse_fine_loss(model(features[batch]), scores[batch], scale)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        return total / len(order)

    return train_step

