"""A learned action classifier for any sport: which labelled action a clip's poses show.

Each of the five body parts (:data:`inference.action.motion.PARTS`) has its own small 1-D
temporal convolution over its joints' coordinates and velocities, pooled over the posed
steps only (mean and max, so both a sustained posture and a brief peak count); the five
part summaries are fused and a linear head gives one logit per action. Parts are kept
apart until the fusion so that "the left arm curls while the legs stay still" is something
the model can say with few clips, where one convolution over all joints would have to learn
that grouping from data.

Training augments every clip every epoch (mirror with left/right swapped, time stretch and
crop, small turn and scale): action libraries are small, and a bicep curl is one whichever
arm, camera side or tempo. The epoch is chosen on validation clips (balanced accuracy, the
validation loss breaking ties); prediction averages the clip and its mirror image.

About 90k parameters on OpenPose-18: a hundred clips train in seconds on one CPU core.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from inference.action.motion import (CHANNELS, PARTS, STEPS, Jitter, Trajectory, body_parts, clip_input,
                                     random_jitter, too_few_posed, trajectory)
from inference.assess.checkpoint import load_checkpoint, save_checkpoint
from inference.assess.sample import ClipSample
from inference.assess.training import (EpochReport, TrainConfig, fit, iterate_minibatches, pick_device,
                                       seed_everything)
from inference.skeletons import get_skeleton

KIND = "action-classifier"
PART_DIM = 32
LABEL_SMOOTHING = 0.1
MIN_STEPS_PER_EPOCH = 8


class PartEncoder(nn.Module):
    """``(B, STEPS, C)`` one part's channels and ``(B, STEPS)`` mask -> ``(B, 2 * dim)``
    (masked mean and max over time of a three-layer temporal convolution)."""

    def __init__(self, channels: int, dim: int = PART_DIM) -> None:
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv1d(channels, dim, 5, padding=2), nn.GELU(),
            nn.Conv1d(dim, dim, 5, padding=4, dilation=2), nn.GELU(),
            nn.Conv1d(dim, dim, 5, padding=8, dilation=4), nn.GELU(),
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.convs(x.transpose(1, 2))                 # (B, dim, STEPS)
        m = mask[:, None, :]
        mean = (h * m).sum(-1) / m.sum(-1).clamp(min=1.0)
        peak = h.masked_fill(m == 0, -1e4).amax(-1)
        return torch.cat([mean, peak], dim=1)


class ActionNet(nn.Module):
    """``(B, STEPS, J, CHANNELS)`` inputs and ``(B, STEPS)`` masks -> ``(B, classes)`` logits."""

    def __init__(self, parts: Sequence[Sequence[int]], num_classes: int, dim: int = PART_DIM,
                 dropout: float = 0.2) -> None:
        super().__init__()
        self.parts = [list(p) for p in parts]
        self.encoders = nn.ModuleList(PartEncoder(len(p) * CHANNELS, dim) for p in self.parts)
        self.fuse = nn.Sequential(nn.Linear(2 * dim * len(self.parts), 2 * dim), nn.GELU(), nn.Dropout(dropout))
        self.head = nn.Linear(2 * dim, num_classes)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b = x.shape[0]
        pooled = [enc(x[:, :, joints].reshape(b, STEPS, -1), mask) for enc, joints in zip(self.encoders, self.parts)]
        return self.head(self.fuse(torch.cat(pooled, dim=1)))


@dataclass(frozen=True)
class ActionPrediction:
    """One clip's answer: ``probabilities`` over the classifier's classes (None when the clip
    has too few posed frames, ``unsure`` then saying so)."""

    probabilities: np.ndarray | None
    unsure: str | None = None


@dataclass
class ActionClassifier:
    """A trained classifier: the ``classes`` (action names) it tells apart, for ``schema``."""

    schema: str
    classes: tuple[str, ...]
    network: ActionNet
    info: dict = field(default_factory=dict)

    def predict(self, samples: Sequence[ClipSample]) -> list[ActionPrediction]:
        """One :class:`ActionPrediction` per clip, the clip and its mirror image averaged."""
        out: list[ActionPrediction | None] = []
        tracks: list[tuple[int, Trajectory]] = []
        for i, sample in enumerate(samples):
            if sample.schema != self.schema:
                raise ValueError(f"clip {sample.key!r} has {sample.schema!r} poses but the action classifier "
                                 f"was trained on {self.schema!r}")
            try:
                track = trajectory(sample.keypoints, sample.schema, sample.fps)
            except ValueError as exc:
                out.append(ActionPrediction(None, str(exc)))
                continue
            why = too_few_posed(track)
            out.append(ActionPrediction(None, why) if why else None)
            if why is None:
                tracks.append((i, track))
        if tracks:
            flip = get_skeleton(self.schema).flip_indices
            x, mask = _batch([t for _, t in tracks], flip)
            xm, _ = _batch([t for _, t in tracks], flip, mirror=True)
            self.network.eval()
            with torch.no_grad():
                probs = (self.network(x, mask).softmax(-1) + self.network(xm, mask).softmax(-1)) / 2
            for (i, _), p in zip(tracks, probs.numpy().astype(np.float64)):
                out[i] = ActionPrediction(p)
        return out  # type: ignore[return-value]

    def save(self, path: str | Path, extra: dict | None = None) -> Path:
        return save_checkpoint(path, kind=KIND, schema=self.schema,
                               config={"classes": list(self.classes), "dim": PART_DIM, "steps": STEPS,
                                       "info": self.info},
                               state_dict=self.network.state_dict(), extra=extra or {})


def load_action_classifier(path: str | Path, schema: str | None = None) -> tuple[ActionClassifier, dict]:
    """The classifier in ``path`` (trained on ``schema`` unless None) and the file's extras.

    Raises:
        inference.assess.checkpoint.CheckpointError: missing, damaged, another kind of model,
            or trained on another skeleton.
    """
    checkpoint = load_checkpoint(path, kind=KIND, schema=schema)
    config = checkpoint.config
    network = ActionNet(body_parts(checkpoint.schema), len(config["classes"]), int(config["dim"]))
    network.load_state_dict(checkpoint.state_dict)
    network.eval()
    return ActionClassifier(checkpoint.schema, tuple(config["classes"]), network, dict(config["info"])), \
        checkpoint.extra


def _batch(tracks: Sequence[Trajectory], flip: tuple[int, ...], *, mirror: bool = False,
           rng: np.random.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    pairs = [clip_input(t, flip, random_jitter(rng) if rng is not None else Jitter(mirror=mirror))
             for t in tracks]
    return torch.from_numpy(np.stack([p[0] for p in pairs])), torch.from_numpy(np.stack([p[1] for p in pairs]))


def _tracks(samples: Sequence[ClipSample], schema: str, role: str) -> list[Trajectory]:
    tracks = []
    for sample in samples:
        if sample.schema != schema:
            raise ValueError(f"clip {sample.key!r} has {sample.schema!r} poses but the others have {schema!r}; "
                             "train one action classifier per skeleton")
        try:
            track = trajectory(sample.keypoints, sample.schema, sample.fps)
        except ValueError as exc:
            raise ValueError(f"{role} clip {sample.key!r}: {exc}") from None
        why = too_few_posed(track)
        if why:
            raise ValueError(f"{role} clip {sample.key!r}: {why}")
        tracks.append(track)
    return tracks


def balanced_accuracy(predicted: np.ndarray, truth: np.ndarray, num_classes: int) -> float:
    """Mean recall over the classes present in ``truth``."""
    recalls = [float((predicted[truth == c] == c).mean()) for c in range(num_classes) if (truth == c).any()]
    return float(np.mean(recalls)) if recalls else float("nan")


def train_action_classifier(train: Sequence[ClipSample], val: Sequence[ClipSample], *, config: TrainConfig,
                            progress: Callable[[EpochReport], None] | None = None,
                            cancelled: Callable[[], bool] | None = None) -> ActionClassifier:
    """Train on ``train`` (each with an ``action``), choosing the epoch on ``val``.

    Every clip must have at least :data:`~inference.action.motion.MIN_POSED_FRAMES` posed
    frames (the caller leaves the others out and says why). The classes are the sorted
    actions of ``train``; a validation clip of another action is left out of the measure.
    The result depends only on the clips and ``config`` (on CPU).

    Raises:
        ValueError: fewer than two actions, clips of mixed skeletons or without enough poses.
        inference.assess.training.Cancelled: ``cancelled()`` turned true.
    """
    classes = tuple(sorted({s.action for s in train if s.action}))
    if len(classes) < 2 or any(not s.action for s in train):
        raise ValueError("an action classifier needs training clips of at least two actions, every one labelled")
    if not val:
        raise ValueError("an action classifier needs validation clips to choose its epoch")
    schema = train[0].schema
    train_tracks, val_tracks = _tracks(train, schema, "training"), _tracks(val, schema, "validation")
    index = {name: i for i, name in enumerate(classes)}
    labels = torch.tensor([index[s.action] for s in train])
    val_truth = np.array([index.get(s.action, -1) for s in val])
    counts = np.bincount(labels.numpy(), minlength=len(classes)).astype(np.float32)
    # Rare actions weigh as much as common ones: the majority class is what an unbalanced
    # library would otherwise teach.
    class_weight = torch.from_numpy(counts.sum() / (len(classes) * counts))
    device = pick_device(config.device)
    seed_everything(config.seed)
    flip = get_skeleton(schema).flip_indices
    network = ActionNet(body_parts(schema), len(classes)).to(device)
    optimizer = torch.optim.AdamW(network.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    loss_fn = nn.CrossEntropyLoss(weight=class_weight.to(device), label_smoothing=LABEL_SMOOTHING)
    rng = np.random.default_rng(config.seed)
    val_x, val_mask = _batch(val_tracks, flip)
    val_xm, _ = _batch(val_tracks, flip, mirror=True)

    # A small library gives an epoch one or two optimiser steps; each clip is then seen several
    # times an epoch (differently jittered each time) so early stopping counts real progress.
    passes = max(1, -(-MIN_STEPS_PER_EPOCH * config.batch_size // len(train_tracks)))

    def train_step(net: nn.Module, epoch: int) -> float:
        losses = []
        for batch in iterate_minibatches(len(train_tracks) * passes, config.batch_size, rng):
            batch = batch % len(train_tracks)
            x, mask = _batch([train_tracks[i] for i in batch], flip, rng=rng)
            loss = loss_fn(net(x.to(device), mask.to(device)), labels[torch.from_numpy(batch)].to(device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return float(np.mean(losses))

    def validate(net: nn.Module) -> float:
        probs = ((net(val_x.to(device), val_mask.to(device)).softmax(-1)
                  + net(val_xm.to(device), val_mask.to(device)).softmax(-1)) / 2).cpu().numpy()
        known = val_truth >= 0
        nll = float(-np.log(probs[known, val_truth[known]] + 1e-6).mean()) if known.any() else 0.0
        # Few validation clips make accuracy coarse; the loss (scaled far below one clip's
        # worth of accuracy) picks between epochs that classify equally well.
        return balanced_accuracy(probs.argmax(1), val_truth, len(classes)) - 1e-3 * nll

    result = fit(network, train_step, validate, config, progress=progress, cancelled=cancelled)
    network = network.cpu().eval()
    info = {"best_epoch": result.best_epoch, "epochs_run": result.epochs_run, "val_metric": result.best_val,
            "n_train": len(train), "n_val": len(val), "parts": list(PARTS), "seed": config.seed}
    return ActionClassifier(schema, classes, network, info)
