"""Fixtures for window tests: real projects in tmp_path, real decoded video, injected settings.

Every window made through ``make_window`` is closed at the end of the test, and the test
fails if a window stays open or a decoder thread is still running (napari-style leak check).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from app.project import Project
from app.ui.dialogs import RecordingReporter
from app.ui.frame_loader import FrameLoader, qimage_to_rgb
from app.ui.main_window import MainWindow
from app.ui.settings import SETTINGS_DIR_ENV, AppSettings
from tests.helpers.videos import read_frame_number, write_numbered_video

FRAMES = 60


@pytest.fixture(autouse=True)
def no_real_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anything that builds AppSettings() without a path writes under tmp_path, never to ~."""
    monkeypatch.setenv(SETTINGS_DIR_ENV, str(tmp_path / "env-settings"))


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "settings" / "plumb.ini"


@pytest.fixture
def numbered_video(tmp_path: Path) -> Path:
    (tmp_path / "videos").mkdir()
    return write_numbered_video(tmp_path / "videos" / "dive.mp4", frames=FRAMES, gop=12)


@pytest.fixture
def project_dir(tmp_path: Path, numbered_video: Path) -> Path:
    """A closed project holding one clip (id 1) made from ``numbered_video``."""
    folder = tmp_path / "project"
    with Project.create(folder) as project:
        project.add_video(numbered_video)
    return folder


@pytest.fixture
def make_window(qtbot, settings_path: Path) -> Iterator[Callable[..., MainWindow]]:
    windows: list[MainWindow] = []

    def make(**kwargs) -> MainWindow:
        kwargs.setdefault("settings", AppSettings(settings_path))
        kwargs.setdefault("reporter", RecordingReporter())
        window = MainWindow(**kwargs)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()  # window shortcuts (Space, arrows, Ctrl+O...) need the active window
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
    QApplication.processEvents()
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    assert FrameLoader.running() == [], "a decoder thread outlived its window"


def shown_number(window: MainWindow) -> int:
    """The frame number encoded in the pixels the view is showing."""
    return read_frame_number(qimage_to_rgb(window.pane.view.shown_image()))


def wait_for_frame(qtbot, window: MainWindow, index: int, timeout: int = 5000) -> None:
    qtbot.waitUntil(lambda: window.pane.shown_index == index, timeout=timeout)


class SlowSource:
    """A real FrameSource whose decodes take at least ``delay_s`` (a slow codec or disk)."""

    def __init__(self, path: Path, proxy_path: Path | None, cache_bytes: int, delay_s: float = 0.02) -> None:
        from app.media.frame_source import FrameSource

        self._source = FrameSource(path, cache_bytes=cache_bytes, proxy_path=proxy_path)
        self.info = self._source.info
        self.delay_s = delay_s

    def __len__(self) -> int:
        return len(self._source)

    def frame(self, index: int) -> np.ndarray:
        time.sleep(self.delay_s)
        return self._source.frame(index)

    def timestamp(self, index: int) -> float:
        return self._source.timestamp(index)

    def prefetch(self, center: int, radius: int) -> int:
        return 0

    def close(self) -> None:
        self._source.close()
