"""Seeded training with early stopping on a validation metric (METHODS.md §3).

The papers pick the epoch with the best *test* score, which flatters them; here the epoch is
picked on a validation split and the test split is scored once by the caller. :func:`fit` owns
only the epoch loop: the caller's ``train_step`` does its own batching and optimiser steps,
so each model keeps its own loss and data handling and this loop stays the same for all.

Epochs are numbered from 0 everywhere (``train_step``'s argument, :class:`EpochReport`,
:class:`FitResult` and the divergence message).
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from inference.devices import DEVICE_NAMES, pick_device  # noqa: F401 (re-exported)


def seed_everything(seed: int) -> None:
    """Seed Python, numpy's global generator and torch (CPU and every GPU).

    cuDNN is also set to deterministic kernels so a GPU run repeats as well as a CPU run does.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


def iterate_minibatches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Indices ``0..n-1`` shuffled by ``rng`` and cut into batches of ``batch_size``.

    Returns a list of int64 index arrays; the last batch is shorter when ``batch_size`` does
    not divide ``n``, and the list is empty for ``n == 0``.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = rng.permutation(n).astype(np.int64)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


@dataclass
class TrainConfig:
    """Settings of one training run.

    Attributes:
        epochs: most epochs to run.
        patience: stop after this many epochs without a better validation metric.
        lr: learning rate for the caller's optimiser.
        weight_decay: weight decay for the caller's optimiser.
        batch_size: clips per optimiser step (used by the caller's ``train_step``).
        seed: seeds Python, numpy and torch at the start of :func:`fit`.
        device: a name for :func:`pick_device`; :func:`fit` itself does not move the model.
    """

    epochs: int = 60
    patience: int = 10
    lr: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 16
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError(f"epochs must be >= 1, got {self.epochs}")
        if self.patience < 1:
            raise ValueError(f"patience must be >= 1, got {self.patience}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")


@dataclass(frozen=True)
class EpochReport:
    """One epoch's outcome, as passed to ``progress``.

    ``best_epoch``/``best_val`` include this epoch.
    """

    epoch: int
    train_loss: float
    val_metric: float
    best_epoch: int
    best_val: float


@dataclass
class FitResult:
    """How a run ended; the model already holds the weights of ``best_epoch``."""

    best_epoch: int
    best_val: float
    epochs_run: int
    history: list[EpochReport] = field(default_factory=list)
    stopped_early: bool = False


class Cancelled(Exception):
    """The caller asked :func:`fit` to stop; the model holds its best weights so far."""


def _diverged(epoch: int, what: str) -> ValueError:
    return ValueError(
        f"training diverged at epoch {epoch}; lower the learning rate or check the data "
        f"({what}); the model holds its best weights so far"
    )


def fit(
    model: torch.nn.Module,
    train_step: Callable[[torch.nn.Module, int], float],
    validate: Callable[[torch.nn.Module], float],
    config: TrainConfig,
    *,
    higher_is_better: bool = True,
    progress: Callable[[EpochReport], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> FitResult:
    """Train ``model`` with early stopping and leave it holding the best validation state.

    Each epoch calls ``train_step(model, epoch)`` with the model in train mode (it batches,
    steps its optimiser and returns the mean loss), then ``validate(model)`` in eval mode
    under ``torch.no_grad``. The state_dict of the best epoch is deep-copied in memory and
    loaded back at the end. Training stops after ``config.patience`` epochs without
    improvement (so at most at ``best_epoch + patience``) or after ``config.epochs``.

    Torch, numpy and Python are seeded with ``config.seed`` first, so a run repeats exactly on
    CPU when the caller built the model after seeding the same way. The model is not moved:
    put it and the data on ``pick_device(config.device)`` before calling.

    Raises:
        Cancelled: ``cancelled()`` was true before an epoch started.
        ValueError: the train loss or the validation metric was NaN/inf ("training diverged").
        In both cases the model holds the best state seen so far (its own weights if none).
    """
    seed_everything(config.seed)
    history: list[EpochReport] = []
    best_state: dict | None = None
    best_epoch = -1
    best_val = math.nan

    def restore_best() -> None:
        if best_state is not None:
            model.load_state_dict(best_state)

    for epoch in range(config.epochs):
        if cancelled is not None and cancelled():
            restore_best()
            raise Cancelled(f"training cancelled before epoch {epoch}; best epoch {best_epoch}")
        model.train()
        train_loss = float(train_step(model, epoch))
        if not math.isfinite(train_loss):
            restore_best()
            raise _diverged(epoch, f"train loss is {train_loss}")
        model.eval()
        with torch.no_grad():
            val_metric = float(validate(model))
        if not math.isfinite(val_metric):
            restore_best()
            raise _diverged(
                epoch,
                f"validation metric is {val_metric}; a constant prediction or too few distinct "
                "validation scores also gives a NaN SRCC",
            )
        improved = best_state is None or (
            val_metric > best_val if higher_is_better else val_metric < best_val
        )
        if improved:
            best_state = copy.deepcopy(model.state_dict())
            best_epoch, best_val = epoch, val_metric
        report = EpochReport(epoch, train_loss, val_metric, best_epoch, best_val)
        history.append(report)
        if progress is not None:
            progress(report)
        if epoch - best_epoch >= config.patience:
            break
    restore_best()
    return FitResult(best_epoch, best_val, len(history), history, len(history) < config.epochs)
