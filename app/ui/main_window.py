"""The main window: menus, the clip list, the clip pane (canvas and player) and the docks.

It only wires: the canvas editing lives in app.ui.editing.FrameEditor, undo in app.ui.undo,
the edit log in app.ui.history_view. Every edit is written as it happens; there is no Save.

Each action takes its parameters as arguments (a folder, a list of paths) and asks with a
dialog only when they are missing, so tests and scripts drive the window without modal
dialogs. Errors from the Qt-free layer (app.errors.PlumbError) go to the reporter.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QThread, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QDockWidget, QFrame, QLabel, QMainWindow, QMenu, QScrollArea, QSplitter, QWidget,
)

from app.attention import frame_statuses, next_attention
from app.auto_annotate import PoseOptions
from app.edits import set_stages
from app.errors import PlumbError
from app.sports_templates import SportTemplateError, load_sport
from app.project import Project
from app.store import queries
from app.store.events import ClipsChanged, PosesChanged
from app.store.models import WORKING_LAYER
from app.store.records import ClipRecord
from app.ui import dialogs
from app.ui.angle_plots import AnglePlots
from app.ui.assessment_view import AssessmentView
from app.ui.clip_list import ClipList
from app.ui.clip_pane import ClipPane
from app.ui.coach_flow import CoachFlow
from app.ui.editing import FrameEditor
from app.ui.frame_timeline import FrameTimeline
from app.ui.history_view import HistoryView
from app.ui.label_panel import LabelPanel
from app.ui.qa_view import QaView
from app.ui.pose_training_dialog import PoseTrainingDialog
from app.ui.suggestions_view import SuggestionsView
from app.ui.player import playback_actions
from app.ui.pose_dialog import ask_frame_range
from app.ui.pose_options_dialog import PoseChoices, drawn_athlete_box
from app.ui.pose_worker import BackendFactory, PoseRuns
from app.ui.proxy_builder import ProxyBuilder
from app.ui.settings import AppSettings
from app.ui.shortcuts import install_shortcut_sheet
from app.ui.stage_timeline import StageTimeline
from app.ui.project_watch import ProjectWatch
from app.ui.undo import StoreSignals, UndoStack, undo_actions

DEFAULT_SIZE = (1200, 760)
ASSESSMENT_SHARE = 0.34  # of the window's height, for a fresh window's Assessment dock
RIGHT_DOCK_SHARE = 0.33  # of its width, for the History, Labels and Correct next column
RIGHT_COLUMN_SHARES = {"History": 0.1, "Labels": 0.36, "Correct next": 0.14}  # of the height, above Assessment
DEFAULT_SPLIT = [320, 880]
STATUS_MS = 8000
REFUSED_MS = 15000  # a refused edit's reason stays long enough to be read


class MainWindow(QMainWindow):
    writeWaiting = Signal(str)  # from a worker thread's write: shown in the status bar

    def __init__(self, settings: AppSettings | None = None, reporter: Any = None, *,
                 open_source: Callable[..., Any] | None = None, pose_options: PoseOptions | None = None,
                 pose_backend: BackendFactory | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PlumbMainWindow")
        self.settings = settings if settings is not None else AppSettings()
        self.reporter = reporter if reporter is not None else dialogs.MessageBoxReporter(self)
        self.project: Project | None = None
        self._unsubscribe: Callable[[], None] | None = None

        self.clip_list = ClipList(self)
        self.pane = ClipPane(self, open_source=open_source)
        self.proxies = ProxyBuilder(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.clip_list)
        self.splitter.addWidget(self.pane)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self.undo_stack = UndoStack(self)
        self.store_signals = StoreSignals(self)
        self.editor = FrameEditor(self.pane.view, self.undo_stack, self.store_signals, self)
        self.frame_timeline = FrameTimeline(self)
        self.frame_timeline.setToolTip("Pose status of every frame; click or drag to go there. "
                                       "N / Shift+N: next / previous frame that needs attention.")
        self.stage_timeline = StageTimeline(self)
        self._stage_names: tuple[str, ...] = ()
        self.pane.add_strip(self.stage_timeline)
        self.pane.add_strip(self.frame_timeline)
        self.angle_plots = AnglePlots(self)
        self.pane.add_strip(self.angle_plots)
        self.label_panel: LabelPanel | None = None
        self.history_view = HistoryView(self)
        self.docks: dict[str, QDockWidget] = {}
        self.pose_runs = PoseRuns(self.reporter, options=pose_options, backend_factory=pose_backend, parent=self)
        self.pose_choices = PoseChoices(self.settings, pose_options)  # what the runs use, kept in the settings
        self._build_menus()
        self.add_dock("History", self.history_view, Qt.DockWidgetArea.RightDockWidgetArea)
        self.labels_dock = self.add_dock("Labels", QWidget(self), Qt.DockWidgetArea.RightDockWidgetArea)
        self.qa_view = QaView(parent=self)
        self.qa_view.clipFrameRequested.connect(self.show_clip_frame)
        self.add_dock("Label checks", self.qa_view, Qt.DockWidgetArea.BottomDockWidgetArea).hide()
        self.pose_training: PoseTrainingDialog | None = None
        self.render_dialog = None
        self.suggestions_view = SuggestionsView(self)
        self.suggestions_view.clipFrameRequested.connect(self.show_clip_frame)
        self.add_dock("Correct next", self.suggestions_view, Qt.DockWidgetArea.RightDockWidgetArea)
        self.assessment_view = AssessmentView(self, push_edit=self.undo_stack.push_edit)
        self.assessment_view.frameRequested.connect(self.pane.player.seek)
        self.assessment_view.rangeRequested.connect(self.pane.player.play_loop)
        self.assessment_view.markersChanged.connect(self.stage_timeline.set_markers)
        self.stage_timeline.markerClicked.connect(self.assessment_view.activate_feedback)
        self.add_dock("Assessment", self.assessment_view, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.coach = CoachFlow(self)
        self.shortcuts_action = install_shortcut_sheet(self, [
            *self.file_actions, self.undo_action, self.redo_action, *self.edit_actions, *self.playback_actions,
            *self.attention_actions, *self.stage_actions, *self.pose_actions])
        self.help_menu.addAction(self.shortcuts_action)
        self.statusBar().addPermanentWidget(self.pose_runs.widget)
        self.pose_runs.status.connect(lambda text: self.statusBar().showMessage(text, STATUS_MS))

        self.clip_list.clipSelected.connect(self._clip_selected)
        self.pane.statusMessage.connect(lambda text: self.statusBar().showMessage(text, STATUS_MS))
        self.pane.frameShown.connect(self._frame_shown)
        self.editor.statusMessage.connect(lambda text: self.statusBar().showMessage(text, STATUS_MS))
        self.undo_stack.editRefused.connect(lambda text: self.statusBar().showMessage(text, REFUSED_MS))
        self._watch_other_windows()
        self.undo_stack.editApplied.connect(lambda text: self.statusBar().showMessage(f"Saved: {text}", STATUS_MS))
        self.store_signals.historyChanged.connect(self.history_view.refresh)
        self.store_signals.posesChanged.connect(self._poses_changed)
        self.frame_timeline.frameRequested.connect(self.pane.player.seek)
        self.stage_timeline.frameRequested.connect(self.pane.player.seek)
        self.angle_plots.frameRequested.connect(self.pane.player.seek)
        self.stage_timeline.transitionsEdited.connect(self._stages_edited)
        self.store_signals.stagesChanged.connect(self._stages_changed)
        self.pane.relinkRequested.connect(self.relink_clip)
        self.proxies.progress.connect(self._proxy_progress)
        self.proxies.built.connect(self._proxy_built)
        self.proxies.failed.connect(lambda _clip_id, text: self.statusBar().showMessage(text, STATUS_MS))
        self._restore_layout()
        self._project_changed()

    # --- menus ---------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.new_action = self._action(file_menu, "&New Project…", QKeySequence.StandardKey.New, self.new_project)
        self.open_action = self._action(file_menu, "&Open Project…", QKeySequence.StandardKey.Open,
                                        self.open_project)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._rebuild_recent_menu)
        file_menu.addSeparator()
        self.open_video_action = self._action(file_menu, "Open &Video…", "Ctrl+Shift+O",
                                              lambda: self.coach.open_videos())
        self.add_videos_action = self._action(file_menu, "&Add Videos…", "Ctrl+Shift+A", self.add_videos)
        self.render_video_action = self._action(file_menu, "&Render Video…", "Ctrl+Shift+R", self.render_video)
        file_menu.addSeparator()
        self.quit_action = self._action(file_menu, "&Quit", "Ctrl+Q", self.close)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.file_actions = [self.new_action, self.open_action, self.open_video_action, self.add_videos_action,
                             self.render_video_action, self.quit_action]
        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_action, self.redo_action = undo_actions(self.undo_stack, self.store_signals, self)
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        self.edit_actions = self.editor.actions(self)
        edit_menu.addActions(self.edit_actions)
        playback_menu = self.menuBar().addMenu("&Playback")
        self.playback_actions = playback_actions(self.pane.player, self)
        playback_menu.addActions(self.playback_actions)
        playback_menu.addSeparator()
        self.attention_actions = []
        for text, key, direction in (("Next Frame Needing Attention", "N", 1),
                                     ("Previous Frame Needing Attention", "Shift+N", -1)):
            action = self._action(playback_menu, text, key, lambda d=direction: self.go_to_attention(d))
            self.attention_actions.append(action)
        stage_menu = self.menuBar().addMenu("&Stages")
        self.stage_actions = []
        for index in range(6):
            action = self._action(stage_menu, f"Stage {index + 2} Starts Here", f"Ctrl+{index + 1}",
                                  lambda i=index: self.stage_timeline.transition_at_playhead(i))
            self.stage_actions.append(action)
        pose_menu = self.menuBar().addMenu("P&ose")
        self.pose_actions = [
            self._action(pose_menu, "&Auto-Annotate Clip", "Ctrl+P", self.auto_annotate_clip),
            self._action(pose_menu, "Re-run Model on This &Frame", "Ctrl+Shift+P", self.rerun_model_on_frame),
            self._action(pose_menu, "Re-run Model on Frames…", "Ctrl+Alt+P", self.rerun_model_on_frames),
            self._action(pose_menu, "&Cancel Auto-Annotation", "Ctrl+Alt+.", self.pose_runs.cancel),
        ]
        pose_menu.addSeparator()
        self.pose_settings_action = self._action(pose_menu, "Auto-Annotation &Settings…", "",
                                                 self.auto_annotation_settings)
        self.train_pose_action = self._action(pose_menu, "&Train Pose Model…", "", self.train_pose_model)
        self.view_menu = self.menuBar().addMenu("&View")
        self.help_menu = self.menuBar().addMenu("&Help")

    def _action(self, menu: QMenu, text: str, keys: Any, slot: Callable[[], Any]) -> QAction:
        action = menu.addAction(text)
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def add_dock(self, title: str, widget: QWidget,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:
        """Put ``widget`` in a dock (listed in the View menu); the seam for panels of other features."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock{title.replace(' ', '')}")  # saveState() needs a name
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        self.docks[title] = dock
        return dock

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        for number, folder in enumerate(self.settings.existing_recent_projects(), start=1):
            label = folder.replace("&", "&&")
            action = self.recent_menu.addAction(f"&{number % 10} {label}" if number <= 10 else label)
            action.setData(folder)
            action.triggered.connect(lambda _checked=False, f=folder: self.open_project(f))
        self.recent_menu.setEnabled(not self.recent_menu.isEmpty())

    # --- project actions -----------------------------------------------------------------
    def new_project(self, folder: str | os.PathLike[str] | None = None) -> bool:
        return self._start_project("New Project", folder, dialogs.ask_new_project_folder, Project.create)

    def open_project(self, folder: str | os.PathLike[str] | None = None) -> bool:
        return self._start_project("Open Project", folder, dialogs.ask_project_folder, Project.open)

    def _start_project(self, title: str, folder, ask, make) -> bool:
        """Ask for a folder when none is given, create or open the project, report a refusal."""
        folder = folder if folder is not None else ask(self)
        if folder is None:
            return False
        try:
            project = make(folder)
        except PlumbError as exc:
            self.reporter.error(title, str(exc))
            return False
        self._set_project(project)
        return True

    def add_videos(self, paths: Sequence[str | os.PathLike[str]] | None = None) -> list[ClipRecord]:
        """Add the videos that can be added; report each refused file with its reason."""
        if self.project is None:
            self.reporter.error("Add Videos",
                                "Open or create a project first (File ▸ Open Project… or New Project…).")
            return []
        paths = list(paths) if paths is not None else dialogs.ask_video_files(self)
        if not paths:
            return []
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            added, problems = self.project.add_videos(paths)
        finally:
            QApplication.restoreOverrideCursor()
        if problems:
            were = "was" if len(added) == 1 else "were"
            summary = (f"{len(problems)} of {len(paths)} videos could not be added"
                       + (f"; {len(added)} {were} added." if added else "."))
            self.reporter.problems("Add Videos", summary, problems)
        if added:
            self.statusBar().showMessage(f"Added {len(added)} video{'s' * (len(added) != 1)}.", STATUS_MS)
            for clip in added:  # quick jumps in long-GOP videos, as `plumb add` does
                self.proxies.enqueue(clip.id, self.project.video_path(clip), self.project.access_proxy_path(clip))
            if self.clip_list.current_clip_id() is None:
                self.select_clip(added[0].id)
        return added

    def relink_clip(self, clip_id: int, path: str | os.PathLike[str] | None = None) -> bool:
        if self.project is None:
            return False
        try:
            clip = self.project.clip(clip_id)
            if path is None:
                path = dialogs.ask_relink_file(self, clip.name, self.project.video_path(clip))
            if path is None:
                return False
            self.project.relink(clip_id, path)  # ClipsChanged then refreshes the list and the view
        except PlumbError as exc:
            self.reporter.error("Relink Video", str(exc))
            return False
        self.statusBar().showMessage(f"Relinked {clip.name} to {path}.", STATUS_MS)
        return True

    def select_clip(self, clip_id: int) -> bool:
        return self.clip_list.select_clip(clip_id)

    def show_clip_frame(self, clip_id: int, frame: int) -> None:
        """Open a clip at a frame (e.g. a problem listed by the label checks)."""
        if self.select_clip(clip_id) and self.pane.clip is not None:
            self.pane.player.seek(frame)

    def close_project(self) -> None:
        self.pose_runs.shutdown()  # cancel and join a running pose model before the store closes
        if self.pose_training is not None:
            self.pose_training.shutdown()
            self.pose_training.close()
            self.pose_training = None
        if self.render_dialog is not None:
            self.render_dialog.close()  # cancels a running render and waits for it
            self.render_dialog = None
        self.qa_view.shutdown()
        self.qa_view.set_project(None)
        self.suggestions_view.shutdown()
        self.suggestions_view.set_clip(None, None)
        self.assessment_view.shutdown()
        self.assessment_view.set_project(None)
        self.proxies.cancel_all()
        self.pane.close_clip()
        self.editor.set_clip(None, None)
        self.frame_timeline.set_clip(0)
        self.angle_plots.set_track(None, 0)
        self.project_watch.set_project(None)
        self.undo_stack.set_project(None)
        self.store_signals.set_project(None)
        self.history_view.set_project(None)
        self._set_label_panel(None)
        self.stage_timeline.set_clip(0, (), ())
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.project is not None:
            self.project.close()
            self.project = None
        self._project_changed()

    # --- reactions -----------------------------------------------------------------------
    def _set_project(self, project: Project) -> None:
        self.close_project()
        self.project = project
        self._unsubscribe = project.events.subscribe(ClipsChanged, self._clips_changed)
        self.undo_stack.set_project(project)
        self.store_signals.set_project(project)
        self.history_view.set_project(project)
        self._set_label_panel(project)
        self.qa_view.set_project(project)
        self.assessment_view.set_project(project)
        self.project_watch.set_project(project)
        project.store.waiting = self._write_waits
        self.undo_action.refresh()
        self.settings.add_recent_project(project.root)
        self._project_changed()
        self.statusBar().showMessage(f"Opened {project.root}", STATUS_MS)

    def _write_waits(self) -> None:
        """A write is waiting for another Plumb's: say so at once, even while this thread waits."""
        text = "Waiting for another Plumb to finish writing to this project…"
        if QThread.currentThread() is self.thread():
            self.statusBar().showMessage(text, STATUS_MS)
            self.statusBar().repaint()
        else:
            self.writeWaiting.emit(text)

    def _watch_other_windows(self) -> None:
        """Edits from other Plumb processes refresh the views as they land, and the status bar
        says who else has the project open."""
        self.project_watch = ProjectWatch(self)
        self.others_label = QLabel()
        self.statusBar().addPermanentWidget(self.others_label)
        self.project_watch.othersChanged.connect(self.others_label.setText)
        self.writeWaiting.connect(lambda text: self.statusBar().showMessage(text, STATUS_MS))
        self.project_watch.externalEdits.connect(
            lambda edits: self.statusBar().showMessage("From another window: " + "; ".join(edits[-3:]), STATUS_MS))

    def _project_changed(self) -> None:
        self.setWindowTitle(f"{self.project.name} — Plumb" if self.project else "Plumb")
        self.add_videos_action.setEnabled(self.project is not None)
        self.clip_list.set_clips(self.project.clips() if self.project else [])
        self._rebuild_recent_menu()

    def _clips_changed(self, event: ClipsChanged) -> None:
        self.clip_list.set_clips(self.project.clips())
        current = self.clip_list.current_clip_id()
        if current is not None and current in event.clip_ids:
            self._clip_selected(current)  # e.g. relinked: show it from its new place

    def _clip_selected(self, clip_id: int) -> None:
        if self.project is None:
            return
        try:
            clip = self.project.clip(clip_id)
            self.pane.show_clip(self.project, clip)
        except PlumbError as exc:
            self.reporter.error("Open Clip", str(exc))
            return
        self.editor.set_clip(self.project, clip)
        self.frame_timeline.set_clip(clip.frame_count)
        self._refresh_statuses()
        self._show_stages(clip)
        if self.label_panel is not None:
            self.label_panel.set_clip(clip.id)
        self.assessment_view.set_clip(clip.id)
        self.suggestions_view.set_clip(self.project, clip.id)

    def _set_label_panel(self, project: Project | None) -> None:
        old, self.label_panel = self.label_panel, None
        if project is not None:
            self.label_panel = LabelPanel(project, self.undo_stack.push_edit, parent=self)
        # Scrolled: the label form is taller than the room beside the video in a window that
        # also shows the Assessment dock, and would otherwise squeeze that dock to its minimum.
        scroller = QScrollArea(self)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setWidget(self.label_panel if self.label_panel is not None else QWidget(self))
        self.labels_dock.setWidget(scroller)
        if old is not None:
            old.close()
            old.deleteLater()

    def _show_stages(self, clip: ClipRecord) -> None:
        try:
            template = load_sport(clip.sport)
        except SportTemplateError as exc:
            self._stage_names = ()
            self.stage_timeline.set_clip(0, (), ())
            self.statusBar().showMessage(str(exc), STATUS_MS)
            return
        self._stage_names = template.stage_names
        self.stage_timeline.set_clip(clip.frame_count, template.stage_names, template.colors)
        self._stages_changed(clip.id)

    def _stages_changed(self, clip_id: int) -> None:
        if self.project is None or self.pane.clip is None or clip_id != self.pane.clip.id or not self._stage_names:
            return
        with self.project.store.reading() as session:
            expert = queries.stage_boundaries(session, clip_id, "expert")
            model = queries.stage_boundaries(session, clip_id, "model")
        fits = lambda b: b is not None and tuple(b.stage_names) == tuple(self._stage_names)  # noqa: E731
        self.stage_timeline.set_expert(list(expert.transitions) if fits(expert) else None)
        self.stage_timeline.set_model(list(model.transitions) if fits(model) else None)

    def _stages_edited(self, transitions: list) -> None:
        if self.pane.clip is not None:
            self.undo_stack.push_edit(set_stages(self.pane.clip.id, self._stage_names, transitions))

    def _frame_shown(self, index: int) -> None:
        self.editor.set_frame(index)
        self.frame_timeline.set_current(index)
        self.stage_timeline.set_current(index)
        self.angle_plots.set_current(index)

    def _current_track(self):
        with self.project.store.reading() as session:
            return queries.pose_track(session, self.pane.clip.id)

    def _refresh_statuses(self) -> None:
        if self.project is None or self.pane.clip is None:
            return
        track = self._current_track()
        self.frame_timeline.set_statuses(frame_statuses(track, self.pane.clip.frame_count))
        self.angle_plots.set_track(track, self.pane.clip.frame_count, self.pane.clip.fps)

    def _poses_changed(self, event: PosesChanged) -> None:
        if self.pane.clip is not None and event.clip_id == self.pane.clip.id and event.layer == WORKING_LAYER:
            self._refresh_statuses()
            self.suggestions_view.poses_changed(event.clip_id)

    def go_to_attention(self, direction: int) -> None:
        """Jump to the nearest frame (after or before the playhead) whose pose needs a human."""
        if self.project is None or self.pane.clip is None:
            return
        frame = next_attention(self._current_track(), self.pane.clip.frame_count, self.pane.player.position,
                               direction)
        if frame is None:
            self.statusBar().showMessage("No frame that way needs attention.", STATUS_MS)
        else:
            self.pane.player.seek(frame)

    # --- auto-annotation (app.ui.pose_worker) --------------------------------------------
    def _pose_target(self, title: str) -> bool:
        if self.project is None or self.pane.clip is None:
            self.reporter.error(title, "Open a project and select a clip first.")
            return False
        return True

    def auto_annotate_clip(self) -> bool:
        """Run the pose model over the current clip in the background (resuming an earlier run)."""
        return self._pose_target("Auto-Annotate") and self.pose_choices.run_clip(self.pose_runs, self.project,
                                                                                 self.pane.clip.id)

    def auto_annotation_settings(self, options: PoseOptions | None = None) -> PoseOptions | None:
        """Choose the model, skeleton, device and athlete of the next runs (asked for when not given)."""
        clip_id = self.pane.clip.id if self.pane.clip is not None else None
        if options is None:
            return self.pose_choices.ask(self, clip_id, drawn_athlete_box(self.editor))
        self.pose_choices.choose(options, clip_id)
        return options

    def render_video(self):
        """The clip with its overlay, alone or beside its exemplar, as a video (a window-modal dialog)."""
        from app.ui.render_dialog import RenderDialog

        if not self._pose_target("Render Video"):
            return None
        self.render_dialog = RenderDialog(self.project, self.pane.clip.id, self)
        self.render_dialog.ended.connect(lambda text: self.statusBar().showMessage(text, STATUS_MS))
        self.render_dialog.open()
        return self.render_dialog

    def train_pose_model(self) -> PoseTrainingDialog | None:
        """Fine-tune the pose network on this project's corrected frames (a window-modal dialog)."""
        if self.project is None:
            self.statusBar().showMessage("Open a project first.", 4000)
            return None
        self.pose_training = PoseTrainingDialog(self.project, self)
        self.pose_training.open()
        return self.pose_training

    def rerun_model_on_frame(self) -> bool:
        return self.rerun_model_on_frames(self.pane.player.position, self.pane.player.position)

    def rerun_model_on_frames(self, first: int | None = None, last: int | None = None) -> bool:
        """Run the model again on frames first..last (asked for when missing); manual joints stay."""
        if not self._pose_target("Re-run Model"):
            return False
        if first is None or last is None:
            chosen = ask_frame_range(self, self.pane.clip.frame_count, self.pane.player.position)
            if chosen is None:
                return False
            first, last = chosen
        return self.pose_choices.run_frames(self.pose_runs, self.project, self.pane.clip.id, first, last)

    def _proxy_progress(self, clip_id: int, done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            self.statusBar().showMessage(f"Building the seek index of clip {clip_id}: {done}/{total} frames", STATUS_MS)

    def _proxy_built(self, clip_id: int) -> None:
        self.statusBar().showMessage(f"Seek index of clip {clip_id} is ready: jumps are now fast.", STATUS_MS)
        if self.project is not None and self.pane.clip is not None and self.pane.clip.id == clip_id:
            self.pane.reload(self.project)

    # --- layout --------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry, state, splitter = self.settings.window_layout()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*DEFAULT_SIZE)
        if state is None or not self.restoreState(state):
            self._default_dock_sizes()
        if splitter is None or not self.splitter.restoreState(splitter):
            self.splitter.setSizes(DEFAULT_SPLIT)

    def _default_dock_sizes(self) -> None:
        """A fresh window's docks: the assessment tall enough for its radar and feedback rows,
        the right column wide enough for the label form."""
        width, height = self.size().width(), self.size().height()
        self.resizeDocks([self.docks["Assessment"]], [round(height * ASSESSMENT_SHARE)], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["History"]], [round(width * RIGHT_DOCK_SHARE)], Qt.Orientation.Horizontal)
        right = [self.docks[title] for title in RIGHT_COLUMN_SHARES]
        self.resizeDocks(right, [round(height * share) for share in RIGHT_COLUMN_SHARES.values()],
                         Qt.Orientation.Vertical)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.save_window_layout(self.saveGeometry(), self.saveState(), self.splitter.saveState())
        self.close_project()
        super().closeEvent(event)


def run_gui(project_dir: str | None = None) -> int:
    """Show the main window (opening ``project_dir`` when given) and run until it closes."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("Plumb")
    app.setApplicationName("Plumb")
    window = MainWindow()
    previous_hook = sys.excepthook
    sys.excepthook = dialogs.make_excepthook(window.reporter, previous_hook)
    try:
        window.show()
        if project_dir:
            window.open_project(project_dir)
        return app.exec()
    finally:
        sys.excepthook = previous_hook
