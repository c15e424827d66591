"""`plumb new`, `add`, `info`, `relink`, `history`: projects and their clips."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict

from app.cli.common import EXIT_ERROR, clip_json, print_json, progress_line
from app.errors import PlumbError


def cmd_new(args: argparse.Namespace) -> int:
    from app.project import Project

    from app.sports_templates import load_sport

    if args.sport:
        load_sport(args.sport)  # an unknown sport is refused before the folder is made
    with Project.create(args.project, name=args.name, database=args.database) as project:
        if args.sport:
            project.set_setting("sport", args.sport)
        if args.json:
            print_json({"project": str(project.root), "name": project.name,
                        "sport": project.setting("sport")})
        else:
            print(f"Created project {project.name} in {project.root}")
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    from app.project_copy import copy_project

    counts = copy_project(args.source, args.target, args.database, progress=progress_line("copy", unit="rows"))
    if args.json:
        print_json({"source": args.source, "target": args.target, "rows": counts})
    else:
        print(f"Copied {sum(counts.values())} rows ({counts.get('clip', 0)} clips) into {args.target}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from app.media.access_proxy import build_access_proxy, needs_access_proxy
    from app.media.probe import media_path, probe
    from app.project import Project

    with Project.open(args.project) as project:
        added, problems = [], []
        for path in args.videos:
            try:
                info = probe(media_path(path))
                clip = project.add_video(path, info=info)
            except PlumbError as exc:
                problems.append(str(exc))
                continue
            added.append(clip)
            if not args.no_proxy and needs_access_proxy(info):
                target = project.access_proxy_path(clip)
                target.parent.mkdir(parents=True, exist_ok=True)
                build_access_proxy(project.video_path(clip), target,
                                   progress=progress_line(f"seek index for {clip.name}"))
        if args.json:
            print_json({"added": [clip_json(c) for c in added], "refused": problems})
        else:
            for clip in added:
                print(f"Added clip {clip.id}: {clip.name} ({clip.frame_count} frames, {clip.fps:.3g} fps, "
                      f"{clip.width}x{clip.height}{', variable frame rate' if clip.is_vfr else ''})")
        for problem in problems:
            print(f"plumb add: {problem}", file=sys.stderr)
    return EXIT_ERROR if problems else 0


def cmd_info(args: argparse.Namespace) -> int:
    from app.project import Project

    with Project.open(args.project) as project:
        counts = project.counts()
        clips = []
        for clip in project.clips():
            entry = clip_json(clip)
            entry.update(asdict(counts[clip.id]))
            entry["media_problem"] = project.media_problem(clip)
            clips.append(entry)
        if args.json:
            print_json({"project": str(project.root), "name": project.name, "clips": clips})
            return 0
        print(f"{project.name} — {project.root} — {len(clips)} clip(s)")
        for c in clips:
            flags = " VFR" if c["is_vfr"] else ""
            missing = "  [video missing or changed]" if c["media_problem"] else ""
            print(f"{c['id']:>4}  {c['name']:<28} {c['frame_count']:>6} frames  {c['fps']:>6.2f} fps  "
                  f"{c['width']}x{c['height']}{flags}  poses {c['pose_frames']} (manual {c['manual_frames']})  "
                  f"stage labels {c['stage_labels']}  labels {c['clip_labels']}{missing}")
    return 0


def cmd_relink(args: argparse.Namespace) -> int:
    from app.project import Project

    with Project.open(args.project) as project:
        clip = project.relink(args.clip, args.video)
        if args.json:
            print_json(clip_json(clip))
        else:
            print(f"Clip {clip.id} ({clip.name}) now points to {project.video_path(clip)}")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from app.project import Project
    from app.store.queries import history

    with Project.open(args.project) as project:
        if args.undo or args.redo:
            # Each command is a session of its own: the command line undoes the annotator's edits.
            project.history.scope = "annotator"
            step = project.history.undo if args.undo else project.history.redo
            entry = step()
            if entry is None:
                raise PlumbError(f"Nothing to {'undo' if args.undo else 'redo'}.")
            print(f"{'Undid' if args.undo else 'Redid'}: {entry.description}")
            return 0
        with project.store.reading() as session:
            entries = history(session, limit=args.limit)
        if args.json:
            print_json([asdict(e) for e in entries])
        else:
            for e in entries:
                print(f"{e.id:>6}  {e.created_at:%Y-%m-%d %H:%M:%S}  {e.state:<7} {e.annotator or '-':<12} {e.description}")
    return 0


def add_parsers(commands) -> None:
    new = commands.add_parser("new", help="create a project folder")
    new.add_argument("project", help="folder to create (may exist if it holds no project)")
    new.add_argument("--name", help="display name (default: the folder name)")
    new.add_argument("--sport", help="sport template giving the stage names (default: diving); see "
                                     "resources/sports")
    new.add_argument("--database", metavar="URL",
                     help="keep the project's database on a PostgreSQL server, for a team: "
                          "postgresql://USER@HOST:PORT/DATABASE (an empty database; password in ~/.pgpass)")
    new.add_argument("--json", action="store_true", help="print the result as JSON")
    new.set_defaults(run=cmd_new)

    copy = commands.add_parser("copy", help="copy a whole project into a new one (SQLite and PostgreSQL, either way)")
    copy.add_argument("source", help="the project folder to copy")
    copy.add_argument("target", help="the new project folder")
    copy.add_argument("--database", metavar="URL", help="the new project's database on a PostgreSQL server")
    copy.add_argument("--json", action="store_true")
    copy.set_defaults(run=cmd_copy)

    add = commands.add_parser("add", help="add videos to a project as clips")
    add.add_argument("project")
    add.add_argument("videos", nargs="+", metavar="VIDEO")
    add.add_argument("--no-proxy", action="store_true",
                     help="do not build the lossless seek index for long-GOP videos (slower random access)")
    add.add_argument("--json", action="store_true")
    add.set_defaults(run=cmd_add)

    info = commands.add_parser("info", help="list clips with frame count, fps, size, VFR and label counts")
    info.add_argument("project")
    info.add_argument("--json", action="store_true")
    info.set_defaults(run=cmd_info)

    relink = commands.add_parser("relink", help="point a clip at its moved video (content must match)")
    relink.add_argument("project")
    relink.add_argument("clip", type=int, metavar="CLIP_ID")
    relink.add_argument("video")
    relink.add_argument("--json", action="store_true")
    relink.set_defaults(run=cmd_relink)

    hist = commands.add_parser("history", help="list the edit history, or undo/redo the last edit")
    hist.add_argument("project")
    step = hist.add_mutually_exclusive_group()
    step.add_argument("--undo", action="store_true",
                      help="undo your newest edit (refused if someone has changed it since)")
    step.add_argument("--redo", action="store_true", help="redo the edit you undid last")
    hist.add_argument("--limit", type=int, default=50)
    hist.add_argument("--json", action="store_true")
    hist.set_defaults(run=cmd_history)
