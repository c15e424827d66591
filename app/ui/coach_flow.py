"""A coach's first minute: open a video without project ceremony, Analyze without knowing
that poses come first.

File ▸ Open Video… and dropping video files on the window add them to the open project, or
to the default library project in the user's data folder when none is open
(:mod:`app.library_project`), and show the first one; a video already in the project is shown
rather than refused. Analyze on a clip without poses first runs auto-annotation with the
window's pose runs (progress and Cancel in the status bar), then analyses; a cancelled or
failed run says why there is no analysis.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject

from app.errors import PlumbError
from app.library_project import default_library_folder, has_poses, library_exists
from app.media.fingerprint import fingerprint as content_fingerprint
from app.store import queries
from app.ui import dialogs

VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mts", ".m2ts", ".mpg", ".mpeg", ".wmv"}


def dropped_videos(mime) -> list[str]:
    """The local video files among dropped URLs."""
    if not mime.hasUrls():
        return []
    paths = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if Path(p).suffix.lower() in VIDEO_SUFFIXES]


class CoachFlow(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self._analyze_after_poses: int | None = None
        window.setAcceptDrops(True)
        window.installEventFilter(self)
        window.assessment_view.poses_first = self._poses_first
        window.pose_runs.runFinished.connect(self._poses_finished)
        window.pose_runs.runFailed.connect(self._poses_failed)

    # --- opening videos --------------------------------------------------------------------
    def open_videos(self, paths: Sequence[str | os.PathLike[str]] | None = None) -> int | None:
        """Show the first of ``paths`` (asked for when None) in the open project or the library;
        returns its clip id, or None when nothing could be opened (the reporter says why)."""
        window = self.window
        paths = list(paths) if paths is not None else dialogs.ask_video_files(window)
        if not paths:
            return None
        if window.project is None:
            folder = default_library_folder()
            opened = window.open_project(folder) if library_exists(folder) else window.new_project(folder)
            if not opened:
                return None
        fresh = [path for path in paths if self._clip_of(path) is None]
        if fresh:
            window.add_videos(fresh)  # reports each file that cannot be added, with its reason
        first = next((clip_id for clip_id in map(self._clip_of, paths) if clip_id is not None), None)
        if first is not None:
            window.select_clip(first)
        return first

    def _clip_of(self, path) -> int | None:
        try:
            fingerprint = content_fingerprint(Path(path).expanduser().resolve())
        except OSError:
            return None  # add_videos reports the file with its reason
        with self.window.project.store.reading() as session:
            clip = queries.clip_with_fingerprint(session, fingerprint)
        return None if clip is None else clip.id

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if dropped_videos(event.mimeData()):
                event.acceptProposedAction()
                return True
        if watched is self.window and event.type() == QEvent.Type.Drop:
            paths = dropped_videos(event.mimeData())
            if paths:
                event.acceptProposedAction()
                self.open_videos(paths)
                return True
        return super().eventFilter(watched, event)

    # --- analysis that needs poses ---------------------------------------------------------
    def _poses_first(self, project, clip_id: int) -> bool:
        """Start auto-annotation when the clip has no poses; True when analysis must wait for it."""
        if has_poses(project, clip_id):
            return False
        window = self.window
        try:
            started = window.pose_choices.run_clip(window.pose_runs, project, clip_id)
        except PlumbError as exc:
            window.assessment_view.score_label.setText(f"No analysis: {exc}")
            return True
        if started:
            self._analyze_after_poses = clip_id
            window.assessment_view.score_label.setText(
                "This clip has no poses yet: auto-annotating first (progress and Cancel in the status bar); "
                "the analysis follows.")
        else:
            window.assessment_view.score_label.setText(
                "No analysis: this clip has no poses and the pose model is busy; try again when it is done.")
        return True

    def _poses_finished(self, result: dict) -> None:
        clip_id, self._analyze_after_poses = self._analyze_after_poses, None
        view = self.window.assessment_view
        if clip_id is None or view.clip_id != clip_id:
            return
        if result.get("finished"):
            view.analyze()
        else:
            view.score_label.setText("No analysis: auto-annotation was cancelled. Press Analyze to resume it "
                                     "(finished frames are kept).")

    def _poses_failed(self, message: str) -> None:
        clip_id, self._analyze_after_poses = self._analyze_after_poses, None
        if clip_id is not None and self.window.assessment_view.clip_id == clip_id:
            self.window.assessment_view.score_label.setText(f"No analysis: auto-annotation failed ({message}).")
