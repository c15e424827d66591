"""`plumb` command line. With no sub-command it opens the window.

Every command prints one actionable line and exits non-zero on error, and prints data as
strict JSON with --json, so scripts and cluster jobs get everything the window offers. An
error Plumb did not foresee is still one line (what went wrong and how to see more);
``--debug`` or ``PLUMB_DEBUG=1`` shows its traceback instead.
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


class OneLineParser(argparse.ArgumentParser):
    """A usage error is one line, like every other error, pointing at --help for the usage."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {' '.join(message.split())} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="plumb",
        description="Judge and coach athletic movement from video. Without a command, opens the window.",
    )
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error (also PLUMB_DEBUG=1)")
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


def debugging(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "debug", False)) or os.environ.get("PLUMB_DEBUG", "") not in ("", "0")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        return cmd_gui(args)
    try:
        return args.run(args)
    except PlumbError as exc:
        if debugging(args):
            raise
        print(f"plumb {args.command}: {one_line(str(exc))}", file=sys.stderr)
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
    except MemoryError:
        if debugging(args):
            raise
        print(f"plumb {args.command}: ran out of memory; an input asks for far more than this machine has "
              "(check the file's sizes and frame numbers)", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback reaches a user
        if debugging(args):
            raise
        print(f"plumb {args.command}: unexpected error ({type(exc).__name__}: {one_line(str(exc))[:300]}); "
              "rerun with --debug to see where, and report it", file=sys.stderr)
        return EXIT_ERROR


def one_line(message: str) -> str:
    """A message on one line: a wrapped line is joined, so a script reads one line per error."""
    return " ".join(message.split())


def gui_main() -> int:
    return cmd_gui(argparse.Namespace(project=None))
