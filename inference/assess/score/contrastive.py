"""Exemplar contrastive regression (CoRe -> TSA -> HP-MCoRe), METHODS.md §3.

The model never predicts a score outright: it predicts how much better or worse the query is
than an exemplar whose score is known, stage by stage, ``S_q = S_e + sum_k lambda_k Delta_k``
with ``lambda = softmax(w)`` learned. At inference it votes over several exemplars of the
same action; the spread of the votes says how sure it is.

Scores are handled standardised (minus the training mean, over the training standard
deviation); :mod:`~inference.assess.score.model` converts back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from inference.assess.score.encoder import DEFAULT_DIM, PoseEncoder

DEFAULT_EXEMPLARS = 10
ATTENTION_HEADS = 4
DEFAULT_TEMPERATURE = 0.1
DEFAULT_CONTRASTIVE_WEIGHT = 0.1
SOURCE_SAME_ACTION = "same action"
SOURCE_NEAREST_DIFFICULTY = "nearest difficulty"
SOURCE_ANY = "any training clip"


class ExemplarScorer(nn.Module):
    """Predicts the standardised score difference query - exemplar from their features."""

    def __init__(self, num_features: int, num_stages: int, dim: int = DEFAULT_DIM, *,
                 heads: int = ATTENTION_HEADS, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = PoseEncoder(num_features, dim, dropout=dropout)
        self.attention = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm_attended = nn.LayerNorm(dim)
        self.feed_forward = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.norm_out = nn.LayerNorm(dim)
        self.stage_head = nn.Sequential(nn.Linear(2 * dim, dim), nn.GELU(), nn.Linear(dim, 1))
        self.stage_logits = nn.Parameter(torch.zeros(num_stages))

    def stage_weights(self) -> torch.Tensor:
        """``(K,)`` the normalised stage weights ``lambda``."""
        return torch.softmax(self.stage_logits, dim=0)

    def encode(self, features: torch.Tensor) -> torch.Tensor:
        """``(B, K, L, F)`` features -> ``(B, K, D)`` stage tokens."""
        return self.encoder(features)[0]

    def difference(self, query: torch.Tensor, exemplar: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Stage tokens ``(B, K, D)`` of query and exemplar -> (``(B,)`` weighted difference,
        ``(B, K)`` per-stage differences ``Delta_k``).

        Query stage ``k`` attends to all ``K`` exemplar stage tokens (the stage embedding
        lets it find its own stage and still use the others, e.g. a late entry explained by
        a slow take-off); the head also sees ``q_k - e_k`` directly, the plain contrast.
        """
        attended, _ = self.attention(query, exemplar, exemplar, need_weights=False)
        x = self.norm_attended(query + attended)
        x = self.norm_out(x + self.feed_forward(x))
        stage_deltas = self.stage_head(torch.cat([x, query - exemplar], dim=-1)).squeeze(-1)
        return (stage_deltas * self.stage_weights()).sum(dim=-1), stage_deltas


def stage_contrastive_loss(query: torch.Tensor, exemplar: torch.Tensor,
                           temperature: float = DEFAULT_TEMPERATURE) -> torch.Tensor:
    """InfoNCE over stage tokens ``(B, K, D)`` of paired clips.

    For each of the ``2K`` tokens of a pair the positive is the same stage of the other clip;
    the negatives are the other stages of either clip. Cosine similarity over ``temperature``.
    """
    b, k, _ = query.shape
    tokens = nn.functional.normalize(torch.cat([query, exemplar], dim=1), dim=-1)  # (B, 2K, D)
    logits = tokens @ tokens.transpose(1, 2) / temperature
    self_mask = torch.eye(2 * k, dtype=torch.bool, device=query.device)
    logits = logits.masked_fill(self_mask, float("-inf"))
    target = torch.cat([torch.arange(k, 2 * k), torch.arange(0, k)]).to(query.device)
    return nn.functional.cross_entropy(logits.reshape(b * 2 * k, 2 * k), target.repeat(b))


def pair_exemplars(actions: Sequence[str | None], rng: np.random.Generator) -> np.ndarray:
    """``(N,)`` an exemplar index for each of ``N`` training clips: another clip of the same
    action where there is one, else any other clip."""
    n = len(actions)
    if n < 2:
        raise ValueError("exemplar pairs need at least two training clips")
    by_action: dict[str | None, list[int]] = {}
    for i, action in enumerate(actions):
        by_action.setdefault(action, []).append(i)
    everyone = list(range(n))
    position = {i: p for pool in by_action.values() for p, i in enumerate(pool)}
    partners = np.empty(n, dtype=np.int64)
    for i, action in enumerate(actions):
        own = action is not None and len(by_action[action]) > 1
        pool, here = (by_action[action], position[i]) if own else (everyone, i)
        pick = int(rng.integers(len(pool) - 1))
        partners[i] = pool[pick + 1 if pick >= here else pick]  # skips the clip itself
    return partners


@dataclass(frozen=True)
class ExemplarBank:
    """The training clips the contrastive model compares against.

    Attributes:
        features: ``(N, K, L, F)`` float16 standardised stage-resampled features.
        keys: ``(N,)`` clip keys.
        scores: ``(N,)`` float64 expert scores.
        actions: ``(N,)`` action names (None where unknown).
        difficulties: ``(N,)`` float64 degrees of difficulty, NaN where unknown.
    """

    features: np.ndarray
    keys: tuple[str, ...]
    scores: np.ndarray
    actions: tuple[str | None, ...]
    difficulties: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)


def _spread_by_score(indices: Sequence[int], scores: np.ndarray, count: int) -> list[int]:
    """``count`` of ``indices`` evenly spaced over their score order (covers the range)."""
    ordered = sorted(indices, key=lambda i: (scores[i], i))
    if len(ordered) <= count:
        return ordered
    return [ordered[int(round(p))] for p in np.linspace(0, len(ordered) - 1, count)]


def choose_exemplars(bank: ExemplarBank, action: str | None, difficulty: float | None,
                     count: int = DEFAULT_EXEMPLARS, *, exclude_key: str | None = None,
                     ) -> tuple[list[int], str]:
    """Bank indices of up to ``count`` exemplars for a query, and where they came from.

    Clips of the same action first (spread over their score range); when there are fewer
    than ``count``, the clips of nearest difficulty, then any training clips. The second
    value names the sources used, e.g. ``"same action + nearest difficulty"``. A bank clip
    with ``exclude_key`` (the query itself) is never its own exemplar.
    """
    pool = [i for i in range(len(bank)) if bank.keys[i] != exclude_key]
    if not pool:
        raise ValueError("the exemplar bank holds no clip other than the query")
    same = [i for i in pool if action is not None and bank.actions[i] == action]
    chosen = _spread_by_score(same, bank.scores, count)
    sources = [SOURCE_SAME_ACTION] if chosen else []
    taken = set(chosen)
    rest = [i for i in pool if i not in taken]
    if len(chosen) < count and difficulty is not None and np.isfinite(difficulty):
        rated = [i for i in rest if np.isfinite(bank.difficulties[i])]
        rated.sort(key=lambda i: (abs(bank.difficulties[i] - difficulty), i))
        extra = rated[: count - len(chosen)]
        if extra:
            chosen += extra
            sources.append(SOURCE_NEAREST_DIFFICULTY)
            taken.update(extra)
            rest = [i for i in rest if i not in taken]
    if len(chosen) < count and rest:
        chosen += _spread_by_score(rest, bank.scores, count - len(chosen))
        sources.append(SOURCE_ANY)
    return chosen, " + ".join(sources)


@torch.no_grad()
def exemplar_votes(scorer: ExemplarScorer, query_tokens: torch.Tensor, bank_tokens: torch.Tensor,
                   bank_scores: torch.Tensor, exemplars: Sequence[Sequence[int]]) -> list[np.ndarray]:
    """Standardised votes ``S_e + Delta`` of each query against its exemplars.

    ``query_tokens`` ``(Q, K, D)``, ``bank_tokens`` ``(N, K, D)``, ``bank_scores`` ``(N,)``
    standardised, ``exemplars`` one list of bank indices per query. All pairs go through the
    decoder as one batch. Returns ``Q`` float64 arrays of votes.
    """
    query_index = torch.tensor([q for q, idx in enumerate(exemplars) for _ in idx], dtype=torch.long)
    bank_index = torch.tensor([i for idx in exemplars for i in idx], dtype=torch.long)
    delta, _ = scorer.difference(query_tokens[query_index], bank_tokens[bank_index])
    votes = (bank_scores[bank_index] + delta).double().cpu().numpy()
    bounds = np.cumsum([0] + [len(idx) for idx in exemplars])
    return [votes[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def contrastive_train_step(features: torch.Tensor, scores: torch.Tensor,
                           actions: Sequence[str | None], optimizer: torch.optim.Optimizer, *,
                           batch_size: int, seed: int,
                           contrastive_weight: float = DEFAULT_CONTRASTIVE_WEIGHT,
                           temperature: float = DEFAULT_TEMPERATURE,
                           ) -> Callable[[nn.Module, int], float]:
    """A ``train_step(model, epoch)`` for :func:`inference.assess.training.fit`.

    ``features`` ``(N, K, L, F)`` and standardised ``scores`` ``(N,)`` of the training clips.
    Each epoch every clip is a query once, paired with a fresh exemplar (same action when
    possible); the loss is the MSE of the predicted difference plus ``contrastive_weight``
    times :func:`stage_contrastive_loss`. Pairs and order are drawn from ``seed`` and the
    epoch, so a run is repeatable.
    """
    def train_step(model: nn.Module, epoch: int) -> float:
        rng = np.random.default_rng([seed, epoch])
        partners = torch.from_numpy(pair_exemplars(actions, rng))
        order = torch.from_numpy(rng.permutation(len(actions)))
        model.train()
        total, count = 0.0, 0
        for start in range(0, len(order), batch_size):
            query = order[start:start + batch_size]
            exemplar = partners[query]
            both = model.encode(torch.cat([features[query], features[exemplar]]))
            query_tokens, exemplar_tokens = both[: len(query)], both[len(query):]
            delta, _ = model.difference(query_tokens, exemplar_tokens)
            target = scores[query] - scores[exemplar]
            loss = nn.functional.mse_loss(delta, target)
            if contrastive_weight > 0:
                loss = loss + contrastive_weight * stage_contrastive_loss(
                    query_tokens, exemplar_tokens, temperature)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(query)
            count += len(query)
        return total / count

    return train_step
