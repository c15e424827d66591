"""The playhead (:class:`Player`), its controls (:class:`PlayerBar`) and their shortcuts.

Playback follows the wall clock: each timer tick moves the playhead to the frame that real
time (times the speed) has reached, so when decoding is slower than the frame rate frames are
skipped instead of the video drifting behind; the frame loader decodes only the newest
request.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QWidget

from app.ui.formatting import VFR_EXPLANATION, frame_text, timecode

SPEEDS: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 2.0)
BIG_STEP = 10


class Player(QObject):
    """Current frame index, play state and speed of the open clip."""

    positionChanged = Signal(int)
    playingChanged = Signal(bool)
    speedChanged = Signal(float)
    loopChanged = Signal(object)  # (first, last) frames played over and over, or None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._frame_count = 0
        self._fps = 25.0
        self._speed = 1.0
        self._position = 0
        self._origin = 0  # frame at which the wall clock was last (re)started
        self._times: np.ndarray | None = None  # VFR: each frame's presentation time (s)
        self._loop: tuple[int, int] | None = None
        self._clock = QElapsedTimer()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)

    # --- state ---------------------------------------------------------------------------
    @property
    def position(self) -> int:
        return self._position

    @property
    def frame_count(self) -> int:
        return self._frame_count

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def loop(self) -> tuple[int, int] | None:
        return self._loop

    def is_playing(self) -> bool:
        return self.timer.isActive()

    def interval_ms(self) -> int:
        """Timer period: one frame of playback at the current speed, 1000 / (fps * speed)."""
        return max(1, round(1000.0 / (self._fps * self._speed)))

    def set_clip(self, frame_count: int, fps: float, position: int = 0, *,
                 frame_times: np.ndarray | None = None) -> None:
        """Point the playhead at a (new) clip; does not announce the position.

        ``frame_times`` (N,) seconds: for a variable-frame-rate video, playback follows each
        frame's own presentation time rather than index / fps.
        """
        self.pause()
        self.clear_loop()
        self._frame_count = max(int(frame_count), 0)
        self._fps = float(fps) if fps and fps > 0 else 25.0
        self._times = frame_times if frame_times is not None and len(frame_times) == self._frame_count else None
        self._position = self._clamp(position)
        self.timer.setInterval(self.interval_ms())

    # --- commands ------------------------------------------------------------------------
    def play_loop(self, first: int, last: int) -> None:
        """Play frames ``first..last`` over and over from ``first`` (a moment to study); seeking
        outside them ends the loop."""
        first, last = sorted((self._clamp(first), self._clamp(last)))
        self.pause()
        self._loop = (first, last)
        self.loopChanged.emit(self._loop)
        self.seek(first)
        if last > first:
            self.play()

    def clear_loop(self) -> None:
        if self._loop is not None:
            self._loop = None
            self.loopChanged.emit(None)

    def seek(self, index: int) -> None:
        index = self._clamp(index)
        if self._loop is not None and not self._loop[0] <= index <= self._loop[1]:
            self.clear_loop()
        if self.is_playing():
            self._restart_clock(index)
        if index != self._position:
            self._position = index
            self.positionChanged.emit(index)

    def step(self, frames: int) -> None:
        """Move by ``frames`` (negative: back); stepping pauses playback, as in every editor."""
        self.pause()
        self.seek(self._position + frames)

    def go_to_start(self) -> None:
        self.step(-self._position)

    def go_to_end(self) -> None:
        self.step(self._frame_count - 1 - self._position)

    def play(self) -> None:
        if self.is_playing() or self._frame_count < 2:
            return
        if self._position >= self._frame_count - 1:
            self.seek(0)
        self._restart_clock(self._position)
        self.timer.start(self.interval_ms())
        self.playingChanged.emit(True)

    def pause(self) -> None:
        if self.is_playing():
            self.timer.stop()
            self.playingChanged.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self.is_playing() else self.play()

    def set_speed(self, speed: float) -> None:
        if speed <= 0 or speed == self._speed:
            return
        self._speed = float(speed)
        if self.is_playing():
            self._restart_clock(self._position)
        self.timer.setInterval(self.interval_ms())
        self.speedChanged.emit(self._speed)

    def change_speed(self, steps: int) -> None:
        """Move ``steps`` along :data:`SPEEDS` (the nearest listed speed if off the list)."""
        nearest = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self._speed))
        self.set_speed(SPEEDS[min(max(nearest + steps, 0), len(SPEEDS) - 1)])

    # --- internals -----------------------------------------------------------------------
    def _clamp(self, index: int) -> int:
        return min(max(int(index), 0), max(self._frame_count - 1, 0))

    def _restart_clock(self, origin: int) -> None:
        self._origin = origin
        self._clock.restart()

    def frame_at(self, origin: int, elapsed_s: float) -> int:
        """The frame on screen ``elapsed_s`` of media time after frame ``origin`` started."""
        if self._times is None:
            return origin + int(elapsed_s * self._fps + 1e-6)
        t = self._times[origin] + elapsed_s
        return max(int(np.searchsorted(self._times, t + 1e-9, side="right")) - 1, 0)

    def _tick(self) -> None:
        target = self.frame_at(self._origin, self._clock.elapsed() * self._speed / 1000.0)
        if self._loop is not None and target > self._loop[1]:
            target = self._loop[0]
            self._restart_clock(target)
        last = self._frame_count - 1
        if target >= last:
            self.pause()
            target = last
        if target != self._position:
            self._position = target
            self.positionChanged.emit(target)


def playback_actions(player: Player, parent: QObject) -> list[QAction]:
    """The playback commands with their shortcuts (window-wide), for a menu and the window."""
    specs = [
        ("Play / Pause", "Space", player.toggle_play),
        ("Next Frame", "Right", lambda: player.step(1)),
        ("Previous Frame", "Left", lambda: player.step(-1)),
        (f"Forward {BIG_STEP} Frames", "Shift+Right", lambda: player.step(BIG_STEP)),
        (f"Back {BIG_STEP} Frames", "Shift+Left", lambda: player.step(-BIG_STEP)),
        ("First Frame", "Home", player.go_to_start),
        ("Last Frame", "End", player.go_to_end),
        ("Faster", "]", lambda: player.change_speed(1)),
        ("Slower", "[", lambda: player.change_speed(-1)),
    ]
    actions = []
    for text, keys, slot in specs:
        action = QAction(text, parent)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        actions.append(action)
    return actions


class PlayerBar(QWidget):
    """Play button, scrub bar, frame number, timecode, VFR badge and speed selector."""

    def __init__(self, player: Player, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = player
        self.play_button = QToolButton(self)
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.play_button.setToolTip("Play / Pause (Space). Step: ← →, 10 frames: Shift+← →, Home / End")
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setTracking(True)  # request frames while dragging, not only on release
        self.slider.setToolTip("Scrub (← → step one frame)")
        self.frame_label = QLabel(self)
        self.frame_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.time_label = QLabel(self)
        self.time_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.vfr_badge = QLabel("VFR", self)
        self.vfr_badge.setToolTip(VFR_EXPLANATION)
        self.vfr_badge.setStyleSheet("QLabel { color: white; background: #b35900; border-radius: 3px;"
                                     " padding: 1px 4px; font-weight: bold; }")
        self.speed_combo = QComboBox(self)
        self.speed_combo.setToolTip("Playback speed ([ slower, ] faster)")
        for speed in SPEEDS:
            self.speed_combo.addItem(f"{speed:g}×", speed)
        self.speed_combo.setCurrentIndex(SPEEDS.index(1.0))

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.play_button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.frame_label)
        layout.addWidget(self.time_label)
        layout.addWidget(self.vfr_badge)
        layout.addWidget(self.speed_combo)
        self._set_frame_label_width()

        self.slider.valueChanged.connect(player.seek)
        self.play_button.clicked.connect(player.toggle_play)
        self.speed_combo.currentIndexChanged.connect(self._speed_chosen)
        player.positionChanged.connect(self._show_position)
        player.playingChanged.connect(self._show_playing)
        player.speedChanged.connect(self._show_speed)
        self.reset(0, is_vfr=False)

    def reset(self, frame_count: int, *, is_vfr: bool) -> None:
        """Show an (un)loaded clip: ``frame_count`` 0 disables the controls."""
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(frame_count - 1, 0))
        self.slider.setValue(self.player.position)
        self.slider.blockSignals(False)
        self.slider.setPageStep(BIG_STEP)
        self.setEnabled(frame_count > 0)
        self.vfr_badge.setVisible(is_vfr)
        self.frame_label.setText(frame_text(self.player.position, frame_count) if frame_count else "Frame –")
        self.time_label.setText("––:––:––.–––")  # until a frame (and its timestamp) arrives
        self._show_playing(self.player.is_playing())

    def show_frame(self, index: int, timestamp_s: float) -> None:
        """Label the frame that is on screen now (not merely requested)."""
        self.frame_label.setText(frame_text(index, self.player.frame_count))
        self.time_label.setText(timecode(timestamp_s))

    def _set_frame_label_width(self) -> None:
        metrics = self.frame_label.fontMetrics()
        self.frame_label.setMinimumWidth(metrics.horizontalAdvance("Frame 000000 / 000000"))
        self.time_label.setMinimumWidth(metrics.horizontalAdvance("00:00:00.000 "))

    def _show_position(self, index: int) -> None:
        if self.slider.value() != index:
            self.slider.blockSignals(True)
            self.slider.setValue(index)
            self.slider.blockSignals(False)

    def _show_playing(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _show_speed(self, speed: float) -> None:
        index = self.speed_combo.findData(speed)
        if index >= 0 and index != self.speed_combo.currentIndex():
            self.speed_combo.setCurrentIndex(index)

    def _speed_chosen(self, index: int) -> None:
        self.player.set_speed(float(self.speed_combo.itemData(index)))
