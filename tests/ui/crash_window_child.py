"""Opens the real window on a project and edits through the UI until it is killed.

    python -m tests.ui.crash_window_child PROJECT SETTINGS_INI

Edit K drags joint K % 16 of frame K // 16 to (K, 2K) via FrameEditor.move_joint (the path a
mouse release takes) and prints `committed K` once the edit has returned.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from app.store import queries  # noqa: E402
from app.ui.dialogs import RecordingReporter  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402
from app.ui.settings import AppSettings  # noqa: E402


def wait(app: QApplication, done, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        app.processEvents()
        time.sleep(0.001)


def main(project: str, settings: str) -> None:
    app = QApplication(sys.argv[:1])
    window = MainWindow(settings=AppSettings(settings), reporter=RecordingReporter())
    window.show()
    window.open_project(project)
    window.select_clip(1)
    with window.project.store.reading() as session:
        k = len(queries.history(session, limit=10**6))
    frames = window.project.clip(1).frame_count
    print("ready", flush=True)
    while k < frames * 16:
        frame = k // 16
        window.pane.player.seek(frame)
        wait(app, lambda: window.editor.frame == frame)
        assert window.editor.move_joint(k % 16, float(k), float(2 * k))
        print(f"committed {k}", flush=True)
        k += 1
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
