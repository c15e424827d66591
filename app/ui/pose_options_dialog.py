"""Pose ▸ Auto-Annotation Settings…: the options of `plumb pose`, chosen in the window.

:class:`PoseOptionsDialog` gathers an app.auto_annotate.PoseOptions (which model, skeleton,
device, smoothing, gap filling, re-run, which athlete) and changes nothing itself.
:class:`PoseChoices` keeps what Auto-Annotate Clip runs with: the last choices in the user's
settings, so they outlive the window; the athlete box only for the clip it was drawn on (a
box means nothing on another clip); "re-run every frame" for the next run only, so that later
runs resume after their finished frames again.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QRadioButton,
                               QSpinBox, QStyle, QVBoxLayout, QWidget)

from app.auto_annotate import PoseOptions
from app.project import Project
from app.ui.settings import AppSettings
from inference.pose.landmark_models import heavy_model
from inference.pose.tracking import StartBox

if TYPE_CHECKING:
    from app.ui.editing import FrameEditor
    from app.ui.pose_worker import PoseRuns

BACKENDS = (("Bundled MediaPipe model", "mediapipe"), ("ONNX model file…", "onnx"),
            ("This project's fine-tuned model", "project"), ("mmpose config + checkpoint", "mmpose"))
SCHEMAS = (("MPII-16", "mpii16"), ("COCO-17", "coco17"), ("MediaPipe-33", "mp33"))
DEVICES = (("Automatic (GPU when present)", "auto"), ("CPU", "cpu"), ("CUDA GPU", "cuda"))
NO_CUDA = "This machine has no usable CUDA GPU (torch.cuda.is_available() is false)."
LANDMARKS = (("Automatic (heavy on stills and unsure frames; every frame on a GPU)", "auto"),
             ("Heavy on every frame (most accurate)", "heavy"), ("Full (fastest)", "full"))
NO_HEAVY = "The heavy landmark network is not installed: run bash packaging/setup.sh."
NO_BOX_HINT = "Draw the athlete's box on a frame first (Edit ▸ Add Athlete Box, B)."
MAX_SMOOTH = 10.0  # Gaussian sigma, frames
MAX_GAP = 250  # frames
SETTINGS_GROUP = "pose"


def cuda_available() -> bool:
    import torch  # the pose models load it anyway; not at import time of the window

    return bool(torch.cuda.is_available())


def grey_out(combo: QComboBox, value: str, reason: str) -> None:
    """The combo's item for value shown but not choosable, and why (on it and on the combo)."""
    item = combo.model().item(combo.findData(value))
    item.setEnabled(False)
    item.setToolTip(reason)
    combo.setToolTip(reason)


def drawn_athlete_box(editor: FrameEditor) -> StartBox | None:
    """The athlete box drawn on the canvas now, on the frame on screen, or None."""
    if editor.frame is None or editor.pose is None or editor.pose.bbox is None:
        return None
    return StartBox(int(editor.frame), tuple(float(v) for v in editor.pose.bbox))


# --- settings ------------------------------------------------------------------------------

def load_pose_options(settings: AppSettings, default: PoseOptions | None = None) -> PoseOptions:
    """The choices last saved by :func:`save_pose_options`, or ``default`` where none (or a bad one) is."""
    default = default if default is not None else PoseOptions()
    store = settings.store
    if not store.contains(f"{SETTINGS_GROUP}/backend"):
        return replace(default, start=None, rerun=False)

    def text(key: str, allowed: tuple[str, ...] | None, fallback: str | None) -> str | None:
        value = store.value(f"{SETTINGS_GROUP}/{key}")
        value = str(value) if value not in (None, "") else None
        return value if allowed is None or value in allowed else fallback

    def number(key: str, kind, fallback):
        try:
            return kind(store.value(f"{SETTINGS_GROUP}/{key}"))
        except (TypeError, ValueError):
            return fallback

    max_gap = number("max_gap", int, 0)
    return PoseOptions(
        backend=text("backend", tuple(name for _, name in BACKENDS), default.backend),
        model=text("model", None, None),
        config=text("config", None, None),
        schema=text("schema", tuple(name for _, name in SCHEMAS), default.schema),
        max_gap=max_gap if max_gap > 0 else None,
        smooth=min(max(number("smooth", float, default.smooth), 0.0), MAX_SMOOTH),
        device=text("device", tuple(name for _, name in DEVICES), default.device),
        landmarks=text("landmarks", tuple(name for _, name in LANDMARKS), default.landmarks),
    )


def save_pose_options(settings: AppSettings, options: PoseOptions) -> None:
    """Keep the choices that hold for any clip (not the athlete box, not a one-off re-run)."""
    store = settings.store
    for key, value in (("backend", options.backend), ("model", options.model or ""),
                       ("config", options.config or ""), ("schema", options.schema),
                       ("max_gap", options.max_gap or 0), ("smooth", float(options.smooth)),
                       ("device", options.device), ("landmarks", options.landmarks)):
        store.setValue(f"{SETTINGS_GROUP}/{key}", value)
    store.sync()


# --- the dialog ----------------------------------------------------------------------------

class FileRow(QWidget):
    """A path field with a Browse… button."""

    changed = Signal()

    def __init__(self, caption: str, file_filter: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption, self.file_filter = caption, file_filter
        self.edit = QLineEdit(self)
        self.edit.setMinimumWidth(260)
        self.edit.setPlaceholderText(file_filter.partition("(")[2].rstrip(")"))
        self.browse = QPushButton("Browse…", self)
        self.browse.clicked.connect(self.choose)
        self.edit.textChanged.connect(lambda text: (self.edit.setToolTip(text), self.changed.emit()))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse)

    def path(self) -> str | None:
        return self.edit.text().strip() or None

    def set_path(self, path: str | None) -> None:
        self.edit.setText(path or "")

    def choose(self) -> None:
        start = self.path() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, self.caption, start, f"{self.file_filter};;All files (*)")
        if path:
            self.set_path(path)


class PoseOptionsDialog(QDialog):
    """Ask for the options of an auto-annotation run; :meth:`options` is the answer.

    ``drawn`` is the athlete box on the canvas now (None: none is drawn, and the model
    chooses the athlete); ``cuda`` whether a CUDA GPU is usable (None: ask torch); ``heavy``
    whether the heavy landmark network is installed (None: look).
    """

    def __init__(self, initial: PoseOptions | None = None, drawn: StartBox | None = None, *,
                 cuda: bool | None = None, heavy: bool | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        initial = initial if initial is not None else PoseOptions()
        self.drawn = drawn
        self.setWindowTitle("Auto-annotation settings")
        self.setObjectName("poseOptionsDialog")

        self.backend = QComboBox(self)
        for label, name in BACKENDS:
            self.backend.addItem(label, name)
        self.onnx_file = FileRow("ONNX pose model", "ONNX models (*.onnx)", self)
        self.checkpoint_file = FileRow("mmpose checkpoint", "Checkpoints (*.pth *.pt)", self)
        self.config_file = FileRow("mmpose config", "mmpose configs (*.py)", self)
        self.schema = QComboBox(self)
        for label, name in SCHEMAS:
            self.schema.addItem(label, name)
        self.schema.setToolTip("The keypoints written to the clip; a clip keeps the skeleton it was first given.")
        self.device = QComboBox(self)
        for label, name in DEVICES:
            self.device.addItem(label, name)
        self.cuda = cuda_available() if cuda is None else cuda
        if not self.cuda:
            grey_out(self.device, "cuda", NO_CUDA)
        self.landmarks = QComboBox(self)
        for label, name in LANDMARKS:
            self.landmarks.addItem(label, name)
        self.heavy = heavy_model() is not None if heavy is None else heavy
        self.landmarks.setToolTip("The network each pose is finally read with. Heavy (BlazePose heavy) "
                                  "is more accurate on inverted and tucked bodies; a pass costs 3.5 times "
                                  "full's, so on a CPU it doubles the time a video frame takes.")
        if not self.heavy:
            grey_out(self.landmarks, "heavy", NO_HEAVY)
        self.smooth = QDoubleSpinBox(self)
        self.smooth.setRange(0.0, MAX_SMOOTH)
        self.smooth.setSingleStep(0.5)
        self.smooth.setDecimals(1)
        self.smooth.setSuffix(" frames")
        self.smooth.setSpecialValueText("Off")
        self.smooth.setToolTip("Temporal smoothing (Gaussian, in frames); manual joints never move.")
        self.max_gap = QSpinBox(self)
        self.max_gap.setRange(0, MAX_GAP)
        self.max_gap.setSuffix(" frames")
        self.max_gap.setSpecialValueText("Automatic (a third of a second)")
        self.max_gap.setToolTip("Gaps in a joint's track up to this long are filled by interpolation.")
        self.rerun = QCheckBox("Re-run the model on every frame (next run only)", self)
        self.rerun.setToolTip("Discard this model's earlier run of the clip and start again from the first "
                              "frame; manual joints are kept. Otherwise a run resumes after the frames "
                              "already done.")

        self.athlete_auto = QRadioButton("Choose automatically", self)
        self.athlete_auto.setToolTip("The moving person the camera follows.")
        self.athlete_drawn = QRadioButton(self)
        self.athlete_group = QButtonGroup(self)
        for button in (self.athlete_auto, self.athlete_drawn):
            self.athlete_group.addButton(button)
        self.athlete_hint = QLabel(self)
        self.athlete_hint.setWordWrap(True)
        self.athlete_hint.setEnabled(False)  # greyed: a hint, not a value
        style = self.athlete_drawn.style()
        self.athlete_hint.setIndent(style.pixelMetric(QStyle.PixelMetric.PM_ExclusiveIndicatorWidth)
                                    + style.pixelMetric(QStyle.PixelMetric.PM_RadioButtonLabelSpacing))
        if drawn is None:
            self.athlete_drawn.setText("Use the box drawn on a frame")
            self.athlete_drawn.setEnabled(False)
            self.athlete_drawn.setToolTip(NO_BOX_HINT)
            self.athlete_hint.setText(NO_BOX_HINT)
        else:
            x1, y1, x2, y2 = drawn.box
            self.athlete_drawn.setText(f"Use the box drawn on frame {drawn.frame}")
            self.athlete_drawn.setToolTip(f"({x1:.0f}, {y1:.0f}) – ({x2:.0f}, {y2:.0f}) in video pixels")
            self.athlete_hint.setText("The box is followed when a run starts from the first frame: a new "
                                      "run, or one with re-run ticked.")
        athlete = QWidget(self)
        athlete_layout = QVBoxLayout(athlete)
        athlete_layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.athlete_auto, self.athlete_drawn, self.athlete_hint):
            athlete_layout.addWidget(widget)

        self.reason = QLabel(self)
        self.reason.setObjectName("poseOptionsReason")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: #c0392b;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.addRow("Model:", self.backend)
        self.form.addRow("ONNX model file:", self.onnx_file)
        self.form.addRow("mmpose config:", self.config_file)
        self.form.addRow("Checkpoint:", self.checkpoint_file)
        self.form.addRow("Skeleton:", self.schema)
        self.form.addRow("Device:", self.device)
        self.form.addRow("Landmarks:", self.landmarks)
        self.form.addRow("Smoothing:", self.smooth)
        self.form.addRow("Longest gap filled:", self.max_gap)
        self.form.addRow("", self.rerun)
        self.form.addRow("Athlete:", athlete)
        self.form.addRow(self.reason)
        self.form.addRow(self.buttons)

        self.set_options(initial)
        self.backend.currentIndexChanged.connect(self._update)
        for row in (self.onnx_file, self.checkpoint_file, self.config_file):
            row.changed.connect(self._update)
        self._update()

    def set_options(self, options: PoseOptions) -> None:
        """Show ``options`` in the widgets (a box for another frame than the drawn one is not kept)."""
        self.backend.setCurrentIndex(max(0, self.backend.findData(options.backend)))
        self.onnx_file.set_path(options.model if options.backend == "onnx" else None)
        self.checkpoint_file.set_path(options.model if options.backend == "mmpose" else None)
        self.config_file.set_path(options.config if options.backend == "mmpose" else None)
        self.schema.setCurrentIndex(max(0, self.schema.findData(options.schema)))
        device = options.device if options.device != "cuda" or self.cuda else "auto"
        self.device.setCurrentIndex(max(0, self.device.findData(device)))
        landmarks = options.landmarks if options.landmarks != "heavy" or self.heavy else "auto"
        self.landmarks.setCurrentIndex(max(0, self.landmarks.findData(landmarks)))
        self.smooth.setValue(options.smooth)
        self.max_gap.setValue(options.max_gap or 0)
        self.rerun.setChecked(options.rerun)
        use_drawn = self.drawn is not None and isinstance(options.start, StartBox)
        (self.athlete_drawn if use_drawn else self.athlete_auto).setChecked(True)

    def options(self) -> PoseOptions:
        backend = self.backend.currentData()
        model = {"onnx": self.onnx_file.path(), "mmpose": self.checkpoint_file.path()}.get(backend)
        return PoseOptions(
            backend=backend,
            model=model,
            config=self.config_file.path() if backend == "mmpose" else None,
            schema=self.schema.currentData(),
            start=self.drawn if self.athlete_drawn.isChecked() else None,
            max_gap=self.max_gap.value() or None,
            smooth=round(self.smooth.value(), 1),
            rerun=self.rerun.isChecked(),
            device=self.device.currentData(),
            landmarks=self.landmarks.currentData(),
        )

    def missing(self) -> str | None:
        """Why OK is disabled: the model file the chosen backend needs is not given or not there."""
        needed = {"onnx": [(self.onnx_file, "the ONNX model file (.onnx)")],
                  "mmpose": [(self.config_file, "the mmpose config (.py)"),
                             (self.checkpoint_file, "the mmpose checkpoint (.pth)")]}
        for row, what in needed.get(self.backend.currentData(), []):
            path = row.path()
            if path is None:
                return f"Choose {what}."
            if not Path(path).expanduser().is_file():
                return f"There is no file at {path}; choose {what}."
        return None

    def _update(self) -> None:
        backend = self.backend.currentData()
        self.form.setRowVisible(self.onnx_file, backend == "onnx")
        self.form.setRowVisible(self.config_file, backend == "mmpose")
        self.form.setRowVisible(self.checkpoint_file, backend == "mmpose")
        self.form.setRowVisible(self.landmarks, backend == "mediapipe")
        self.backend.setToolTip("The pose model most recently fine-tuned in this project; the run says so "
                                "when there is none yet." if backend == "project" else "")
        reason = self.missing()
        self.reason.setText(reason or "")
        self.reason.setVisible(reason is not None)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(reason is None)
        self.adjustSize()


# --- what the window runs with ---------------------------------------------------------------

class PoseChoices:
    """The options of the window's pose runs: the last choices (saved in ``settings``) over
    ``default``, the athlete box for its own clip, and a re-run for the next clip run only."""

    def __init__(self, settings: AppSettings, default: PoseOptions | None = None) -> None:
        self.settings = settings
        self._kept = load_pose_options(settings, default)
        self._start: tuple[int, StartBox] | None = None  # (clip id, box)
        self._rerun = False

    def options(self, clip_id: int | None) -> PoseOptions:
        start = self._start[1] if self._start is not None and self._start[0] == clip_id else None
        return replace(self._kept, start=start, rerun=self._rerun)

    def choose(self, options: PoseOptions, clip_id: int | None) -> None:
        save_pose_options(self.settings, options)
        self._kept = replace(options, start=None, rerun=False)
        self._start = (clip_id, options.start) if options.start is not None and clip_id is not None else None
        self._rerun = options.rerun

    def ask(self, parent: QWidget | None, clip_id: int | None, drawn: StartBox | None) -> PoseOptions | None:
        """Show the dialog; the options chosen (and now kept), or None when cancelled."""
        dialog = PoseOptionsDialog(self.options(clip_id), drawn, parent=parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            options = dialog.options()
        finally:
            dialog.deleteLater()
        self.choose(options, clip_id)
        return options

    def run_clip(self, runs: PoseRuns, project: Project, clip_id: int) -> bool:
        runs.options = self.options(clip_id)
        started = runs.run_clip(project, clip_id)
        if started:
            self._rerun = False  # used up: the next run resumes after this one's frames
        return started

    def run_frames(self, runs: PoseRuns, project: Project, clip_id: int, first: int, last: int) -> bool:
        runs.options = replace(self.options(clip_id), rerun=False)
        return runs.run_frames(project, clip_id, first, last)
