"""Pose ▸ Train Pose Model…: fine-tune the landmark network on the project's corrected frames,
with progress per epoch and Cancel, and the result beside the bundled model's on the same
held-out frames.

The run writes its model file and registry row only when it finishes (see
:func:`app.pose_model.train_pose_model`), so Cancel, a failure or closing the dialog leaves
the project's models as they were.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.errors import PlumbError
from app.ui.training_run import TrainingRun

DEFAULT_EPOCHS = 8
DEVICES = ("auto", "cpu", "cuda")


class PoseTrainingRun(TrainingRun):
    """A TrainingRun whose work is the pose fine-tune; emits validation PCKh as its metric, and
    `checked` with the mean joint error beside it (the figure the epoch kept is chosen by)."""

    checked = Signal(int, int, float, float)  # epochs done, most epochs, PCKh@0.5, error

    @Slot()
    def _run(self) -> None:
        from app.pose_model import train_pose_model

        try:
            outcome = train_pose_model(self.project, self.config, cancelled=self._cancel.is_set,
                                       progress=self._epoch_done)
        except PlumbError as exc:  # too few corrections, cancelled, missing media: its own words
            self.failed.emit(str(exc))
        except Exception as exc:  # a damaged frame, out of memory: say why, keep the window
            self.failed.emit(f"Fine-tuning stopped: {exc}")
        else:
            self.finished.emit(outcome)
        finally:
            self.thread.quit()

    def _epoch_done(self, result) -> None:
        self.progress.emit(result.epoch, self.config.epochs, float(result.val_pckh))
        self.checked.emit(result.epoch, self.config.epochs, float(result.val_pckh), float(result.val_error))


def corrections_line(project) -> tuple[str, bool]:
    """(what the dialog says about the project's corrections, whether there are enough)."""
    from app.pose_model import MIN_CORRECTED_FRAMES, corrections, split_corrections

    found = corrections(project)
    train, val = split_corrections(found)
    if len(found) < MIN_CORRECTED_FRAMES:
        return (f"{len(found)} corrected frames; fine-tuning needs at least {MIN_CORRECTED_FRAMES}. "
                "Correct more frames (or mark them reviewed).", False)
    return (f"{len(found)} corrected frames: {len(train)} to train on, {len(val)} held out to measure "
            "the model and the bundled one.", bool(train and val))


def outcome_line(metrics: dict) -> str:
    from app.pose_model import heavy_clause

    error = ""
    if "val_error" in metrics:
        error = (f" Its joints lie {metrics['val_error']:.3f} head lengths from the corrections on average, "
                 f"the bundled model's {metrics['bundled_val_error']:.3f}.")
    return (f"Trained: PCKh@0.5 {metrics['val_pckh']:.3f} on {metrics['n_val']} held-out frames, against "
            f"{metrics['bundled_val_pckh']:.3f} for the bundled model{heavy_clause(metrics)}.{error} Auto-annotation "
            "uses it with the backend \"project\" (Pose ▸ Auto-Annotation Settings…).")


class PoseTrainingDialog(QDialog):
    def __init__(self, project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Train Pose Model")
        self.setObjectName("poseTrainingDialog")
        self.project = project
        self.run: PoseTrainingRun | None = None
        self.outcome = None

        summary, enough = corrections_line(project)
        self.summary = QLabel(summary, self)
        self.summary.setWordWrap(True)
        self.epochs = QSpinBox(self)
        self.epochs.setRange(1, 100)
        self.epochs.setValue(DEFAULT_EPOCHS)
        self.epochs.setToolTip("At most this many passes over the corrected frames; it stops early "
                               "once the held-out frames stop improving")
        self.device = QComboBox(self)
        self.device.addItems(DEVICES)
        form = QFormLayout()
        form.addRow("Epochs (at most)", self.epochs)
        form.addRow("Device", self.device)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, DEFAULT_EPOCHS)
        self.progress_bar.setValue(0)
        self.log = QPlainTextEdit(self)
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(200)
        self.status = QLabel("", self)
        self.status.setObjectName("poseTrainingStatus")
        self.status.setWordWrap(True)

        self.buttons = QDialogButtonBox(self)
        self.start_button = QPushButton("Train", self)
        self.start_button.setEnabled(enough)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.log, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(560, 360)

    def is_running(self) -> bool:
        return self.run is not None and self.run.is_running()

    def start(self) -> bool:
        from inference.devices import pick_device
        from inference.pose.landmark_finetune import FinetuneConfig

        if self.is_running():
            return False
        try:
            device = str(pick_device(self.device.currentText()))
        except ValueError as exc:
            self.status.setText(str(exc))
            return False
        config = FinetuneConfig(epochs=self.epochs.value(), device=device)
        run = PoseTrainingRun(self.project, "pose", config)
        # Bound methods, queued: they must run in the window's thread, not the worker's.
        run.checked.connect(self._progress, Qt.ConnectionType.QueuedConnection)
        run.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        run.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        self.run = run
        self.outcome = None
        self.progress_bar.setRange(0, config.epochs)
        self.progress_bar.setValue(0)
        self.log.clear()
        self.status.setText(f"Reading the corrected frames and measuring the bundled model on {device}…")
        self._set_running(True)
        run.start()
        return True

    def cancel(self) -> None:
        if self.is_running():
            self.run.cancel()
            self.status.setText("Cancelling after this batch; nothing will be saved…")

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.epochs.setEnabled(not running)
        self.device.setEnabled(not running)

    @Slot(int, int, float, float)
    def _progress(self, epoch: int, epochs: int, pckh: float, error: float) -> None:
        self.progress_bar.setValue(epoch)
        self.log.appendPlainText(f"Epoch {epoch} of at most {epochs}: held-out PCKh@0.5 {pckh:.3f}, "
                                 f"mean joint error {error:.3f} head lengths")
        self.status.setText("Training…")

    @Slot(object)
    def _finished(self, outcome) -> None:
        self.outcome = outcome
        self.progress_bar.setValue(self.progress_bar.maximum())
        self.status.setText(outcome_line(outcome.metrics))
        self._end()

    @Slot(str)
    def _failed(self, message: str) -> None:
        self.status.setText(message)
        self._end()

    def _end(self) -> None:
        if self.run is not None:
            self.run.wait(10_000)
        self._set_running(False)

    def shutdown(self, ms: int = 120_000) -> None:
        """Cancel a run and wait for it (the project must not close under it)."""
        if self.run is not None:
            self.run.cancel()
            self.run.wait(ms)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.shutdown()
        super().closeEvent(event)
