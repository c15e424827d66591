"""`plumb detect` and `plumb pose`: auto-annotation from the command line."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from app.cli.common import EXIT_ERROR, print_json, progress_line
from app.errors import MediaError, PlumbError
from inference.pose.landmark_models import LANDMARK_MODELS

SCHEMAS = ("mpii16", "coco17", "mp33")


def _options(args: argparse.Namespace):
    from app.auto_annotate import PoseOptions
    from inference.pose.tracking import StartBox

    start = None
    if getattr(args, "athlete_box", None):
        frame, *box = args.athlete_box
        start = StartBox(_start_frame(frame), _box(box))
    return PoseOptions(backend=args.backend, model=args.model, config=args.config, schema=args.schema,
                       start=start, max_gap=args.max_gap, smooth=args.smooth,
                       rerun=getattr(args, "rerun", False), device=args.device, landmarks=args.landmarks)


def _start_frame(frame: float) -> int:
    if not math.isfinite(frame) or frame != int(frame) or frame < 0:
        raise PlumbError(f"--athlete-box: frame {frame:g} must be a whole frame number from 0")
    return int(frame)


def _box(box: list[float]) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = box
    if not all(math.isfinite(v) for v in box) or x2 <= x1 or y2 <= y1:
        raise PlumbError(f"--athlete-box: the box {' '.join(f'{v:g}' for v in box)} must be X1 Y1 X2 Y2 in pixels "
                         "with X1 < X2 and Y1 < Y2")
    return x1, y1, x2, y2


def _check_start_inside(options, clips) -> None:
    """An --athlete-box frame beyond a clip is refused before any clip runs, not after."""
    if options.start is None:
        return
    for clip in clips:
        if options.start.frame >= clip.frame_count:
            raise PlumbError(f"--athlete-box: frame {options.start.frame} is outside clip {clip.id} ({clip.name}), "
                             f"whose frames are 0 to {clip.frame_count - 1}")


def _check_out_file(out: str) -> None:
    path = Path(out)
    if path.is_dir():
        raise PlumbError(f"--out {out}: is a folder; give the JSON file to write, e.g. {path / 'poses.json'}")
    if not path.parent.is_dir():
        raise PlumbError(f"--out {out}: the folder {path.parent} does not exist; create it first")


def cmd_detect(args: argparse.Namespace) -> int:
    from app.auto_annotate import detect_to_file

    _check_out_file(args.out)

    summary = detect_to_file(args.input, args.out, _options(args), progress=progress_line("detect"),
                             still=args.still)
    if args.json:
        print_json({"out": args.out, **summary})
    else:
        print(f"Wrote {args.out}: the athlete on {summary['found']} of {summary['frames']} frames")
    if "note" in summary:
        print(f"plumb detect: {summary['note']}", file=sys.stderr)
        return EXIT_ERROR
    return 0


def cmd_pose(args: argparse.Namespace) -> int:
    from app.auto_annotate import pose_clip
    from app.project import Project

    with Project.open(args.project) as project:
        clips = project.clips()
        if not args.all:
            if not args.clip:
                raise PlumbError("Name the clips with --clip ID (repeatable) or use --all.")
            known = {c.id: c for c in clips}
            missing = [i for i in args.clip if i not in known]
            if missing:
                raise PlumbError(f"There is no clip {missing[0]} in this project; `plumb info` lists the clips.")
            clips = [known[i] for i in args.clip]
        options = _options(args)
        _check_start_inside(options, clips)
        if args.workers is not None or args.scheduler:
            results, skipped = _pose_on_cluster(project, clips, options, args)
            return _report(results, skipped, args)
        results, skipped = [], []
        for clip in clips:
            problem = project.media_problem(clip)
            if problem and args.all:
                skipped.append({"clip": clip.id, "name": clip.name, "reason": problem})
                continue
            try:
                result = pose_clip(project, clip, options, progress=progress_line(f"pose {clip.name}"))
            except MediaError as exc:
                if not args.all:
                    raise
                # One damaged video must not leave every later clip of a batch unannotated.
                skipped.append({"clip": clip.id, "name": clip.name, "reason": str(exc)})
                print(f"plumb pose: clip {clip.id} ({clip.name}) skipped: {exc}", file=sys.stderr)
                continue
            results.append(result)
            if not args.json:
                _print_written(clip.id, clip.name, result)
        return _report(results, skipped, args)


def _print_written(clip_id: int, name: str, result: dict) -> None:
    print(f"Clip {clip_id} ({name}): poses written; {result['refined_frames']} frames refined "
          "(propagated corrections, filled gaps)", file=sys.stdout)
    if "note" in result:
        print(f"plumb pose: clip {clip_id} ({name}): {result['note']}", file=sys.stderr)


def _report(results: list[dict], skipped: list[dict], args: argparse.Namespace) -> int:
    """The summary at the end; the exit is non-zero when a clip or a frame was skipped."""
    damaged = [r for r in results if r.get("undecodable_frames")]
    if args.json:
        print_json(results + [{"clip": item["clip"], "finished": False, "skipped": item["reason"]}
                              for item in skipped])
    elif skipped or damaged:
        print(f"{len(results)} clip(s) annotated, {len(skipped)} skipped, {len(damaged)} with frames that "
              "cannot be decoded:")
        for item in skipped:
            print(f"  clip {item['clip']} ({item['name']}): {item['reason']}")
        for result in damaged:
            print(f"  clip {result['clip']}: {result['note']}")
    return EXIT_ERROR if skipped or damaged else 0


def _pose_on_cluster(project, clips, options, args: argparse.Namespace) -> tuple[list[dict], list[dict]]:
    from app.batch import dask_client, pose_clips_on_cluster

    names = {c.id: c.name for c in clips}
    with dask_client(args.workers, args.scheduler) as client:
        results, skipped = pose_clips_on_cluster(project, clips, options, client, done=progress_line("pose", unit="clips"))
    if not args.json:
        for result in results:
            _print_written(result["clip"], names[result["clip"]], result)
    return results, skipped


def _pose_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--schema", choices=SCHEMAS, default="mpii16", help="keypoint layout to write")
    parser.add_argument("--backend", default="mediapipe",
                        help="mediapipe (default), onnx, mmpose, or project (the project's fine-tuned pose model)")
    parser.add_argument("--model", help="model file: .onnx for onnx, checkpoint for mmpose")
    parser.add_argument("--config", help="mmpose config file")
    parser.add_argument("--athlete-box", nargs=5, type=float, metavar=("FRAME", "X1", "Y1", "X2", "Y2"),
                        help="the athlete's box on one frame (otherwise chosen automatically)")
    parser.add_argument("--max-gap", type=int, help="longest gap (frames) filled by interpolation")
    parser.add_argument("--smooth", type=float, default=0.0, help="temporal smoothing strength in frames (0: off)")
    parser.add_argument("--device", default="auto", help="auto (GPU when there is one), cpu or cuda")
    parser.add_argument("--landmarks", choices=LANDMARK_MODELS, default="auto",
                        help="mediapipe: the network each pose is finally read with: heavy (BlazePose heavy, "
                             "the most accurate; a pass costs 3.5x full's) on every frame, full, or auto (heavy on "
                             "still images, one-frame shots and the frames full is unsure of; every frame on a GPU)")
    parser.add_argument("--json", action="store_true")


def add_parsers(commands) -> None:
    detect = commands.add_parser("detect", help="the athlete's pose on every frame of a video or image folder, as JSON")
    detect.add_argument("input", help="a video file, or a folder of images read in name order")
    detect.add_argument("--out", required=True, help="JSON file to write")
    detect.add_argument("--still", action="store_true",
                        help="the folder holds unrelated images: each is read on its own (its most prominent person)")
    _pose_arguments(detect)
    detect.set_defaults(run=cmd_detect)

    pose = commands.add_parser("pose", help="auto-annotate clips of a project (resumable; manual joints are kept)")
    pose.add_argument("project")
    which = pose.add_mutually_exclusive_group()
    which.add_argument("--clip", type=int, action="append", metavar="ID")
    which.add_argument("--all", action="store_true")
    pose.add_argument("--rerun", action="store_true",
                      help="run the model again on every frame (manual joints are still kept, and a frame "
                           "with four or more of them steers the run onto the body they mark)")
    cluster = pose.add_mutually_exclusive_group()
    cluster.add_argument("--workers", type=int, metavar="N",
                         help="run the clips on a local Dask cluster of N worker processes")
    cluster.add_argument("--scheduler", metavar="ADDRESS",
                         help="run the clips on the workers of a running Dask scheduler (tcp://HOST:PORT)")
    _pose_arguments(pose)
    pose.set_defaults(run=cmd_pose)
