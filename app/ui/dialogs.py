"""Asking the user (file dialogs) and telling the user (message boxes).

Actions take their parameters as arguments and only call these when a parameter is missing,
so every action runs in a test without a modal dialog. Errors go through a reporter object
that tests replace with :class:`RecordingReporter`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

MAX_LISTED = 8
VIDEO_FILTER = "Videos (*.mp4 *.mov *.m4v *.avi *.mkv *.webm *.mts *.m2ts *.mpg *.mpeg *.wmv *.y4m);;All files (*)"


class MessageBoxReporter:
    """Shows each problem in a modal QMessageBox: a title and the one-line message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def error(self, title: str, message: str) -> None:
        QMessageBox.warning(self.parent, title, message)

    def problems(self, title: str, summary: str, messages: list[str]) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, summary, QMessageBox.StandardButton.Ok, self.parent)
        box.setInformativeText("\n\n".join(messages[:MAX_LISTED]))
        if len(messages) > MAX_LISTED:  # a folder of bad files must not make a dialog taller than the screen
            more = f"\n\n…and {len(messages) - MAX_LISTED} more (see Details)."
            box.setInformativeText(box.informativeText() + more)
            box.setDetailedText("\n".join(messages))
        box.exec()


@dataclass
class RecordingReporter:
    """Keeps what would have been shown; for tests and scripts."""

    shown: list[tuple[str, str]] = field(default_factory=list)

    def error(self, title: str, message: str) -> None:
        self.shown.append((title, message))

    def problems(self, title: str, summary: str, messages: list[str]) -> None:
        self.shown.append((title, "\n".join([summary, *messages])))


def make_excepthook(reporter, previous: Callable = sys.__excepthook__) -> Callable:
    """An excepthook that prints the traceback (``previous``) and then tells the user in one line.

    Installed by run_gui: an unexpected error inside a slot is reported, and the window stays up.
    """

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        previous(exc_type, exc, tb)
        if issubclass(exc_type, KeyboardInterrupt):
            return
        # Only what reached the edit log is known to be saved: each edit is committed with its
        # log entry, so the History panel is the true list; the failing action may not be in it.
        reporter.error("Unexpected error", f"{exc_type.__name__}: {exc}. The edits listed in History are saved; "
                       "the action that failed may not have been. Please report this with the details "
                       "printed in the terminal.")

    return hook


def ask_new_project_folder(parent: QWidget | None) -> str | None:
    folder, _ = QFileDialog.getSaveFileName(
        parent, "New Project — choose a name for the new project folder", str(Path.home()), "")
    return folder or None


def ask_project_folder(parent: QWidget | None) -> str | None:
    folder = QFileDialog.getExistingDirectory(parent, "Open Project — choose a project folder", str(Path.home()))
    return folder or None


def ask_video_files(parent: QWidget | None) -> list[str]:
    paths, _ = QFileDialog.getOpenFileNames(parent, "Add Videos", str(Path.home()), VIDEO_FILTER)
    return list(paths)


def ask_relink_file(parent: QWidget | None, clip_name: str, old_path: Path) -> str | None:
    start = old_path.parent if old_path.parent.is_dir() else Path.home()
    path, _ = QFileDialog.getOpenFileName(parent, f"Relink “{clip_name}” — where is {old_path.name} now?",
                                          str(start), VIDEO_FILTER)
    return path or None
