"""`plumb train/evaluate --task action`: the action classifier, always beside the
majority-class prior on the same test clips."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.common import evaluation_out, print_json
from app.cli.training_args import epoch_line, fmt as _fmt, train_config


def _print_left_out(left_out: dict[str, str]) -> None:
    for name, why in list(left_out.items())[:5]:
        print(f"  left out {name}: {why}")
    if len(left_out) > 5:
        print(f"  ... and {len(left_out) - 5} more clip(s) left out")


def print_action_metrics(metrics: dict[str, Any], *, details: bool = False) -> None:
    prior = metrics["prior"]
    print(f"  {metrics['n_test']} test clips: top-1 accuracy {_fmt(metrics['accuracy'])}, "
          f"majority-class prior {_fmt(prior['accuracy'])} (always {prior['action']!r})")
    recalls = ", ".join(f"{a} {_fmt(v['recall'])} (n={v['n']})" for a, v in metrics["per_action"].items())
    print(f"  recall per action: {recalls}")
    if metrics.get("n_unsure"):
        print(f"  {metrics['n_unsure']} test clip(s) answered with low confidence (would be shown as unsure)")
    if details:
        labels = metrics["confusion"]["labels"]
        width = max(len(a) for a in labels)
        print("  confusion (rows: labelled, columns: predicted):")
        print("    " + " " * width + " " + " ".join(f"{a[:8]:>8}" for a in labels))
        for action, row in zip(labels, metrics["confusion"]["matrix"]):
            print(f"    {action:<{width}} " + " ".join(f"{n:>8}" for n in row))


def cmd_train_action(args: argparse.Namespace) -> int:
    from app.assessment.action import train_action
    from app.project import Project

    config = train_config(args)
    with Project.open(args.project) as project:
        outcome = train_action(project, config, progress=None if args.json else epoch_line)
    if args.json:
        print_json({"model_id": outcome.record.id, "file": str(outcome.record.path), "metrics": outcome.metrics,
                    "left_out": outcome.left_out})
        return 0
    print(f"Trained an action model ({', '.join(outcome.metrics['classes'])}): {outcome.record.path}")
    _print_left_out(outcome.left_out)
    metrics = outcome.metrics
    print(f"  {metrics['n_train']} training and {metrics['n_val']} validation clips; split: {metrics['split']}")
    print_action_metrics(metrics)
    return 0


def cmd_evaluate_action(args: argparse.Namespace) -> int:
    from app.assessment.action import evaluate_action, write_action_predictions
    from app.project import Project

    with Project.open(args.project) as project:
        result = evaluate_action(project)
    if evaluation_out(args, result, write_action_predictions):
        return 0
    print(f"Action model {result.model_id}:")
    _print_left_out(result.left_out)
    print_action_metrics(result.metrics, details=True)
    for note in result.notes:
        print(f"Note: {note}")
    if args.predictions:
        print(f"Wrote {len(result.predictions)} prediction(s) to {args.predictions}")
    return 0
