"""Bi-GRU stage segmenter (METHODS.md §2): per-frame pose features in, per-frame stages out.

The network labels every frame with a stage; :func:`~inference.assess.stages.decode.
best_transitions` then picks the most probable ordered change points, so a flickering frame
cannot produce stages out of order. Training uses the clips with expert transitions; the
epoch is chosen on validation clips by the mean clip IoU of the decoded stages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from inference.assess.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from inference.assess.features import frame_features
from inference.assess.sample import ClipSample
from inference.assess.stages.aiou import clip_iou, stage_intervals
from inference.assess.stages.decode import best_transitions
from inference.assess.stages.prediction import StagePrediction, one_hot_stages
from inference.assess.training import (
    EpochReport,
    TrainConfig,
    fit,
    iterate_minibatches,
    pick_device,
    seed_everything,
)

MIN_TRAIN_CLIPS = 8
CHECKPOINT_KIND = "stages"
_VAL_SHARE = 0.2


class StageSegmenter(nn.Module):
    """Standardise, project, bidirectional GRU, per-frame stage classifier.

    Args:
        num_features: ``F``, the width of the per-frame features.
        num_stages: ``K``.
        hidden: GRU hidden size per direction.
        layers: number of stacked GRU layers.
        projection: width of the linear projection in front of the GRU.
        dropout: dropout on the projected features and between GRU layers.
    """

    def __init__(self, num_features: int, num_stages: int, *, hidden: int = 64,
                 layers: int = 1, projection: int = 64, dropout: float = 0.1) -> None:
        super().__init__()
        if num_features < 1 or num_stages < 1:
            raise ValueError(f"need at least one feature and one stage, got "
                             f"{num_features} and {num_stages}")
        # Standardisation travels with the weights, so a loaded model needs no side file.
        self.register_buffer("feature_mean", torch.zeros(num_features))
        self.register_buffer("feature_std", torch.ones(num_features))
        self.project = nn.Sequential(nn.Linear(num_features, projection), nn.ReLU(), nn.Dropout(dropout))
        self.gru = nn.GRU(projection, hidden, num_layers=layers, batch_first=True,
                          bidirectional=True, dropout=dropout if layers > 1 else 0.0)
        self.classify = nn.Linear(2 * hidden, num_stages)

    def forward(self, features: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Per-frame stage logits.

        Args:
            features: ``(B, T, F)`` raw per-frame features, zero-padded after each clip's end.
            lengths: ``(B,)`` int64 number of real frames per clip (CPU); None = all ``T``.

        Returns:
            ``(B, T, K)`` logits; rows beyond a clip's length are meaningless.
        """
        x = self.project((features - self.feature_mean) / self.feature_std)
        total = x.shape[1]
        if lengths is None:
            out, _ = self.gru(x)
        else:
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, _ = self.gru(packed)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=total)
        return self.classify(out)


def masked_stage_loss(logits: torch.Tensor, stages: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Per-frame cross entropy, weighted by frame confidence.

    Args:
        logits: ``(B, T, K)``.
        stages: ``(B, T)`` int64 true stage per frame.
        weights: ``(B, T)`` float frame weights, 0 on padding.

    Returns:
        Scalar: the weighted mean cross entropy over the frames with weight.
    """
    per_frame = nn.functional.cross_entropy(logits.transpose(1, 2), stages, reduction="none")
    return (per_frame * weights).sum() / weights.sum().clamp_min(1e-6)


@dataclass(frozen=True)
class _Clip:
    """One labelled clip's tensors: ``features`` ``(T, F)``, ``stages`` ``(T,)``, ``weights``
    ``(T,)`` and the expert ``transitions``."""

    features: np.ndarray
    stages: np.ndarray
    weights: np.ndarray
    transitions: tuple[int, ...]


def clip_features(sample: ClipSample,
                  num_stages: int) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """``(T, F)`` features, ``(T,)`` frame weights and feature names of a clip.

    Raises:
        ValueError: fewer frames than stages, or no usable joints (see ``frame_features``).
    """
    if sample.num_frames < num_stages:
        raise ValueError(f"clip {sample.key!r} has {sample.num_frames} frames; finding "
                         f"{num_stages} stages needs at least {num_stages}")
    if not np.isfinite(np.asarray(sample.keypoints)[..., :2]).any():
        raise ValueError(f"clip {sample.key!r} has no pose in any frame; run pose estimation "
                         f"or label poses before finding stages")
    feats = frame_features(sample.keypoints, sample.schema, fps=sample.fps)
    return feats.values, feats.weights, feats.names


def _batch(clips: Sequence[_Clip], device: torch.device) -> tuple[torch.Tensor, ...]:
    lengths = torch.tensor([c.features.shape[0] for c in clips], dtype=torch.int64)
    total, width = int(lengths.max()), clips[0].features.shape[1]
    features = np.zeros((len(clips), total, width), np.float32)
    stages = np.zeros((len(clips), total), np.int64)
    weights = np.zeros((len(clips), total), np.float32)
    for i, c in enumerate(clips):
        n = c.features.shape[0]
        features[i, :n], stages[i, :n], weights[i, :n] = c.features, c.stages, c.weights
    return (torch.from_numpy(features).to(device), lengths, torch.from_numpy(stages).to(device),
            torch.from_numpy(weights).to(device))


@dataclass
class TrainedSegmenter:
    """A segmenter with what it needs to be used again.

    Attributes:
        model: the network, in eval mode.
        schema: the skeleton it was trained on; clips must use the same one.
        stage_names: the ``K`` stages it finds.
        feature_names: the ``F`` per-frame features it reads, in order.
        hyper: ``hidden``, ``layers`` and ``projection``, to rebuild the network.
        best_epoch: the epoch kept (chosen on validation clips).
        best_val: that epoch's mean validation clip IoU.
    """

    model: StageSegmenter
    schema: str
    stage_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    hyper: dict
    best_epoch: int = -1
    best_val: float = float("nan")

    def stage_probabilities(self, sample: ClipSample) -> np.ndarray:
        """``(T, K)`` float32 per-frame stage probabilities of one clip.

        Raises:
            ValueError: a clip of another skeleton, features that differ from the ones the
                model was trained on, or a clip the features cannot be computed for.
        """
        if sample.schema != self.schema:
            raise ValueError(f"this stage model was trained on {self.schema} poses, clip "
                             f"{sample.key!r} has {sample.schema}; convert the poses or train "
                             f"a model for {sample.schema}")
        values, _, names = clip_features(sample, len(self.stage_names))
        if names != self.feature_names:
            raise ValueError("the pose features have changed since this stage model was trained; "
                             "retrain the stage model")
        device = next(self.model.parameters()).device
        self.model.eval()
        with torch.no_grad():
            logits = self.model(torch.from_numpy(values)[None].to(device))[0]
        return torch.softmax(logits.double(), dim=-1).cpu().numpy().astype(np.float32)

    def predict(self, sample: ClipSample) -> StagePrediction:
        """Stages of one clip: the most probable ordered change points (see module doc)."""
        probs = self.stage_probabilities(sample)
        log_probs = np.log(np.clip(probs.astype(np.float64), 1e-12, 1.0))
        transitions = best_transitions(log_probs)
        confidence = float(probs.max(axis=1).mean())
        return StagePrediction(transitions, self.stage_names, probs, confidence)

    def save(self, path: str | Path) -> None:
        """Write the model file (atomic; see :mod:`inference.assess.checkpoint`)."""
        config = {"stage_names": list(self.stage_names), "feature_names": list(self.feature_names),
                  "num_features": len(self.feature_names), **self.hyper}
        state = {k: v.detach().cpu() for k, v in self.model.state_dict().items()}
        save_checkpoint(path, kind=CHECKPOINT_KIND, schema=self.schema, config=config,
                        state_dict=state, extra={"best_epoch": self.best_epoch,
                                                 "best_val_clip_iou": self.best_val})


def load_segmenter(path: str | Path, schema: str | None) -> TrainedSegmenter:
    """Load a stage model written by :meth:`TrainedSegmenter.save`, on the CPU.

    Raises:
        CheckpointError: missing or corrupt file, another kind of model, or a model trained
            on another skeleton than ``schema`` (None accepts any).
    """
    ckpt = load_checkpoint(path, kind=CHECKPOINT_KIND, schema=schema)
    config = dict(ckpt.config)
    try:
        stage_names = tuple(config.pop("stage_names"))
        feature_names = tuple(config.pop("feature_names"))
        num_features = int(config.pop("num_features"))
        model = StageSegmenter(num_features, len(stage_names), **config)
        model.load_state_dict(ckpt.state_dict)
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{path} is not a usable stage model ({error}); train the stage "
                              f"model again") from None
    model.eval()
    extra = ckpt.extra or {}
    return TrainedSegmenter(model, ckpt.schema, stage_names, feature_names, config,
                            int(extra.get("best_epoch", -1)),
                            float(extra.get("best_val_clip_iou", float("nan"))))


def _labelled_clip(sample: ClipSample, num_stages: int) -> _Clip:
    values, weights, _ = clip_features(sample, num_stages)
    transitions = tuple(int(t) for t in sample.transitions)
    try:
        stage_intervals(transitions, sample.num_frames)
    except ValueError as error:
        raise ValueError(f"clip {sample.key!r}: {error}; fix its stage marks") from None
    stages = one_hot_stages(transitions, sample.num_frames, num_stages).argmax(axis=1)
    return _Clip(values, stages.astype(np.int64), weights, transitions)


def _split(samples: Sequence[ClipSample], seed: int) -> tuple[list[ClipSample], list[ClipSample]]:
    train = [s for s in samples if s.split in ("train", None)]
    val = [s for s in samples if s.split == "val"]
    if not val:
        order = np.random.default_rng(seed).permutation(len(train))
        n_val = max(1, int(round(_VAL_SHARE * len(train))))
        val = [train[i] for i in sorted(order[:n_val])]
        train = [train[i] for i in sorted(order[n_val:])]
    return train, val


def train_segmenter(
    samples: Sequence[ClipSample],
    *,
    stage_names: Sequence[str],
    config: TrainConfig,
    hidden: int = 64,
    layers: int = 1,
    projection: int = 64,
    progress: Callable[[EpochReport], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> TrainedSegmenter:
    """Train a :class:`StageSegmenter` on the clips with expert transitions.

    Clips of split ``"train"`` (or None) train it; clips of split ``"val"`` choose the epoch
    (mean clip IoU of the decoded stages); without any, a seeded 20 % of the training clips
    is held out instead. Test clips are never seen.

    Raises:
        ValueError: fewer than :data:`MIN_TRAIN_CLIPS` usable labelled clips, clips of
            several skeletons, or a clip whose features cannot be computed.
        Cancelled: ``cancelled()`` returned True (see :func:`inference.assess.training.fit`).
    """
    stage_names = tuple(stage_names)
    num_stages = len(stage_names)
    if num_stages < 2:
        raise ValueError(f"stage training needs at least 2 stages, got {stage_names}")
    usable = [s for s in samples if s.transitions is not None and s.split != "test"
              and tuple(s.stage_names) == stage_names and len(s.transitions) == num_stages - 1]
    if len(usable) < MIN_TRAIN_CLIPS:
        raise ValueError(f"stage training needs at least {MIN_TRAIN_CLIPS} clips with expert "
                         f"stages; the project has {len(usable)} (test clips are held out); "
                         f"mark the stage transitions of {MIN_TRAIN_CLIPS - len(usable)} more")
    schemas = sorted({s.schema for s in usable})
    if len(schemas) != 1:
        raise ValueError(f"the labelled clips use several skeletons ({', '.join(schemas)}); "
                         f"convert them to one before training stages")
    train_samples, val_samples = _split(usable, config.seed)
    train = [_labelled_clip(s, num_stages) for s in train_samples]
    val = [_labelled_clip(s, num_stages) for s in val_samples]
    feature_names = clip_features(usable[0], num_stages)[2]

    seed_everything(config.seed)
    device = pick_device(config.device)
    hyper = {"hidden": hidden, "layers": layers, "projection": projection}
    model = StageSegmenter(len(feature_names), num_stages, **hyper)
    stacked = np.concatenate([c.features for c in train], axis=0)
    model.feature_mean.copy_(torch.from_numpy(stacked.mean(axis=0)))
    # Constant features (a joint never seen) would divide by zero.
    model.feature_std.copy_(torch.from_numpy(np.maximum(stacked.std(axis=0), 1e-3)))
    model.to(device)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    order_rng = np.random.default_rng(config.seed)

    def train_step(net: nn.Module, epoch: int) -> float:
        net.train()
        losses, frames = 0.0, 0
        for indices in iterate_minibatches(len(train), config.batch_size, order_rng):
            batch = [train[i] for i in indices]
            features, lengths, stages, weights = _batch(batch, device)
            loss = masked_stage_loss(net(features, lengths), stages, weights)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            n = int(lengths.sum())
            losses, frames = losses + float(loss.detach()) * n, frames + n
        return losses / frames

    def validate(net: nn.Module) -> float:
        net.eval()
        features, lengths, _, _ = _batch(val, device)
        with torch.no_grad():
            log_probs = torch.log_softmax(net(features, lengths).double(), dim=-1).cpu().numpy()
        ious = [clip_iou(best_transitions(log_probs[i, :n]), clip.transitions, n)
                for i, (clip, n) in enumerate(zip(val, lengths.tolist()))]
        return float(np.mean(ious))

    result = fit(model, train_step, validate, config, higher_is_better=True,
                 progress=progress, cancelled=cancelled)
    model.eval()
    return TrainedSegmenter(model, schemas[0], stage_names, feature_names, hyper,
                            result.best_epoch, result.best_val)
