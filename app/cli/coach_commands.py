"""`plumb exemplar`, `plumb report` and `plumb render`: what a coach does with one clip, without
the window."""

from __future__ import annotations

import argparse

from app.cli.common import print_json, progress_line


def cmd_exemplar(args: argparse.Namespace) -> int:
    from app.exemplars import exemplar_of, mark_exemplar
    from app.project import Project

    with Project.open(args.project) as project:
        if args.auto or args.compare_with is not None:
            project.history.apply(mark_exemplar(args.clip, None if args.auto else args.compare_with))
        choice = exemplar_of(project, args.clip)
    if args.json:
        print_json(None if choice is None else choice.to_json())
    elif choice is None:
        print(f"Clip {args.clip} has no exemplar: no clip of its action scores higher. "
              f"Choose one with: plumb exemplar {args.project} --clip {args.clip} --with ID")
    else:
        print(f"Clip {args.clip} is compared with clip {choice.clip_id} ({choice.name}, {choice.how}).")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from app.project import Project
    from app.reports.coach_report import write_report

    with Project.open(args.project) as project:
        out = write_report(project, args.clip, args.out)
    print(out)
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from app.errors import PlumbError
    from app.exemplars import exemplar_of
    from app.media.overlay_video import render_overlay
    from app.media.side_by_side_video import render_side_by_side
    from app.project import Project

    if args.compare_with is not None and not args.side_by_side:
        raise PlumbError("--with chooses the exemplar of --side-by-side; add --side-by-side")
    if args.blur_faces and args.side_by_side:
        raise PlumbError("--blur-faces is not available with --side-by-side; render the clip alone to blur faces")
    with Project.open(args.project) as project:
        if not args.side_by_side:
            out = render_overlay(project, args.clip, args.out, first=args.first, last=args.last,
                                 blur_faces=args.blur_faces, progress=progress_line("render"))
        else:
            exemplar = args.compare_with
            if exemplar is None:
                choice = exemplar_of(project, args.clip)
                if choice is None:
                    raise PlumbError(f"clip {args.clip} has no exemplar to render beside; choose one with --with ID "
                                     f"or plumb exemplar {args.project} --clip {args.clip} --with ID")
                exemplar = choice.clip_id
            project.clip(exemplar)  # an unknown clip is refused before any work
            out = render_side_by_side(project, args.clip, exemplar, args.out, first=args.first, last=args.last,
                                      overlay=not args.no_overlay, progress=progress_line("render"))
    print(out)
    return 0


def add_parsers(commands) -> None:
    exemplar = commands.add_parser("exemplar", help="show or choose the clip a clip is compared with")
    exemplar.add_argument("project")
    exemplar.add_argument("--clip", type=int, required=True, metavar="ID")
    choice = exemplar.add_mutually_exclusive_group()
    choice.add_argument("--with", dest="compare_with", type=int, metavar="ID", help="compare with this clip")
    choice.add_argument("--auto", action="store_true",
                        help="let Plumb choose (the nearest higher-scored clip of the same action)")
    exemplar.add_argument("--json", action="store_true")
    exemplar.set_defaults(run=cmd_exemplar)

    report = commands.add_parser("report", help="a coach report of one clip: score, key frames, radar chart, "
                                                "feedback with thumbnails, joint angles")
    report.add_argument("project")
    report.add_argument("--clip", type=int, required=True, metavar="ID")
    report.add_argument("--out", required=True, metavar="FILE.html|FILE.pdf")
    report.set_defaults(run=cmd_report)

    render = commands.add_parser("render", help="the clip as H.264 with skeleton, box, stage bar and frame number "
                                                "burnt in")
    render.add_argument("project")
    render.add_argument("--clip", type=int, required=True, metavar="ID")
    render.add_argument("--out", required=True, metavar="FILE.mp4")
    render.add_argument("--first", type=int, metavar="N", help="first frame (default 0)")
    render.add_argument("--last", type=int, metavar="M", help="last frame (default the clip's last)")
    render.add_argument("--blur-faces", action="store_true", help="blur the athlete's face (from the head joints)")
    render.add_argument("--side-by-side", action="store_true",
                        help="the clip beside its exemplar, aligned stage by stage, the exemplar's skeleton "
                             "also drawn on the athlete (scaled to the torso, at the hips)")
    render.add_argument("--with", dest="compare_with", type=int, metavar="ID",
                        help="the exemplar to render beside (default: the clip's exemplar, see plumb exemplar)")
    render.add_argument("--no-overlay", action="store_true",
                        help="with --side-by-side: leave the exemplar's skeleton off the athlete's side")
    render.set_defaults(run=cmd_render)
