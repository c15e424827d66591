"""`plumb import`, `export`, `split`, `stats`: datasets in and out of a project.

Imports are one transaction each (a refused file changes nothing) and one edit-log entry
(`plumb history --undo` takes a whole import back); see app/datasets/project_io.py.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from app.cli.common import print_json
from app.errors import PlumbError

IMPORT_FORMATS = ("finediving", "mtlaqa", "sequences", "coco", "mpii", "labelme")
EXPORT_FORMATS = ("finediving", "sequences", "coco", "mpii", "labelme")


def cmd_import(args: argparse.Namespace) -> int:
    from app.datasets import finediving, mtlaqa, project_io, sequences
    from app.datasets import coco, labelme, mpii
    from app.project import Project

    annotator = f"import:{args.format}"
    path = Path(args.path)
    with Project.open(args.project) as project:
        if args.format == "finediving":
            summary = project_io.import_dives(project, finediving.read(path, revision=args.revision),
                                              annotator, fps=args.fps)
        elif args.format == "mtlaqa":
            summary = project_io.import_dives(project, mtlaqa.read(path), annotator, fps=args.fps)
        elif args.format == "sequences":
            summary = project_io.import_sequences(project, sequences.read(path, schema=args.schema),
                                                  annotator, fps=args.fps, layer=args.layer)
        elif args.format == "labelme":
            poses = []
            folders = sorted({p.parent for p in path.rglob("*.json")}) if path.is_dir() else [path]
            for folder in folders:
                prefix = folder.relative_to(path).as_posix() if path.is_dir() else ""
                for pose in labelme.read(folder, schema=args.schema or "mpii16"):
                    image = f"{prefix}/{Path(pose.image).name}" if prefix and prefix != "." else pose.image
                    poses.append(_renamed(pose, image))
            summary = project_io.import_image_poses(project, poses, annotator, fps=args.fps, layer=args.layer)
        else:
            reader = {"coco": coco, "mpii": mpii}[args.format]
            summary = project_io.import_image_poses(project, reader.read(path), annotator, fps=args.fps, layer=args.layer)
    if args.json:
        print_json(asdict(summary))
    else:
        print(f"Imported {args.format} from {path}: {summary.added} clip(s) added, {summary.updated} updated, "
              f"{summary.stage_labels} stage label(s), {summary.clip_labels} clip label(s), "
              f"{summary.pose_frames} pose frame(s)")
    return 0


def _renamed(pose, image: str):
    return replace(pose, image=image)


def cmd_export(args: argparse.Namespace) -> int:
    from app.datasets import coco, finediving, labelme, mpii, project_io, sequences
    from app.project import Project

    out = Path(args.out)
    _check_export_target(out)
    if args.frames < 1:
        raise PlumbError(f"--frames {args.frames}: give at least 1 frame a clip")
    notes: list[str] = []
    with Project.open(args.project) as project:
        if args.format == "finediving":
            dives = []
            for dive in project_io.export_dives(project, args.clips, args.split):
                reason = finediving.unexportable(dive)
                if reason:
                    notes.append(f"Skipped: {reason}")
                else:
                    dives.append(dive)
            if not dives:
                raise PlumbError("no clip can be exported as FineDiving: " + "; ".join(notes)[:400])
            files = finediving.write(out, dives)
            # The arrays are named by the dive keys of the annotations: a clip of the user's own
            # video is dive 0 of a video named like the clip.
            exported = {d.key for d in dives}
            seqs = [replace(s, name=s.name if "/" in s.name else f"{s.name}/0")
                    for s in project_io.export_sequences(project, args.clips, args.split)]
            seqs = [s for s in seqs if s.name in exported]
            if seqs:
                files += finediving.write_pose_arrays(out / "poses", seqs, frames=args.frames)
            count = len(dives)
        else:
            seqs = project_io.export_sequences(project, args.clips, args.split)
            count = len(seqs)
            if args.format == "sequences":
                files = sequences.write(out, seqs)
            else:
                poses, images, notes = _image_poses(project, seqs, out, args.format == "labelme")
                if args.format == "labelme":
                    files = []
                    for folder, group in poses.items():
                        files += labelme.write(out / folder, group)
                else:
                    flat = [p for group in poses.values() for p in group]
                    files = ({"coco": coco, "mpii": mpii}[args.format]).write(out / f"{args.format}.json", flat)
                    files = [files]
                files += images
    if args.json:
        print_json({"format": args.format, "clips": count, "files": len(files), "out": str(out), "notes": notes})
    else:
        print(f"Exported {count} clip(s) as {args.format} to {out} ({len(files)} file(s))")
        for note in notes:
            print(note)
    return 0


def _image_poses(project, seqs, out: Path, beside: bool):
    """ImagePose per labelled frame, named ``images/<clip>/<frame>.jpg`` (LabelMe: the image
    beside its JSON), with the frames extracted from the clip's video when it has one."""
    from app.datasets.records import ImagePose

    by_name = {c.name: c for c in project.clips()}  # an imported clip is named by its source key
    poses: dict[str, list] = {}
    images: list[Path] = []
    notes: list[str] = []
    for seq in seqs:
        clip = by_name.get(seq.name)
        labelled = np.flatnonzero((seq.visibility > 0).any(axis=1))
        width = clip.width or None if clip else None
        height = clip.height or None if clip else None
        group = []
        for t in labelled:
            image = f"{t:06d}.jpg" if beside else f"images/{seq.name}/{t:06d}.jpg"
            group.append(ImagePose(image, width, height, seq.schema, seq.keypoints[t].astype(np.float64),
                                   seq.visibility[t], seq.bbox[t].astype(np.float64)))
        poses[seq.name] = group
        problem = project.media_problem(clip) if clip else "no clip"
        if problem:
            notes.append(f"No frame images for {seq.name}: {problem}")
            continue
        images += _extract(project.video_path(clip), labelled, out / (seq.name if beside else f"images/{seq.name}"))
    return poses, images, notes


def _extract(video: Path, frames, folder: Path) -> list[Path]:
    from PIL import Image

    from app.atomic_files import atomic_open
    from app.media.frame_source import FrameSource

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with FrameSource(video) as source:
        for t in frames:
            path = folder / f"{int(t):06d}.jpg"
            with atomic_open(path) as handle:
                Image.fromarray(np.asarray(source.frame(int(t)))).save(handle, format="JPEG", quality=95)
            written.append(path)
    return written


def cmd_split(args: argparse.Namespace) -> int:
    from app.datasets.splits import clip_records, make_split, write_split
    from app.project import Project

    with Project.open(args.project) as project:
        records = clip_records(project)
        if not records:
            raise PlumbError("the project has no clips to split; import a dataset first (plumb import)")
        assignment = make_split(records, args.test, args.val, args.stratify, args.group, args.seed)
        changed = write_split(project, assignment)
    counts = Counter(assignment.values())
    if args.json:
        print_json({"splits": dict(counts), "changed": changed})
    else:
        print(f"Split {len(assignment)} clip(s) by {args.group or 'clip'}: "
              + ", ".join(f"{s} {counts.get(s, 0)}" for s in ("train", "val", "test")) + f" ({changed} changed)")
    return 0


def project_stats(project) -> dict[str, Any]:
    """Clips per action / DD / split, score distribution, pose coverage, clips with video."""
    from sqlalchemy import func, select

    from app.store.models import WORKING_LAYER, Clip, ClipLabel, PoseFrame

    with project.store.reading() as session:
        clips = list(session.execute(select(Clip.id, Clip.dive_number, Clip.action, Clip.difficulty, Clip.split,
                                            Clip.frame_count, Clip.fingerprint)))
        pose = dict(session.execute(select(PoseFrame.clip_id, func.count()).where(PoseFrame.layer == WORKING_LAYER)
                                    .group_by(PoseFrame.clip_id)).all())
        scores: dict[int, float] = {}
        for clip_id, score in session.execute(select(ClipLabel.clip_id, ClipLabel.overall_score)
                                              .where(ClipLabel.overall_score.is_not(None))
                                              .order_by(ClipLabel.annotator)):
            scores.setdefault(clip_id, score)
    values = np.array(list(scores.values()), dtype=np.float64)
    total = sum(c.frame_count for c in clips)
    labelled = sum(pose.values())
    score: dict[str, Any] = {"count": int(values.size)}
    if values.size:
        hist, edges = np.histogram(values, bins=10)
        score.update(min=float(values.min()), mean=float(values.mean()), max=float(values.max()),
                     std=float(values.std()), histogram=[int(h) for h in hist],
                     bin_edges=[round(float(e), 4) for e in edges])
    return {
        "clips": len(clips),
        "with_video": sum(1 for c in clips if c.fingerprint is not None),
        "per_action": dict(Counter(c.action or c.dive_number or "unknown" for c in clips).most_common()),
        "per_difficulty": {str(k): v for k, v in sorted(Counter(c.difficulty for c in clips
                                                                 if c.difficulty is not None).items())},
        "per_split": dict(Counter(c.split or "none" for c in clips).most_common()),
        "score": score,
        "frames": total,
        "labelled_frames": labelled,
        "coverage": labelled / total if total else 0.0,
        "clips_with_poses": len(pose),
    }


def cmd_stats(args: argparse.Namespace) -> int:
    from app.project import Project

    with Project.open(args.project) as project:
        stats = project_stats(project)
    if args.json:
        print_json(stats)
        return 0
    print(f"{stats['clips']} clip(s), {stats['with_video']} with video, {stats['clips_with_poses']} with poses")
    print("splits: " + ", ".join(f"{k} {v}" for k, v in stats["per_split"].items()))
    print("actions: " + ", ".join(f"{k} {v}" for k, v in list(stats["per_action"].items())[:12])
          + (" …" if len(stats["per_action"]) > 12 else ""))
    print("difficulty: " + ", ".join(f"{k} {v}" for k, v in stats["per_difficulty"].items()))
    s = stats["score"]
    if s["count"]:
        print(f"score: n {s['count']}  min {s['min']:.2f}  mean {s['mean']:.2f}  max {s['max']:.2f}  "
              f"std {s['std']:.2f}  histogram {s['histogram']}")
    print(f"pose coverage: {stats['labelled_frames']}/{stats['frames']} frames ({100 * stats['coverage']:.1f}%)")
    return 0


def _fps(text: str) -> float:
    from app.datasets.project_io import check_fps
    from app.datasets.errors import DatasetError

    try:
        return check_fps(text)
    except DatasetError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _check_export_target(out: Path) -> None:
    """Exports write a folder of files; an existing file there would be half replaced."""
    if out.exists() and not out.is_dir():
        raise PlumbError(f"{out}: is a file; exports write a folder of files. Give a new or existing folder")


def _clip_ids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.replace(",", " ").split()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give clip ids as numbers, e.g. 3,4,7") from None


def add_parsers(commands) -> None:
    imp = commands.add_parser("import", help="import a dataset's labels and poses (one transaction, one undo step)")
    imp.add_argument("project")
    imp.add_argument("format", choices=IMPORT_FORMATS)
    imp.add_argument("path", help="annotation folder or file")
    imp.add_argument("--schema", help="skeleton of sequence/LabelMe files (default: from the file, or mpii16)")
    imp.add_argument("--revision", metavar="DIR", help="FineDiving: folder with corrected fine-grained labels")
    imp.add_argument("--fps", type=_fps, default=25.0,
                     help="frame rate of the new clips until a video is attached (default 25)")
    imp.add_argument("--layer", default="working",
                     help="pose layer to write (e.g. annotator:ana for a second annotator, compared with "
                          "`plumb agreement`); default: the working layer")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(run=cmd_import)

    exp = commands.add_parser("export", help="export labels and poses in a dataset format")
    exp.add_argument("project")
    exp.add_argument("format", choices=EXPORT_FORMATS)
    exp.add_argument("out", help="folder to write (created)")
    exp.add_argument("--clips", type=_clip_ids, help="clip ids, e.g. 3,4,7 (default: all)")
    exp.add_argument("--split", help="only clips of this split (train, val, test)")
    exp.add_argument("--frames", type=int, default=96, help="FineDiving pose arrays: frames a clip (default 96)")
    exp.add_argument("--json", action="store_true")
    exp.set_defaults(run=cmd_export)

    split = commands.add_parser("split", help="train/val/test split, stratified and grouped")
    split.add_argument("project")
    split.add_argument("--test", type=float, required=True, help="fraction for test, e.g. 0.25")
    split.add_argument("--val", type=float, default=0.0, help="fraction for val (default 0)")
    split.add_argument("--stratify", choices=("action", "difficulty", "none"), default="action")
    split.add_argument("--group", choices=("event", "athlete", "none"), default="event")
    split.add_argument("--seed", type=int, default=0)
    split.add_argument("--json", action="store_true")
    split.set_defaults(run=_split_with_none)

    stats = commands.add_parser("stats", help="label counts, score distribution and pose coverage")
    stats.add_argument("project")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(run=cmd_stats)


def _split_with_none(args: argparse.Namespace) -> int:
    args.stratify = None if args.stratify == "none" else args.stratify
    args.group = None if args.group == "none" else args.group
    return cmd_split(args)
