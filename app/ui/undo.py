"""Undo/redo in the window: a QUndoStack of thin commands around the Qt-free edit log.

The project's edit log (app.edits.EditHistory) is the real undo stack: it lives in the
database, so it survives a restart. The QUndoStack mirrors the edits made in this session
(for Qt's undo view and action texts); when it has nothing left to undo, Ctrl+Z carries on
into the persistent log, so work from an earlier session can be undone too.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack

from app.edits import Edit, EditHistory
from app.errors import EditError
from app.project import Project
from app.store.events import HistoryChanged, LabelsChanged, PosesChanged, StagesChanged


class EditCommand(QUndoCommand):
    """One applied edit. Pushed after it was applied, so the first redo() does nothing.

    UndoStack.undo_any / redo_any step the edit log first (it may refuse, and then nothing
    moves) and tell the command to skip its own step; called by Qt directly, the command steps
    the log itself and reports a refusal through `refused`."""

    def __init__(self, history: EditHistory, edit: Edit, log_id: int, refused: Callable[[str], None]) -> None:
        super().__init__(edit.description)
        self.history = history
        self.edit = edit
        self.log_id = log_id
        self.refused = refused
        self.skip_next = True  # QUndoStack.push calls redo(); the edit is already written

    def redo(self) -> None:
        self._step(self.history.redo)

    def undo(self) -> None:
        self._step(self.history.undo)

    def _step(self, step) -> None:
        if self.skip_next:
            self.skip_next = False
            return
        try:
            step()
        except EditError as exc:
            self.refused(str(exc))


class UndoStack(QUndoStack):
    """Apply edits (refused ones report their message and change nothing), undo and redo them."""

    editRefused = Signal(str)
    editApplied = Signal(str)  # description of an edit just written

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self._below = 0  # edits of earlier sessions undone from the persistent log, newest last

    def set_project(self, project: Project | None) -> None:
        self.clear()
        self.project = project
        self._below = 0

    def push_edit(self, edit: Edit) -> bool:
        """Write ``edit`` as one undo step; False when refused (editRefused says why) or a no-op."""
        if self.project is None:
            self.editRefused.emit("Open a project first.")
            return False
        try:
            log_id = self.project.history.apply(edit)
        except EditError as exc:
            self.editRefused.emit(str(exc))
            return False
        if log_id is None:
            return False  # it would change nothing
        self._below = 0  # the log dropped what was undone
        self.push(EditCommand(self.project.history, edit, log_id, self.editRefused.emit))
        self.editApplied.emit(edit.description)
        return True

    def can_undo_any(self) -> bool:
        return self.canUndo() or (self.project is not None and self.project.history.can_undo())

    def can_redo_any(self) -> bool:
        return self.redo_text() is not None

    def undo_any(self) -> None:
        """Undo this window's newest edit, or one of an earlier session; an edit someone has
        changed since is refused (editRefused says who and when) and nothing moves."""
        if self.project is None or not self._step(self.project.history.undo):
            return
        if self.canUndo():
            self.command(self.index() - 1).skip_next = True
            self.undo()
        else:
            self._below += 1

    def redo_any(self) -> None:
        # Edits of this session are newer than anything undone before it, so they redo first
        # only once the persistent undos of this session have been redone.
        if self.project is None or not self._step(self.project.history.redo):
            return
        if not self._below and self.canRedo():
            self.command(self.index()).skip_next = True
            self.redo()
        else:
            self._below = max(0, self._below - 1)

    def _step(self, step) -> bool:
        try:
            return step() is not None
        except EditError as exc:
            self.editRefused.emit(str(exc))
            return False

    def undo_text(self) -> str | None:
        return self.project.history.undo_description() if self.project is not None else None

    def redo_text(self) -> str | None:
        if not self._below and self.canRedo():
            return self.redoText()
        return self.project.history.redo_description() if self.project is not None else None


class StoreSignals(QObject):
    """The Qt side of the project's EventBus: one signal per event type.

    Events published on a worker thread (a pose run) reach the widgets queued on the UI thread.
    """

    posesChanged = Signal(object)  # PosesChanged
    stagesChanged = Signal(int)  # clip id
    labelsChanged = Signal(int)  # clip id
    historyChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: list[Callable[[], None]] = []

    def set_project(self, project: Project | None) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if project is None:
            return
        events = project.events
        self._unsubscribe = [
            events.subscribe(PosesChanged, self.posesChanged.emit),
            events.subscribe(StagesChanged, lambda e: self.stagesChanged.emit(e.clip_id)),
            events.subscribe(LabelsChanged, lambda e: self.labelsChanged.emit(e.clip_id)),
            events.subscribe(HistoryChanged, lambda _e: self.historyChanged.emit()),
        ]


def undo_actions(stack: UndoStack, signals: StoreSignals, parent: QObject) -> tuple[QAction, QAction]:
    """Undo (Ctrl+Z) and Redo (Ctrl+Shift+Z / Ctrl+Y), kept enabled and labelled from the log."""
    undo = QAction("&Undo", parent)
    undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
    undo.triggered.connect(lambda _checked=False: stack.undo_any())
    redo = QAction("&Redo", parent)
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    redo.triggered.connect(lambda _checked=False: stack.redo_any())

    def refresh() -> None:
        undo_text, redo_text = stack.undo_text(), stack.redo_text()
        undo.setEnabled(undo_text is not None)
        undo.setText(f"&Undo {undo_text}" if undo_text else "&Undo")
        redo.setEnabled(redo_text is not None)
        redo.setText(f"&Redo {redo_text}" if redo_text else "&Redo")

    signals.historyChanged.connect(refresh)
    stack.indexChanged.connect(lambda _index: refresh())
    stack.cleanChanged.connect(lambda _clean: refresh())
    refresh()
    undo.refresh = refresh  # type: ignore[attr-defined]  # for a project switch
    return undo, redo
