"""The keyboard shortcut sheet (F1 or ?): every action with its keys, grouped, searchable.

An action's group is its "shortcutGroup" property when set, else the title of the first menu
that holds it, else "General". The sheet reads the actions when it opens, so shortcuts changed
in the settings show as they are.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

GROUP_PROPERTY = "shortcutGroup"
DEFAULT_GROUP = "General"
SHEET_KEYS = ("F1", "?")


def _plain(text: str) -> str:
    """Menu text without its mnemonic ampersands ("&Open…" -> "Open…", "A && B" -> "A & B")."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


def action_group(action: QAction) -> str:
    group = action.property(GROUP_PROPERTY)
    if group:
        return str(group)
    for owner in action.associatedObjects():
        if isinstance(owner, QMenu) and owner.title():
            return _plain(owner.title())
    return DEFAULT_GROUP


def action_keys(action: QAction) -> list[str]:
    return [key.toString(QKeySequence.SequenceFormat.NativeText) for key in action.shortcuts() if not key.isEmpty()]


class ShortcutSheet(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("shortcutSheet")
        self.resize(460, 560)
        self.search = QLineEdit()
        self.search.setObjectName("shortcutSearch")
        self.search.setPlaceholderText("Search actions or keys…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.filter)
        self.tree = QTreeWidget()
        self.tree.setObjectName("shortcutTree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Action", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.empty = QLabel("No action matches.")
        self.empty.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        layout.addWidget(self.empty)
        self._fill(actions)
        self.search.setFocus()

    def _fill(self, actions: Iterable[QAction]) -> None:
        groups: dict[str, QTreeWidgetItem] = {}
        seen: set[int] = set()
        for action in actions:
            if action.isSeparator() or not _plain(action.text()) or id(action) in seen:
                continue
            seen.add(id(action))
            name = action_group(action)
            if name not in groups:
                groups[name] = QTreeWidgetItem(self.tree, [name])
                font = groups[name].font(0)
                font.setBold(True)
                groups[name].setFont(0, font)
                groups[name].setFirstColumnSpanned(True)
                groups[name].setFlags(Qt.ItemFlag.ItemIsEnabled)
            keys = action_keys(action)
            item = QTreeWidgetItem(groups[name], [_plain(action.text()), ", ".join(keys) or "—"])
            item.setToolTip(0, action.toolTip())
        self.tree.expandAll()

    def rows(self, visible_only: bool = True) -> list[tuple[str, str, str]]:
        """(group, action, keys) of the listed actions, for tests and scripts."""
        out = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            for i in range(group.childCount()):
                item = group.child(i)
                if not (visible_only and item.isHidden()):
                    out.append((group.text(0), item.text(0), item.text(1)))
        return out

    def filter(self, text: str) -> None:
        words = text.casefold().split()
        any_shown = False
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            shown = 0
            for i in range(group.childCount()):
                item = group.child(i)
                haystack = f"{group.text(0)} {item.text(0)} {item.text(1)}".casefold()
                match = all(word in haystack for word in words)
                item.setHidden(not match)
                shown += match
            group.setHidden(shown == 0)
            any_shown |= shown > 0
        self.empty.setVisible(not any_shown)


def install_shortcut_sheet(window: QWidget, actions: Iterable[QAction]) -> QAction:
    """Add the "Keyboard shortcuts" action (F1, ?) to `window`; returns it (e.g. for a Help menu).

    The sheet lists `actions` and the sheet's own action; it is non-modal and reused.
    """
    actions = list(actions)
    show = QAction("Keyboard shortcuts", window)
    show.setObjectName("showShortcuts")
    show.setShortcuts([QKeySequence(key) for key in SHEET_KEYS])
    show.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    show.setProperty(GROUP_PROPERTY, "Help")
    window.addAction(show)
    holder: dict[str, ShortcutSheet] = {}

    def open_sheet() -> None:
        old = holder.pop("sheet", None)
        if old is not None:
            old.close()
            old.deleteLater()
        sheet = ShortcutSheet([*actions, show], window)
        holder["sheet"] = sheet
        sheet.show()
        sheet.raise_()
        sheet.activateWindow()

    show.triggered.connect(open_sheet)
    window._shortcut_sheet = holder  # noqa: SLF001 — lets tests and the window reach the open sheet
    return show


def open_sheet_of(window: QWidget) -> ShortcutSheet | None:
    """The sheet install_shortcut_sheet opened on `window`, if any."""
    holder = getattr(window, "_shortcut_sheet", {})
    return holder.get("sheet")
