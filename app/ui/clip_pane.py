"""The centre of the window: the current clip's frame, or why it cannot be shown, and the player.

Owns the playhead and the frame loader of the open clip; switching clips closes the old
loader (its thread stopped, its source closed) before the next one starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from app.project import Project
from app.store.records import ClipRecord
from app.ui.formatting import VFR_EXPLANATION
from app.ui.frame_loader import FrameLoader
from app.ui.player import Player, PlayerBar
from app.ui.video_view import MediaMessage, VideoView

NO_CLIP_TEXT = "No clip selected. Open a project (Ctrl+O), add videos (Ctrl+Shift+A) and choose a clip."


class ClipPane(QWidget):
    frameShown = Signal(int)  # index of the frame now on screen
    statusMessage = Signal(str)
    relinkRequested = Signal(int)  # clip id

    def __init__(self, parent: QWidget | None = None, *,
                 open_source: Callable[..., Any] | None = None) -> None:
        super().__init__(parent)
        self._open_source = open_source  # tests may decode through a slowed-down source
        self.player = Player(self)
        self.view = VideoView(self)
        self.message = MediaMessage(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.message)
        self.bar = PlayerBar(self.player, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.bar)
        self._layout = layout

        self.clip: ClipRecord | None = None
        self.loader: FrameLoader | None = None
        self.shown_index: int | None = None
        self.player.positionChanged.connect(self._request)
        self.message.relinkRequested.connect(self._relink_requested)
        self._show_message(NO_CLIP_TEXT, can_relink=False)

    def add_strip(self, widget: QWidget) -> None:
        """A full-width strip (a timeline) between the frame and the player bar."""
        self._layout.insertWidget(self._layout.indexOf(self.bar), widget)

    # --- commands ------------------------------------------------------------------------
    def show_clip(self, project: Project, clip: ClipRecord, frame: int = 0) -> None:
        """Show ``clip`` at ``frame``, or explain why its video cannot be used."""
        same_clip = self.clip is not None and self.clip.id == clip.id
        self._stop_loader()
        if not same_clip:  # re-showing the same clip keeps its frame up until the new one arrives
            self.view.clear()
            self.shown_index = None
        self.clip = clip
        problem = project.media_problem(clip)
        if problem is not None:
            self.view.clear()
            self.bar.reset(0, is_vfr=False)
            self._show_message(problem, can_relink=True)
            return
        self.player.set_clip(clip.frame_count, clip.fps, frame)
        self.bar.reset(clip.frame_count, is_vfr=clip.is_vfr)
        kwargs = {"open_source": self._open_source} if self._open_source else {}
        self.loader = FrameLoader(clip.id, project.video_path(clip),
                                  proxy_path=project.access_proxy_path(clip), parent=self, **kwargs)
        self.loader.opened.connect(self._opened)
        self.loader.failed.connect(self._failed)
        self.loader.frameLoaded.connect(self._frame_loaded)
        self.loader.frameFailed.connect(self._frame_failed)
        self.loader.start()
        self.loader.request(self.player.position)
        self.stack.setCurrentWidget(self.view)

    def reload(self, project: Project) -> None:
        """Reopen the current clip's video at the current frame (e.g. its access proxy is ready)."""
        if self.clip is not None:
            self.show_clip(project, project.clip(self.clip.id), self.player.position)

    def close_clip(self) -> None:
        """Stop playback and the decoder thread; show nothing."""
        self._stop_loader()
        self.clip = None
        self.shown_index = None
        self.view.clear()
        self.player.set_clip(0, 25.0)
        self.bar.reset(0, is_vfr=False)
        self._show_message(NO_CLIP_TEXT, can_relink=False)

    def _stop_loader(self) -> None:
        self.player.pause()
        if self.loader is not None:
            self.loader.close()
            self.loader.setParent(None)
            self.loader = None

    # --- loader results ------------------------------------------------------------------
    def _is_current(self, clip_id: int) -> bool:
        return self.clip is not None and self.clip.id == clip_id and self.loader is not None

    def _request(self, index: int) -> None:
        if self.loader is not None:
            self.loader.request(index)

    def _opened(self, clip_id: int, info: Any, frame_times: Any) -> None:
        if not self._is_current(clip_id):
            return
        self.player.set_clip(info.frame_count, info.fps, self.player.position, frame_times=frame_times)
        self.bar.reset(info.frame_count, is_vfr=info.is_vfr)
        self.view.set_rotation(getattr(info, "rotation", 0))
        if info.is_vfr:
            self.statusMessage.emit(VFR_EXPLANATION)

    def _failed(self, clip_id: int, message: str) -> None:
        if self._is_current(clip_id):
            self.player.pause()
            self.bar.reset(0, is_vfr=False)
            self._show_message(message, can_relink=False)

    def _frame_loaded(self, clip_id: int, index: int, timestamp_s: float, image: QImage) -> None:
        if not self._is_current(clip_id):
            return  # a frame of the clip shown before, delivered after the switch
        self.view.show_image(image)
        self.bar.show_frame(index, timestamp_s)
        self.shown_index = index
        self.frameShown.emit(index)

    def _frame_failed(self, clip_id: int, index: int, message: str) -> None:
        if self._is_current(clip_id):
            self.statusMessage.emit(f"Frame {index}: {message}")

    def _relink_requested(self) -> None:
        if self.clip is not None:
            self.relinkRequested.emit(self.clip.id)

    def _show_message(self, text: str, *, can_relink: bool) -> None:
        self.message.show_message(text, can_relink=can_relink)
        self.stack.setCurrentWidget(self.message)
