"""Render the main window to a PNG without a display: ``python -m app.ui.screenshot``.

    python -m app.ui.screenshot PROJECT OUT.png [--clip ID] [--frame N] [--size 1280x800]

Uses throw-away settings (never the user's) and the offscreen Qt platform unless
QT_QPA_PLATFORM says otherwise. Exit status 1 with a one-line message on failure.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

WAIT_S = 60.0


def _wait(app, done: Callable[[], bool], timeout_s: float = WAIT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            return False
        app.processEvents()
        time.sleep(0.005)
    app.processEvents()
    return True


def render(project: str, out: str, *, clip_id: int | None = None, frame: int = 0,
           size: tuple[int, int] = (1280, 800)) -> str | None:
    """Write the screenshot; returns an error message, or None on success."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.ui.dialogs import RecordingReporter
    from app.ui.main_window import MainWindow
    from app.ui.settings import AppSettings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="plumb-screenshot-") as settings_dir:
        reporter = RecordingReporter()
        window = MainWindow(AppSettings(Path(settings_dir) / "plumb.ini"), reporter)
        try:
            window.resize(*size)
            window.show()
            if not window.open_project(project):
                return reporter.shown[-1][1]
            ids = window.clip_list.clip_ids()
            if ids:
                chosen = clip_id if clip_id is not None else ids[0]
                if not window.select_clip(chosen):
                    return f"clip {chosen} is not in {project} (clips: {', '.join(map(str, ids))})"
                pane = window.pane
                if pane.loader is not None:
                    pane.player.seek(frame)
                    target = pane.player.position
                    if not _wait(app, lambda: pane.shown_index == target or not pane.bar.isEnabled()):
                        return f"frame {target} was not decoded within {WAIT_S:.0f} s"
            _wait(app, lambda: False, 0.2)  # let layouts and the status bar settle
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            if not window.grab().save(str(out)):
                return f"{out}: cannot write the PNG"
            return None
        finally:
            window.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.ui.screenshot", description=__doc__.splitlines()[0])
    parser.add_argument("project", help="project folder")
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--clip", type=int, help="clip id (default: the first clip)")
    parser.add_argument("--frame", type=int, default=0, help="frame index (default 0)")
    parser.add_argument("--size", default="1280x800", help="window size WxH (default 1280x800)")
    args = parser.parse_args(argv)
    width, _, height = args.size.partition("x")
    problem = render(args.project, args.out, clip_id=args.clip, frame=args.frame, size=(int(width), int(height)))
    if problem:
        print(f"screenshot: {problem}", file=sys.stderr)
        return 1
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
