"""`plumb` command line. With no sub-command it opens the window.

Every command prints one actionable line and exits non-zero on error, and prints data as
JSON with --json, so scripts and cluster jobs get everything the window offers.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from app.cli import (
    assess_commands,
    check_commands,
    coach_commands,
    dataset_commands,
    pose_commands,
    project_commands,
    suggest_commands,
)
from app.cli.common import EXIT_ERROR
from app.errors import PlumbError


def cmd_gui(args: argparse.Namespace) -> int:
    from app.ui.main_window import run_gui

    return run_gui(getattr(args, "project", None))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plumb",
        description="Judge and coach athletic movement from video. Without a command, opens the window.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = commands.add_parser("gui", help="open the window (the default)")
    gui.add_argument("project", nargs="?", help="project folder to open")
    gui.set_defaults(run=cmd_gui)
    project_commands.add_parsers(commands)
    pose_commands.add_parsers(commands)
    dataset_commands.add_parsers(commands)
    check_commands.add_parsers(commands)
    assess_commands.add_parsers(commands)
    suggest_commands.add_parsers(commands)
    coach_commands.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        return cmd_gui(args)
    try:
        return args.run(args)
    except PlumbError as exc:
        print(f"plumb {args.command}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"plumb {args.command}: interrupted; finished work was kept.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`plumb ... | head`): the remaining output has nowhere to go.
        # Point stdout at devnull so Python's own flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR


def gui_main() -> int:
    return cmd_gui(argparse.Namespace(project=None))
