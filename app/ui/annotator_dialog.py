"""Asking who is labelling: once per project, remembered in the project settings."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QInputDialog, QWidget

MAX_NAME = 80  # the annotator column is String(80)


def clean_annotator_name(name: str | None) -> str | None:
    """A usable annotator name (whitespace collapsed, at most 80 characters) or None."""
    text = " ".join(str(name or "").split())[:MAX_NAME]
    return text or None


def ask_annotator_name(parent: QWidget | None, known: Sequence[str] = ()) -> str | None:
    """A modal question for the annotator's name; None when cancelled or left empty."""
    name, ok = QInputDialog.getItem(
        parent, "Who is labelling?",
        "Your name or initials (stored with every label you enter in this project):",
        list(known), 0, True)
    return clean_annotator_name(name) if ok else None


def remember_annotator(project, name: str) -> None:
    """Make `name` the project's current annotator and add it to the known annotators."""
    project.set_setting("annotator", name)
    known = list(project.setting("annotators") or [])
    if name not in known:
        project.set_setting("annotators", known + [name])
