"""`plumb train`, `evaluate`, `analyze`: the assessment engine on a project."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.common import EXIT_ERROR, evaluation_out, print_json, progress_line
from app.cli.training_args import epoch_line, fmt as _fmt, train_config
from app.errors import PlumbError
from app.cli.action_commands import cmd_evaluate_action, cmd_train_action
from app.cli.pose_model_commands import cmd_evaluate_pose, cmd_train_pose


def cmd_train(args: argparse.Namespace) -> int:
    if args.task == "pose":
        return cmd_train_pose(args)
    if args.task == "action":
        return cmd_train_action(args)
    from app.assessment.training import train
    from app.project import Project

    config = train_config(args)
    with Project.open(args.project) as project:
        outcome = train(project, args.task, config, method=args.method,
                        progress=None if args.json else epoch_line)
    if args.json:
        print_json({"model_id": outcome.record.id, "file": str(outcome.record.path), "metrics": outcome.metrics,
                    "skipped": outcome.skipped})
        return 0
    print(f"Trained a {args.task} model: {outcome.record.path}")
    for name, why in list(outcome.skipped.items())[:5]:
        print(f"  left out {name}: {why}")
    if len(outcome.skipped) > 5:
        print(f"  ... and {len(outcome.skipped) - 5} more clip(s) without usable poses")
    _print_metrics(args.task, outcome.metrics)
    return 0


def _print_metrics(task: str, metrics: dict[str, Any]) -> None:
    if metrics.get("note"):
        print(f"  {metrics['note']}")
        return
    test = metrics.get("test", {})
    if task == "stages":
        print(f"  test clips {metrics['n_test']}: AIoU@0.5 {_fmt(test.get('aiou@0.5'))}, "
              f"AIoU@0.75 {_fmt(test.get('aiou@0.75'))}, mean IoU {_fmt(test.get('mean_iou'))}")
        rules = metrics.get("motion_rules_test")
        if rules:
            print(f"  motion rules on the same clips: AIoU@0.5 {_fmt(rules['aiou@0.5'])}, "
                  f"AIoU@0.75 {_fmt(rules['aiou@0.75'])}")
        return
    auc = f", AUC {_fmt(test['auc'])}" if "auc" in test else ""
    print(f"  {metrics.get('method')} model on {metrics['n_test']} test clips: SRCC {_fmt(test.get('srcc'))}, "
          f"R-l2 {_fmt(test.get('r_l2'))}{auc}")
    for name, values in metrics.get("priors", {}).items():
        prior_auc = f", AUC {_fmt(values['auc'])}" if values.get("auc") is not None else ""
        print(f"  prior '{name}': SRCC {_fmt(values.get('srcc'))}, R-l2 {_fmt(values.get('r_l2'))}{prior_auc}")


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.task == "pose":
        return cmd_evaluate_pose(args)
    if args.task == "action":
        return cmd_evaluate_action(args)
    from app.assessment.evaluation import evaluate, write_predictions
    from app.project import Project

    with Project.open(args.project) as project:
        result = evaluate(project)
    if evaluation_out(args, result, write_predictions):
        return 0
    if result.stages:
        print(f"Stage model {result.stages['model_id']}:")
        _print_metrics("stages", result.stages)
    if result.score:
        print(f"Score model {result.score['model_id']}:")
        _print_metrics("score", result.score)
    for note in result.notes:
        print(f"Note: {note}")
    if args.predictions:
        print(f"Wrote {len(result.predictions)} prediction(s) to {args.predictions}")
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from app.assessment.analysis import analyze
    from app.project import Project

    if args.all:
        return _analyze_all(args)
    if args.clip is None:
        raise PlumbError("Name the clip with --clip ID, or use --all.")
    with Project.open(args.project) as project:
        result = analyze(project, args.clip, level=args.level)
    if args.json:
        print_json(result.to_json())
        return 0
    _print_analysis(result)
    return 0


def _analyze_all(args: argparse.Namespace) -> int:
    """Every clip, serially or on Dask; a clip that cannot be analysed is skipped and listed."""
    from app.batch import analyze_clips, dask_client
    from app.project import Project

    with Project.open(args.project) as project:
        clips = project.clips()
        if args.workers is None and not args.scheduler:
            results, skipped = analyze_clips(project, clips, args.level, None, progress_line("analyze", unit="clips"))
        else:
            with dask_client(args.workers, args.scheduler) as client:
                results, skipped = analyze_clips(project, clips, args.level, client,
                                                 progress_line("analyze", unit="clips"))
    if args.json:
        print_json([r.to_json() for r in results] + [{"clip_id": s["clip"], "skipped": s["reason"]} for s in skipped])
    else:
        for result in results:
            _print_analysis(result)
        if skipped:
            print(f"{len(results)} clip(s) analysed, {len(skipped)} skipped:")
            for item in skipped:
                print(f"  clip {item['clip']} ({item['name']}): {item['reason']}")
    return EXIT_ERROR if skipped else 0


def _print_analysis(result) -> None:
    print(f"Clip {result.clip_id} (assessment {result.assessment_id})")
    if result.stages and not result.stages["transitions"]:
        print(f"  stages ({result.stages['source']}): {result.stages['names'][0]}, the whole clip")
    elif result.stages:
        spans = ", ".join(f"{n} from frame {t}" for n, t in zip(result.stages["names"][1:], result.stages["transitions"]))
        print(f"  stages ({result.stages['source']}): {result.stages['names'][0]} first, {spans}")
    else:
        print("  stages: none (label them, or train a stage model)")
    if result.score is None:
        print(f"  score: {result.score_note}")
    else:
        spread = f" ± {result.spread:.2f}" if result.spread is not None else ""
        print(f"  score {result.score:.2f}{spread} ({result.grade})"
              + (f" ({result.score_note})" if result.score_note else ""))
    _print_action(result.action)
    if result.exemplar:
        print(f"  compared with clip {result.exemplar['clip_id']} ({result.exemplar['name']}, {result.exemplar['how']})")
    if result.dimensions:
        print(f"  skill {result.dimensions['overall']:.2f} overall")
        for d in result.dimensions["items"]:
            print(f"    {d['name']}: {d['value']:.2f} (frames {d['worst_frames'][0]}-{d['worst_frames'][1]}: "
                  f"{d['evidence']})")
    else:
        print(f"  skill dimensions: {result.dimensions_note}")
    for item in result.feedback:
        print(f"  - {item['text']} {item['fix']}")


def _print_action(action) -> None:
    from app.action_labels import recognised_line

    line = recognised_line(action)
    if line:
        print(f"  {line}")


def add_parsers(commands) -> None:
    train = commands.add_parser("train", help="train a stage, score or action model on the project's labelled "
                                              "clips, or fine-tune the pose model on its corrected frames")
    train.add_argument("project")
    train.add_argument("--task", required=True, choices=("stages", "score", "action", "pose"))
    train.add_argument("--method", default="auto", choices=("auto", "contrastive", "coarse_fine"),
                       help="score model: exemplar contrastive regression, coarse-to-fine, or the better on "
                            "the validation split (default)")
    train.add_argument("--device", default="auto", help="auto (GPU when there is one), cpu or cuda")
    train.add_argument("--epochs", type=int, help="at most this many epochs (default 60; pose 8)")
    train.add_argument("--patience", type=int, help="stop after this many epochs without a better "
                                                    "validation score (default 10; pose 3)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--json", action="store_true")
    train.set_defaults(run=cmd_train)

    evaluate = commands.add_parser("evaluate", help="measure the current models on the test split against "
                                                    "the label-only priors")
    evaluate.add_argument("project")
    evaluate.add_argument("--task", default="assessment", choices=("assessment", "action", "pose"),
                          help="the stage and score models (default), the action classifier, or the pose model "
                               "on held-out corrections")
    evaluate.add_argument("--predictions", metavar="FILE.csv",
                          help="write one prediction per scored clip (action: name,action,predicted,confidence "
                               "per test clip)")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(run=cmd_evaluate)

    analyze = commands.add_parser("analyze", help="stages, score, skill dimensions and feedback of one clip "
                                                  "(stored as an assessment)")
    analyze.add_argument("project")
    which = analyze.add_mutually_exclusive_group()
    which.add_argument("--clip", type=int, metavar="ID")
    which.add_argument("--all", action="store_true", help="every clip (those that cannot be analysed are listed)")
    analyze.add_argument("--level", default="intermediate", choices=("novice", "intermediate", "advanced", "expert"))
    cluster = analyze.add_mutually_exclusive_group()
    cluster.add_argument("--workers", type=int, metavar="N", help="with --all: on a local Dask cluster of N processes")
    cluster.add_argument("--scheduler", metavar="ADDRESS", help="with --all: on a running Dask scheduler's workers")
    analyze.add_argument("--json", action="store_true")
    analyze.set_defaults(run=cmd_analyze)
