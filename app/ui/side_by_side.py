"""The clip beside its exemplar, stepping and playing together stage by stage.

The athlete's clip drives one :class:`~app.ui.player.Player`; the exemplar shows the frame
that corresponds to it (:func:`inference.assess.stage_sync.aligned_frame`), so both meet at
every stage transition. Each side decodes in its own :class:`~app.ui.frame_loader.FrameLoader`
(off the UI thread, newest request wins) and draws its skeleton. "Overlay the exemplar" also
draws the exemplar's skeleton on the athlete's frame, moved to the athlete's hip centre and
scaled to the athlete's torso length.
"""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.errors import PlumbError
from app.exemplar_pair import ExemplarPair, normalised_onto  # noqa: F401  (normalised_onto: the overlay's maths)
from app.media.overlay_video import draw_pose
from app.media.side_by_side_video import EXEMPLAR_COLOR
from app.ui.frame_loader import FrameLoader, qimage_to_rgb, rgb_to_qimage
from app.ui.player import Player, PlayerBar


class SideBySide(QWidget):
    """Open with the project, the clip and its exemplar; close it to stop both decoders."""

    framesShown = Signal(int, int)  # athlete frame, exemplar frame, once both are on screen

    def __init__(self, project, clip_id: int, exemplar_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.pair = ExemplarPair.load(project, clip_id, exemplar_id)
        self.clip, self.exemplar, self.schema = self.pair.clip, self.pair.exemplar, self.pair.schema
        self.setWindowTitle(f"{self.clip.name} beside {self.exemplar.name} — Plumb")
        self.transitions, self.exemplar_transitions = self.pair.transitions, self.pair.exemplar_transitions
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        if not self.transitions:
            self.note.setText("Aligned end to end: analyse both clips (or label their stages) to align them "
                              "stage by stage.")
        else:
            self.note.setText("Aligned stage by stage: both clips meet at every stage transition.")
        self.panes = [QLabel(self), QLabel(self)]
        for pane in self.panes:
            pane.setAlignment(Qt.AlignmentFlag.AlignCenter)
            pane.setMinimumSize(240, 180)
            pane.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            pane.setStyleSheet("QLabel { background: #111; color: #ccc; }")
        self.overlay = QCheckBox("Overlay the exemplar (scaled to the athlete's torso, at the hips)", self)
        self.overlay.toggled.connect(lambda _on: self._redraw((0,)))
        self.player = Player(self)
        self.bar = PlayerBar(self.player, self)
        self.shown: list[int | None] = [None, None]
        self._images: list[np.ndarray | None] = [None, None]
        self.loaders = []
        for side, clip in enumerate((self.clip, self.exemplar)):
            loader = FrameLoader(clip.id, project.video_path(clip), proxy_path=project.access_proxy_path(clip),
                                 parent=self)
            loader.frameLoaded.connect(lambda _clip, index, _ts, image, s=side: self._loaded(s, index, image))
            loader.failed.connect(lambda _clip, message, s=side: self.panes[s].setText(message))
            self.loaders.append(loader)
        self.captions = [QLabel(self), QLabel(self)]
        panes = QHBoxLayout()
        for pane, caption in zip(self.panes, self.captions):
            column = QVBoxLayout()
            column.addWidget(caption)
            column.addWidget(pane, 1)
            panes.addLayout(column, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addLayout(panes, 1)
        layout.addWidget(self.overlay)
        layout.addWidget(self.bar)
        self.player.positionChanged.connect(self._position)
        self.player.set_clip(self.clip.frame_count, self.clip.fps)
        self.bar.reset(self.clip.frame_count, is_vfr=False)
        for loader in self.loaders:
            loader.start()
        self.resize(1100, 520)
        self._position(0)

    def exemplar_frame(self, frame: int) -> int:
        return self.pair.exemplar_frame(frame)

    def _position(self, frame: int) -> None:
        self.bar.show_frame(frame, frame / (self.clip.fps or 30.0))
        self.loaders[0].request(frame)
        self.loaders[1].request(self.exemplar_frame(frame))

    def _loaded(self, side: int, index: int, image: QImage) -> None:
        self.shown[side] = index
        self._images[side] = qimage_to_rgb(image)
        who = f"{self.clip.name} (athlete)" if side == 0 else f"{self.exemplar.name} (exemplar)"
        self.captions[side].setText(f"{who}, frame {index}")
        # The athlete's side carries the exemplar's overlay, so a new exemplar frame redraws it too.
        self._redraw((0, 1) if side == 1 and self.overlay.isChecked() else (side,))
        if self.shown[0] == self.player.position and self.shown[1] == self.exemplar_frame(self.player.position):
            self.framesShown.emit(self.shown[0], self.shown[1])

    def _pose(self, side: int) -> np.ndarray | None:
        index = self.shown[side]
        if index is None:
            return None
        return self.pair.pose(index) if side == 0 else self.pair.exemplar_pose(index)

    def _redraw(self, sides=(0, 1)) -> None:
        for side in sides:
            rgb = self._images[side]
            if rgb is None:
                continue
            # Scaled to the pane first and drawn on at that size: a 1080p frame drawn on and then
            # smooth-scaled cost most of a step's time.
            height, width = rgb.shape[:2]
            pane = self.panes[side].size()
            scale = min(pane.width() / width, pane.height() / height, 1.0)
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            drawn = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA) if scale < 1 else np.array(rgb, copy=True)
            if side == 0 and self.overlay.isChecked() and self.shown[1] is not None:
                # The exemplar first, so the athlete's own skeleton stays on top where they meet.
                draw_pose(drawn, _scaled(self.pair.overlay(self.shown[0], self.shown[1]), scale), self.schema,
                          color=EXEMPLAR_COLOR, copy=False)
            draw_pose(drawn, _scaled(self._pose(side), scale), self.schema, copy=False)
            self.panes[side].setPixmap(QPixmap.fromImage(rgb_to_qimage(drawn)))

    def closeEvent(self, event) -> None:
        self.player.pause()
        for loader in self.loaders:
            loader.close()
        super().closeEvent(event)


def _scaled(pose: np.ndarray | None, scale: float) -> np.ndarray | None:
    if pose is None or scale == 1:
        return pose
    out = pose.copy()
    out[:, :2] *= scale
    return out


def open_side_by_side(project, clip_id: int, exemplar_id: int, parent: QWidget | None = None) -> SideBySide:
    """The window, shown; PlumbError (e.g. a clip without video) says why it cannot open."""
    for clip in (project.clip(clip_id), project.clip(exemplar_id)):
        if clip.path is None:
            raise PlumbError(f"{clip.name} has no video; attach it with plumb relink to see it side by side")
    window = SideBySide(project, clip_id, exemplar_id, parent)
    window.show()
    return window
