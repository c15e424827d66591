"""Function calls in their own QThread, for panel actions that take seconds.

:class:`BackgroundCall` is one call: ``done(generation, result)`` or ``failed(generation,
message)`` is emitted from the worker thread. :class:`BackgroundCalls` is what a panel holds:
it starts calls and reports only the newest one's result, on the panel's thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot


class BackgroundCall(QObject):
    done = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, function: Callable[[], Any], generation: int, *, name: str, failure: str) -> None:
        super().__init__()
        self.function, self.generation, self.failure = function, generation, failure
        self.thread = QThread()
        self.thread.setObjectName(name)
        self.moveToThread(self.thread)
        self.thread.started.connect(self._run)

    @Slot()
    def _run(self) -> None:
        try:
            result = self.function()
        except Exception as exc:  # a broken row or file must not take the window down
            self.failed.emit(self.generation, f"{self.failure}: {exc}")
        else:
            self.done.emit(self.generation, result)
        finally:
            self.thread.quit()


class BackgroundCalls(QObject):
    """A panel's background calls: starts them, knows which one is current, joins them.

    A newer :meth:`start` (or :meth:`supersede`) makes older results stale; ``done`` and
    ``failed`` are re-emitted on the panel's thread for the current call only.
    """

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._calls: list[BackgroundCall] = []

    def start(self, function: Callable[[], Any], *, name: str, failure: str) -> None:
        self._generation += 1
        call = BackgroundCall(function, self._generation, name=name, failure=failure)
        call.done.connect(self._done, Qt.ConnectionType.QueuedConnection)
        call.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        # Queued to this object: the list is only ever touched on the panel's thread.
        call.thread.finished.connect(self._forget_finished, Qt.ConnectionType.QueuedConnection)
        self._calls.append(call)
        call.thread.start()

    def supersede(self) -> None:
        """Whatever is running now will not be reported."""
        self._generation += 1

    def is_running(self) -> bool:
        return any(c.thread.isRunning() for c in self._calls)

    def wait(self, ms: int) -> None:
        for call in list(self._calls):
            call.thread.wait(ms)

    @Slot(int, object)
    def _done(self, generation: int, result: Any) -> None:
        if generation == self._generation:
            self.done.emit(result)

    @Slot(int, str)
    def _failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.failed.emit(message)

    @Slot()
    def _forget_finished(self) -> None:
        self._calls = [c for c in self._calls if c.thread.isRunning()]
