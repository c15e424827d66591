"""What ``plumb train`` commands share: their training settings and per-epoch line."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def fmt(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None or value != value else f"{value:.{digits}f}"


def epoch_line(report) -> None:
    print(f"epoch {report.epoch + 1}: loss {report.train_loss:.4f}, validation {fmt(report.val_metric)} "
          f"(best {fmt(report.best_val)} at epoch {report.best_epoch + 1})", file=sys.stderr, flush=True)


def train_config(args: argparse.Namespace):
    """The training settings of ``plumb train``'s arguments (60 epochs, patience 10 by default)."""
    from app.errors import AssessmentError
    from inference.assess.training import TrainConfig

    try:
        return TrainConfig(epochs=60 if args.epochs is None else args.epochs,
                           patience=10 if args.patience is None else args.patience,
                           seed=args.seed, device=args.device)
    except ValueError as exc:
        raise AssessmentError(f"{exc}; see plumb train --help") from None
