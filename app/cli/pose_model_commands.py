"""`plumb train --task pose` and `plumb evaluate --task pose`: the project's own pose model."""

from __future__ import annotations

import argparse
import sys

from app.cli.common import print_json
from app.errors import PlumbError

# Fine-tuning converges in a few epochs: the network starts from the bundled weights.
DEFAULT_EPOCHS, DEFAULT_PATIENCE = 8, 3


def _epoch_line(epoch) -> None:
    print(f"epoch {epoch.epoch}: loss {epoch.train_loss:.4f}, validation PCKh@0.5 {epoch.val_pckh:.3f}, "
          f"mean joint error {epoch.val_error:.3f} head lengths ({epoch.seconds:.0f} s)", file=sys.stderr, flush=True)


def cmd_train_pose(args: argparse.Namespace) -> int:
    from app.pose_model import heavy_clause, train_pose_model
    from app.project import Project
    from inference.devices import pick_device
    from inference.pose.landmark_finetune import FinetuneConfig

    epochs = DEFAULT_EPOCHS if args.epochs is None else args.epochs
    patience = DEFAULT_PATIENCE if args.patience is None else args.patience
    if epochs < 1 or patience < 1:
        raise PlumbError("--epochs and --patience must be at least 1; see plumb train --help")
    try:
        device = str(pick_device(args.device))
    except ValueError as exc:
        raise PlumbError(str(exc)) from None
    config = FinetuneConfig(epochs=epochs, patience=patience, seed=args.seed, device=device)
    with Project.open(args.project) as project:
        outcome = train_pose_model(project, config, progress=None if args.json else _epoch_line)
    if args.json:
        print_json({"model_id": outcome.record.id, "file": str(outcome.record.path), "metrics": outcome.metrics})
        return 0
    m = outcome.metrics
    print(f"Trained a pose model: {outcome.record.path}")
    print(f"  validation PCKh@0.5 {m['val_pckh']:.3f} (bundled model on the same {m['n_val']} frames: "
          f"{m['bundled_val_pckh']:.3f}{heavy_clause(m)}); trained on {m['n_train']} corrected frames")
    print(f"  mean joint error {m['val_error']:.3f} head lengths (bundled model: {m['bundled_val_error']:.3f})")
    return 0


def cmd_evaluate_pose(args: argparse.Namespace) -> int:
    from app.pose_model import evaluate_pose
    from app.project import Project

    with Project.open(args.project) as project:
        report = evaluate_pose(project)
    if args.json:
        print_json(report)
        return 0
    print(f"Pose on {report['frames']} corrected frames the model was not trained on:")
    for name in ("project", "bundled", "heavy"):
        if name in report:
            print(f"  {name:<8} PCKh@0.5 {report[name]['pckh']:.3f}   OKS {report[name]['oks']:.3f}   "
                  f"mean joint error {report[name]['error']:.3f} head lengths")
    return 0
