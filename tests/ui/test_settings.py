"""Settings persist to the injected file only: recent projects, geometry, splitter sizes."""

from __future__ import annotations

import os
import shutil

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.project import Project
from app.ui.main_window import MainWindow, run_gui
from app.ui.settings import MAX_RECENT, SETTINGS_FILE, AppSettings, with_recent
from tests.ui.conftest import wait_for_frame


def recent_menu_folders(window) -> list[str]:
    window.recent_menu.aboutToShow.emit()
    return [action.data() for action in window.recent_menu.actions()]


def test_with_recent_moves_to_front_dedupes_and_caps():
    paths = [f"/p/{i}" for i in range(MAX_RECENT)]
    assert with_recent(paths, "/p/3") == ["/p/3", *[p for p in paths if p != "/p/3"]]
    assert with_recent(paths, "/p/new") == ["/p/new", *paths[:-1]]
    assert with_recent([], "/p/a/../b") == [os.path.abspath("/p/b")]


def test_recent_projects_persist_and_reopen_in_a_new_window(qtbot, make_window, settings_path, project_dir, tmp_path):
    other = tmp_path / "other"
    Project.create(other).close()
    window = make_window()
    window.open_project(project_dir)
    window.open_project(other)
    assert recent_menu_folders(window) == [str(other), str(project_dir)]
    window.close()

    assert settings_path.is_file()
    assert AppSettings(settings_path).recent_projects() == [str(other), str(project_dir)]
    again = make_window(settings=AppSettings(settings_path))
    assert recent_menu_folders(again) == [str(other), str(project_dir)]
    again.recent_menu.actions()[1].trigger()
    assert again.project is not None and again.project.root == project_dir
    assert again.clip_list.clip_ids() == [1]
    assert recent_menu_folders(again) == [str(project_dir), str(other)]


def test_missing_folders_are_left_out_of_the_menu(qtbot, make_window, project_dir, tmp_path):
    gone = tmp_path / "gone"
    Project.create(gone).close()
    window = make_window()
    window.open_project(gone)
    window.open_project(project_dir)
    window.close_project()
    shutil.rmtree(gone)
    assert recent_menu_folders(window) == [str(project_dir)]
    assert window.recent_menu.isEnabled()


def test_recent_list_keeps_ten(settings_path, tmp_path):
    settings = AppSettings(settings_path)
    for i in range(MAX_RECENT + 3):
        settings.add_recent_project(tmp_path / f"p{i}")
    stored = AppSettings(settings_path).recent_projects()
    assert len(stored) == MAX_RECENT
    assert stored[0] == str(tmp_path / f"p{MAX_RECENT + 2}")


def test_geometry_and_splitter_are_restored(qtbot, make_window, settings_path):
    window = make_window()
    window.resize(700, 500)  # within the offscreen 800×600 screen
    window.splitter.setSizes([250, 450])
    sizes = window.splitter.sizes()
    window.close()

    again = make_window(settings=AppSettings(settings_path))
    assert (again.width(), again.height()) == (700, 500)
    assert again.splitter.sizes() == sizes


def test_run_gui_opens_the_project_and_uses_the_settings_dir(qtbot, project_dir, tmp_path, monkeypatch):
    settings_dir = tmp_path / "from-env"
    monkeypatch.setenv("PLUMB_SETTINGS_DIR", str(settings_dir))
    seen = {}

    def inspect_and_close() -> None:
        [window] = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        window.select_clip(1)
        wait_for_frame(qtbot, window, 0)
        seen["title"] = window.windowTitle()
        seen["clips"] = window.clip_list.clip_ids()
        window.close()

    QTimer.singleShot(0, inspect_and_close)
    assert run_gui(str(project_dir)) == 0
    assert seen == {"title": "project — Plumb", "clips": [1]}
    assert AppSettings(settings_dir / SETTINGS_FILE).recent_projects() == [str(project_dir)]
