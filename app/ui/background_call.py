"""One function call in its own QThread, for panel actions that take seconds.

``done(generation, result)`` or ``failed(generation, message)`` is emitted from the worker
thread; connect them with a queued connection. The generation lets a panel drop the result
of a call a newer one has superseded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot


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
