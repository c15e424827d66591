"""The small dialog of Pose ▸ Re-run Model on Frames…: which frames, first and last."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QWidget

DEFAULT_RADIUS = 10


def default_range(frame_count: int, current: int, radius: int = DEFAULT_RADIUS) -> tuple[int, int]:
    """The playhead ± ``radius``, kept inside the clip."""
    last_frame = max(0, frame_count - 1)
    current = min(max(0, current), last_frame)
    return max(0, current - radius), min(last_frame, current + radius)


class FrameRangeDialog(QDialog):
    def __init__(self, frame_count: int, current: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Re-run Model on Frames")
        first, last = default_range(frame_count, current)
        self.first = QSpinBox(self)
        self.last = QSpinBox(self)
        for box, value in ((self.first, first), (self.last, last)):
            box.setRange(0, max(0, frame_count - 1))
            box.setValue(value)
        self.first.valueChanged.connect(lambda v: self.last.setValue(max(v, self.last.value())))
        self.last.valueChanged.connect(lambda v: self.first.setValue(min(v, self.first.value())))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QFormLayout(self)
        layout.addRow(QLabel("The model's joints on these frames are replaced; manual joints are kept.", self))
        layout.addRow("First frame:", self.first)
        layout.addRow("Last frame:", self.last)
        layout.addRow(buttons)

    def frame_range(self) -> tuple[int, int]:
        return self.first.value(), self.last.value()


def ask_frame_range(parent: QWidget | None, frame_count: int, current: int) -> tuple[int, int] | None:
    dialog = FrameRangeDialog(frame_count, current, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.frame_range()
