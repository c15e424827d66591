"""The window's view of other Plumb processes on its project: their edits as they land, and
whether another window has the project open.

A one-second timer (and every return of focus to the window) runs ExternalEdits.check, one
pragma read when nothing changed; on a server project the window also wakes the moment the
server's notification arrives on its listening socket. Presence is refreshed every
TOUCH_EVERY. Nothing polls the tables themselves.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal
from PySide6.QtWidgets import QApplication

from app.edits.external import ExternalEdits
from app.edits.presence import TOUCH_EVERY, live_sessions, register, touch, unregister
from app.project import Project

CHECK_MS = 1000


class ProjectWatch(QObject):
    externalEdits = Signal(list)  # descriptions of edits other processes made, newest last
    othersChanged = Signal(str)  # "" or who else has the project open

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self._external: ExternalEdits | None = None
        self._notifier: QSocketNotifier | None = None
        self._others = ""
        self._since_touch = 0
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.check)
        app = QApplication.instance()
        if app is not None:
            app.applicationStateChanged.connect(lambda _state: self.check())

    def set_project(self, project: Project | None) -> None:
        self._stop()
        self.project = project
        if project is None:
            return
        history = project.history
        register(project.store, history.session_id, project.setting("annotator"))
        self._external = ExternalEdits(project.store, history)
        socket = self._external.fileno()
        if socket is not None:
            self._notifier = QSocketNotifier(socket, QSocketNotifier.Type.Read, self)
            self._notifier.activated.connect(lambda *_: self.check())
        self._since_touch = 0
        self._timer.start()
        self._update_others()

    def check(self) -> None:
        if self.project is None or self._external is None:
            return
        edits = self._external.check()
        if edits:
            self.externalEdits.emit(edits)
        self._since_touch += CHECK_MS
        if self._since_touch >= TOUCH_EVERY.total_seconds() * 1000:
            self._since_touch = 0
            touch(self.project.store, self.project.history.session_id, self.project.setting("annotator"))
        if self._external.saw_commit:  # another window may have opened or closed the project
            self._update_others()

    def _update_others(self) -> None:
        assert self.project is not None
        mine = self.project.history.session_id
        with self.project.store.reading() as session:
            others = [row for row in live_sessions(session) if row.id != mine]
            text = "" if not others else "Also open in " + ", ".join(
                f"Plumb of {row.annotator or 'someone'} on {row.host}" for row in others)
        if text != self._others:
            self._others = text
            self.othersChanged.emit(text)

    def _stop(self) -> None:
        self._timer.stop()
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._external is not None:
            self._external.close()
            self._external = None
        if self.project is not None:
            unregister(self.project.store, self.project.history.session_id)
        if self._others:
            self._others = ""
            self.othersChanged.emit("")

    def shutdown(self) -> None:
        self.set_project(None)
