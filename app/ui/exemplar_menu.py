""""Compare with…": a button whose menu lists the clips that can be a clip's exemplar.

The first entry leaves the choice to Plumb (the nearest higher-scored clip of the same action);
the others are the project's other clips of the same sport, the current exemplar checked.
Choosing emits ``chosen(clip id or None)``; the owner applies the edit.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

AUTOMATIC = "Plumb's choice: the nearest higher-scored clip of this action"


class ExemplarButton(QToolButton):
    chosen = Signal(object)  # int clip id, or None for Plumb's choice

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText("Compare with…")
        self.setToolTip("The exemplar this clip's skill dimensions and feedback are measured against")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setMenu(QMenu(self))
        self.menu().aboutToShow.connect(self.rebuild)
        self.project = None
        self.clip_id: int | None = None

    def set_project(self, project) -> None:
        self.project = project
        self.clip_id = None

    def set_clip(self, clip_id: int | None) -> None:
        self.clip_id = clip_id
        self.rebuild()

    def rebuild(self) -> None:
        """Fill the menu from the project as it is now."""
        menu = self.menu()
        menu.clear()
        if self.project is None or self.clip_id is None:
            return
        clips = self.project.clips()
        clip = next((c for c in clips if c.id == self.clip_id), None)
        if clip is None:
            return
        group = QActionGroup(menu)
        self._add(menu, group, AUTOMATIC, None, clip.exemplar_clip_id is None)
        menu.addSeparator()
        for other in clips:
            if other.id != clip.id and other.sport == clip.sport:
                action = other.action or other.dive_number
                text = f"{other.name}" + (f"  ({action})" if action else "")
                self._add(menu, group, text, other.id, clip.exemplar_clip_id == other.id)

    def _add(self, menu: QMenu, group: QActionGroup, text: str, clip_id: int | None, checked: bool) -> QAction:
        action = menu.addAction(text.replace("&", "&&"))
        action.setCheckable(True)
        action.setChecked(checked)
        action.setData(clip_id)
        group.addAction(action)
        action.triggered.connect(lambda _checked=False, c=clip_id: self.chosen.emit(c))
        return action

    def choices(self) -> list[tuple[str, int | None, bool]]:
        """(text, clip id, checked) of each entry, as the menu shows them."""
        return [(a.text().replace("&&", "&"), a.data(), a.isChecked()) for a in self.menu().actions()
                if not a.isSeparator()]
