"""`plumb check` (label quality report) and `plumb agreement` (PCKh / OKS between two pose layers).

Add to app/cli/__init__.py build_parser(): ``check_commands.add_parsers(commands)``.
`plumb check` is a report: it exits 0 whether or not it finds problems, 1 only on errors.
"""

from __future__ import annotations

import argparse

from app.cli.common import print_json


def cmd_check(args: argparse.Namespace) -> int:
    from app.label_qa import check_project, count_by_kind
    from app.project import Project

    with Project.open(args.project) as project:
        problems = check_project(project, args.clip)
    counts = count_by_kind(problems)
    if args.json:
        print_json({"counts": counts, "problems": [p.to_json() for p in problems]})
        return 0
    if not problems:
        print("No problems found.")
        return 0
    for kind, count in counts.items():
        print(f"{kind} ({count})")
        for p in (p for p in problems if p.kind == kind):
            where = "" if p.frames is None else (f" frame {p.frames[0]}" if p.frames[0] == p.frames[1]
                                                 else f" frames {p.frames[0]}-{p.frames[1]}")
            print(f"  clip {p.clip_id} {p.clip_name}{where}: {p.message}")
    print(f"{len(problems)} problem(s): " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def _cell(value) -> str:
    return "     -" if value is None or value != value else f"{value:6.3f}"


def cmd_agreement(args: argparse.Namespace) -> int:
    from app.agreement import compare_layers
    from app.project import Project

    with Project.open(args.project) as project:
        result = compare_layers(project, args.a, args.b, args.clip)
    if args.json:
        print_json(result.to_json())
        return 0
    approx = " (approximate MPII sigmas)" if result.oks_approximate else ""
    print(f"{result.layer_b} against {result.layer_a} (reference): {result.clips} clip(s), {result.frames} frames, "
          f"{result.schema}")
    print(f"{'joint':<16} {'PCKh@0.5':>8} {'OKS':>6} {'n':>6}")
    counted = (result.pckh or result.oks).counted if (result.pckh or result.oks) else None
    for j, name in enumerate(result.joint_names):
        p = result.pckh.per_joint[j] if result.pckh else None
        o = result.oks.per_joint[j] if result.oks else None
        n = int(counted[j]) if counted is not None else 0
        print(f"{name:<16} {_cell(p):>8} {_cell(o):>6} {n:>6}")
    print(f"{'stage':<16} {'PCKh@0.5':>8} {'OKS':>6} {'frames':>6}")
    for s in result.stages:
        print(f"{s.stage:<16} {_cell(s.pckh):>8} {_cell(s.oks):>6} {s.frames:>6}")
    print(f"{'overall':<16} {_cell(result.pckh.overall if result.pckh else None):>8} "
          f"{_cell(result.oks.overall if result.oks else None):>6} {result.frames:>6}{approx}")
    return 0


def add_parsers(commands) -> None:
    check = commands.add_parser("check", help="report label problems: judging arithmetic, dive numbers, "
                                              "stages, poses outside the frame, bone lengths, lost athlete")
    check.add_argument("project")
    check.add_argument("--clip", type=int, action="append", metavar="ID", help="check only this clip (repeatable)")
    check.add_argument("--json", action="store_true")
    check.set_defaults(run=cmd_check)

    agree = commands.add_parser("agreement", help="PCKh@0.5 and OKS between two pose layers, per joint and stage")
    agree.add_argument("project")
    agree.add_argument("--a", required=True, metavar="LAYER",
                       help="reference layer (e.g. working) or annotator (layer annotator:NAME)")
    agree.add_argument("--b", required=True, metavar="LAYER", help="compared layer, e.g. model:mediapipe")
    agree.add_argument("--clip", type=int, action="append", metavar="ID", help="only this clip (repeatable)")
    agree.add_argument("--json", action="store_true")
    agree.set_defaults(run=cmd_agreement)
