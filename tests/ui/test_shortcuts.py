"""The shortcut sheet lists actions with their keys, grouped, and filters as you type."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from app.ui.shortcuts import ShortcutSheet, install_shortcut_sheet, open_sheet_of


def _actions(window: QMainWindow) -> list[QAction]:
    file_menu = window.menuBar().addMenu("&File")
    open_action = file_menu.addAction("&Open project…")
    open_action.setShortcut(QKeySequence("Ctrl+O"))
    play = QAction("Play / pause", window)
    play.setShortcut(QKeySequence("Space"))
    play.setProperty("shortcutGroup", "Playback")
    step = QAction("Next frame", window)
    step.setShortcuts([QKeySequence("Right"), QKeySequence("D")])
    step.setProperty("shortcutGroup", "Playback")
    bare = QAction("Export && share", window)
    separator = QAction(window)
    separator.setSeparator(True)
    return [open_action, play, step, bare, separator]


def test_sheet_lists_and_groups_actions(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    sheet = ShortcutSheet(_actions(window), window)
    qtbot.addWidget(sheet)
    rows = sheet.rows()
    assert ("File", "Open project…", QKeySequence("Ctrl+O").toString(QKeySequence.SequenceFormat.NativeText)) in rows
    assert ("Playback", "Play / pause", "Space") in rows
    assert ("Playback", "Next frame", "Right, D") in rows
    assert ("General", "Export & share", "—") in rows
    assert len(rows) == 4


def test_sheet_filters_by_name_key_or_group(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    sheet = ShortcutSheet(_actions(window), window)
    qtbot.addWidget(sheet)
    qtbot.keyClicks(sheet.search, "next")
    assert [r[1] for r in sheet.rows()] == ["Next frame"]
    sheet.search.setText("playback")
    assert [r[1] for r in sheet.rows()] == ["Play / pause", "Next frame"]
    sheet.search.setText("space")
    assert [r[1] for r in sheet.rows()] == ["Play / pause"]
    sheet.search.setText("zzz")
    assert sheet.rows() == [] and not sheet.empty.isHidden()
    sheet.search.setText("")
    assert len(sheet.rows()) == 4 and sheet.empty.isHidden()


def test_install_adds_f1_and_question_mark(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    action = install_shortcut_sheet(window, _actions(window))
    assert [k.toString() for k in action.shortcuts()] == ["F1", "?"]
    assert action in window.actions()
    action.trigger()
    sheet = open_sheet_of(window)
    assert sheet is not None and sheet.isVisible()
    assert ("Help", "Keyboard shortcuts", "F1, ?") in sheet.rows()
    action.trigger()  # opening again replaces the sheet, never stacks two
    assert open_sheet_of(window) is not sheet
    open_sheet_of(window).close()
