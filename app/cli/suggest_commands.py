"""`plumb suggest`: the frames of a clip most worth correcting next."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from app.cli.common import print_json


def cmd_suggest(args: argparse.Namespace) -> int:
    from app.pose_suggestions import suggest_frames
    from app.project import Project

    with Project.open(args.project) as project:
        suggestions = suggest_frames(project, args.clip, args.count)
    if args.json:
        print_json([asdict(s) for s in suggestions])
        return 0
    if not suggestions:
        print(f"Clip {args.clip}: nothing left to suggest (every frame looks sure, or is corrected).")
    for s in suggestions:
        stage = f" [{s.stage}]" if s.stage else ""
        print(f"frame {s.frame:>5}{stage}  {s.score:.2f}  " + "; ".join(s.reasons))
    return 0


def add_parsers(commands) -> None:
    suggest = commands.add_parser("suggest", help="the frames of a clip most worth correcting next, ranked")
    suggest.add_argument("project")
    suggest.add_argument("--clip", type=int, required=True, metavar="ID")
    suggest.add_argument("--count", type=int, default=10, help="how many frames (default 10)")
    suggest.add_argument("--json", action="store_true")
    suggest.set_defaults(run=cmd_suggest)
