"""File ▸ Render Video…: the selected clip as an H.264 video with the overlay burnt in, alone
or beside its exemplar (stage-aligned), written in the background with progress and Cancel.

The renderers (:mod:`app.media.overlay_video`, :mod:`app.media.side_by_side_video`) write to a
temporary file that replaces the chosen file only after the last frame, so Cancel, an error or
closing the dialog leaves no partial video behind.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QLabel, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

from app.errors import PlumbError
from app.exemplars import exemplar_of
from app.media.overlay_video import Cancelled


class _RenderJob(QObject):
    progress = Signal(int, int)
    finished = Signal(str, str)  # path written ("" when not), what to say

    def __init__(self, render) -> None:
        super().__init__()
        self.render = render
        self.stop = threading.Event()
        self.thread = QThread()
        self.thread.setObjectName("render")
        self.moveToThread(self.thread)
        self.thread.started.connect(self._run)

    @Slot()
    def _run(self) -> None:
        try:
            path = self.render(lambda done, total: self.progress.emit(done, total), self.stop.is_set)
        except Cancelled:
            self.finished.emit("", "Cancelled; nothing was written.")
        except PlumbError as exc:
            self.finished.emit("", f"Not rendered: {exc}")
        except Exception as exc:  # a decoder or encoder failure must not take the window down
            self.finished.emit("", f"Not rendered: {exc}; nothing was written")
        else:
            self.finished.emit(str(path), f"Written to {path}.")
        finally:
            self.thread.quit()


class RenderDialog(QDialog):
    """Choose alone or beside the exemplar, then :meth:`start` (Render… asks for the file)."""

    rendered = Signal(str)  # the written file
    ended = Signal(str)     # what the dialog says when a render ends, written or not

    def __init__(self, project, clip_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project, self.clip_id = project, clip_id
        self.clip = project.clip(clip_id)
        self.setWindowTitle(f"Render {self.clip.name}")
        choice = exemplar_of(project, clip_id)
        self.exemplar_id = None if choice is None else choice.clip_id
        self.beside = QCheckBox(self)
        if choice is None:
            self.beside.setText("Beside its exemplar (choose one with Compare with… first)")
            self.beside.setEnabled(False)
        else:
            self.beside.setText(f"Beside its exemplar, {choice.name}, aligned stage by stage")
            self.beside.setChecked(True)
        self.overlay = QCheckBox("Draw the exemplar's skeleton on the athlete (scaled to the torso, at the hips)", self)
        self.overlay.setChecked(True)
        self.blur = QCheckBox("Blur the athlete's face (the clip alone)", self)
        self.beside.toggled.connect(self._update_enabled)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, max(self.clip.frame_count, 1))
        self.bar.setValue(0)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(self)
        self.render_button = QPushButton("Render…", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.close_button = QPushButton("Close", self)
        for button, role in ((self.render_button, QDialogButtonBox.ButtonRole.ActionRole),
                             (self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole),
                             (self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)):
            buttons.addButton(button, role)
        self.render_button.clicked.connect(lambda _checked=False: self.start())
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        layout = QVBoxLayout(self)
        for widget in (self.beside, self.overlay, self.blur, self.bar, self.message, buttons):
            layout.addWidget(widget)
        self.job: _RenderJob | None = None
        self._update_enabled()

    def _running(self) -> bool:
        return self.job is not None

    def _update_enabled(self) -> None:
        running, beside = self._running(), self.beside.isChecked()
        self.beside.setEnabled(not running and self.exemplar_id is not None)
        self.overlay.setEnabled(not running and beside)
        self.blur.setEnabled(not running and not beside)
        self.render_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.close_button.setEnabled(not running)

    def start(self, path: str | None = None) -> bool:
        """Render to ``path`` (asked for when None) in the background; False when not started."""
        if self._running():
            return False
        if path is None:
            suffix = "-beside-exemplar" if self.beside.isChecked() else ""
            path, _ = QFileDialog.getSaveFileName(self, "Render Video", f"{Path(self.clip.name).stem}{suffix}.mp4",
                                                  "MP4 video (*.mp4)")
            if not path:
                return False
        project, clip_id, exemplar_id = self.project, self.clip_id, self.exemplar_id
        if self.beside.isChecked() and exemplar_id is not None:
            overlay = self.overlay.isChecked()

            def render(progress, cancelled):
                from app.media.side_by_side_video import render_side_by_side

                return render_side_by_side(project, clip_id, exemplar_id, path, overlay=overlay, progress=progress,
                                           cancelled=cancelled)
        else:
            blur = self.blur.isChecked()

            def render(progress, cancelled):
                from app.media.overlay_video import render_overlay

                return render_overlay(project, clip_id, path, blur_faces=blur, progress=progress, cancelled=cancelled)

        self.job = _RenderJob(render)
        self.job.progress.connect(self._progress, Qt.ConnectionType.QueuedConnection)
        self.job.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self.bar.setValue(0)
        self.message.setText(f"Rendering to {path}…")
        self._update_enabled()
        self.job.thread.start()
        return True

    def cancel(self) -> None:
        if self.job is not None:
            self.job.stop.set()
            self.message.setText("Cancelling…")

    @Slot(int, int)
    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)

    @Slot(str, str)
    def _finished(self, path: str, text: str) -> None:
        if self.job is not None:
            self.job.thread.wait()
            self.job = None
        self.message.setText(text)
        self._update_enabled()
        if path:
            self.rendered.emit(path)
        self.ended.emit(text)

    def closeEvent(self, event) -> None:
        if self.job is not None:  # closing while rendering cancels, and waits for the temp file to go
            self.job.stop.set()
            self.job.thread.wait()
        super().closeEvent(event)

    def reject(self) -> None:  # Escape: cancel a running render, else close
        if self.job is not None:
            self.cancel()
        else:
            super().reject()
