"""Per-user interface settings: window layout and the recent-projects list.

Project data never lives here (it is in the project folder). The location is injectable so
tests and scripts never touch the user's real settings: pass an ini path, or set
``PLUMB_SETTINGS_DIR`` to a folder that will hold ``plumb.ini``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

SETTINGS_DIR_ENV = "PLUMB_SETTINGS_DIR"
SETTINGS_FILE = "plumb.ini"
MAX_RECENT = 10


def with_recent(paths: Iterable[str], new: str, limit: int = MAX_RECENT) -> list[str]:
    """``paths`` with ``new`` moved to the front, without duplicates, at most ``limit`` long."""
    new_key = os.path.normcase(os.path.abspath(new))
    rest = [p for p in paths if os.path.normcase(os.path.abspath(p)) != new_key]
    return [os.path.abspath(new), *rest][:limit]


class AppSettings:
    """Typed access to the few values the interface keeps between runs."""

    def __init__(self, ini_path: str | os.PathLike[str] | None = None) -> None:
        if ini_path is None and os.environ.get(SETTINGS_DIR_ENV):
            ini_path = Path(os.environ[SETTINGS_DIR_ENV]) / SETTINGS_FILE
        if ini_path is None:
            self._qsettings = QSettings("Plumb", "Plumb")
        else:
            Path(ini_path).parent.mkdir(parents=True, exist_ok=True)
            self._qsettings = QSettings(str(ini_path), QSettings.Format.IniFormat)

    @property
    def path(self) -> str:
        return self._qsettings.fileName()

    @property
    def store(self) -> QSettings:
        """The underlying key/value store, for panels that keep their own group of keys."""
        return self._qsettings

    def sync(self) -> None:
        self._qsettings.sync()

    # --- recent projects -----------------------------------------------------------------
    def recent_projects(self) -> list[str]:
        """Most recent first, as stored (folders that have gone missing included)."""
        value = self._qsettings.value("recent/projects", [])
        if value is None:
            return []
        if isinstance(value, str):  # an ini list of one item reads back as a plain string
            return [value] if value else []
        return [str(v) for v in value if v]

    def existing_recent_projects(self) -> list[str]:
        """The recent projects whose folder is still there: what the Open Recent menu shows."""
        return [p for p in self.recent_projects() if Path(p).is_dir()]

    def add_recent_project(self, folder: str | os.PathLike[str]) -> None:
        self._qsettings.setValue("recent/projects", with_recent(self.recent_projects(), os.fspath(folder)))
        self._qsettings.sync()

    def clear_recent_projects(self) -> None:
        self._qsettings.remove("recent/projects")
        self._qsettings.sync()

    # --- window layout -------------------------------------------------------------------
    def window_layout(self) -> tuple[QByteArray | None, QByteArray | None, QByteArray | None]:
        """(geometry, state, splitter) as saved by :meth:`save_window_layout`, or Nones."""
        return tuple(self._bytes(f"window/{key}") for key in ("geometry", "state", "splitter"))

    def save_window_layout(self, geometry: QByteArray, state: QByteArray, splitter: QByteArray) -> None:
        self._qsettings.setValue("window/geometry", geometry)
        self._qsettings.setValue("window/state", state)
        self._qsettings.setValue("window/splitter", splitter)
        self._qsettings.sync()

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._qsettings.value(key)
        if isinstance(value, QByteArray) and not value.isEmpty():
            return value
        if isinstance(value, (bytes, bytearray)) and value:
            return QByteArray(bytes(value))
        return None
