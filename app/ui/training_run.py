"""Training from the window: ``plumb train`` in a worker thread with progress and Cancel.

The worker calls :func:`app.assessment.training.train` (or
:func:`app.assessment.action.train_action`), which writes the model file and
its row only when training finishes, so a cancelled or failed run leaves the project as it
was. Signals are emitted from the worker thread; connect them queued.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal, Slot

if TYPE_CHECKING:
    from inference.assess.training import TrainConfig


class TrainingRun(QObject):
    progress = Signal(int, int, float)  # epochs done, most epochs, validation metric
    finished = Signal(object)  # app.assessment.training.TrainOutcome
    failed = Signal(str)  # one-line reason; "cancelled" runs say so

    def __init__(self, project, task: str, config: "TrainConfig") -> None:
        super().__init__()
        self.project, self.task, self.config = project, task, config
        self._cancel = threading.Event()
        self.thread = QThread()
        self.thread.setObjectName(f"train-{task}")
        self.moveToThread(self.thread)
        self.thread.started.connect(self._run)

    def start(self) -> None:
        self.thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def is_running(self) -> bool:
        return self.thread.isRunning()

    def wait(self, ms: int = 120_000) -> bool:
        return self.thread.wait(ms)

    @Slot()
    def _run(self) -> None:
        # Imported here: the models pull in torch, which the window need not load at start-up.
        from app.assessment.action import train_action
        from app.assessment.training import train
        from inference.assess.training import Cancelled

        def progress(report) -> None:
            self.progress.emit(report.epoch + 1, self.config.epochs, float(report.val_metric))

        try:
            if self.task == "action":
                outcome = train_action(self.project, self.config, cancelled=self._cancel.is_set, progress=progress)
            else:
                outcome = train(self.project, self.task, self.config, cancelled=self._cancel.is_set,
                                progress=progress)
        except Cancelled:
            self.failed.emit(f"Training the {self.task} model was cancelled; nothing was saved.")
        except Exception as exc:  # too few clips, a bad pose row: say why, keep the window
            self.failed.emit(f"Training the {self.task} model stopped: {exc}")
        else:
            self.finished.emit(outcome)
        finally:
            self.thread.quit()


def outcome_summary(task: str, metrics: dict) -> str:
    """One line a coach can read: the test figures and the priors beside them."""
    if metrics.get("note"):
        return f"{task.capitalize()} model trained. {metrics['note']}."
    if task == "action":
        accuracy, prior = metrics.get("accuracy"), (metrics.get("prior") or {}).get("accuracy")
        return (f"Action model trained: test accuracy {'n/a' if accuracy is None else f'{accuracy:.2f}'} on "
                f"{metrics['n_test']} clips (always answering the commonest action: "
                f"{'n/a' if prior is None else f'{prior:.2f}'}).")
    test = metrics.get("test", {})
    if task == "stages":
        return (f"Stage model trained: AIoU@0.5 {test.get('aiou@0.5', float('nan')):.2f}, "
                f"AIoU@0.75 {test.get('aiou@0.75', float('nan')):.2f} on {metrics['n_test']} test clips.")
    priors = ", ".join(f"{name.replace('_', ' ')} {values['srcc']:.2f}"
                       for name, values in metrics.get("priors", {}).items() if values.get("srcc") is not None)
    srcc = test.get("srcc")
    return (f"Score model ({metrics.get('method')}) trained: test SRCC "
            f"{'n/a' if srcc is None else f'{srcc:.2f}'} on {metrics['n_test']} clips"
            + (f" (label-only priors: {priors})." if priors else "."))
