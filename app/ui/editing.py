"""Editing the frame on screen: the canvas items, the editing commands and their shortcuts.

FrameEditor owns no pose data. It reads the frame's pose from the store whenever the frame or
the store changes (PosesChanged, bridged to Qt by StoreSignals) and turns gestures into Qt-free
edits pushed on the UndoStack: one gesture, one edit, one undo step. Every command takes its
parameters as arguments, so tests and scripts call them without menus or mouse.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QCursor, QFont, QKeySequence
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSimpleTextItem, QMenu, QWidget

from app import editing_ops
from app.edits import Edit, set_box, set_keypoints, set_reviewed, set_visibility
from app.errors import EditError
from app.project import Project
from app.store import queries
from app.store.events import PosesChanged
from app.store.models import WORKING_LAYER
from app.store.records import ClipRecord, FramePose
from app.ui.box_item import BoxItem
from app.ui.overlays import TRAIL_RADIUS, OnionSkinItem, TrailItem
from app.ui.skeleton_items import SkeletonItem
from app.ui.undo import StoreSignals, UndoStack
from app.ui.video_view import VideoView
from inference.provenance import JointSource, Visibility
from inference.skeletons import get_skeleton

BIG_NUDGE = 10
VISIBILITY_CYCLE = (Visibility.VISIBLE, Visibility.OCCLUDED, Visibility.ABSENT)


class FrameEditor(QObject):
    statusMessage = Signal(str)
    selectionChanged = Signal(object)  # joint index or None

    def __init__(self, view: VideoView, stack: UndoStack, signals: StoreSignals,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.stack = stack
        self.project: Project | None = None
        self.clip: ClipRecord | None = None
        self.frame: int | None = None
        self.pose: FramePose | None = None  # what the store held when last drawn, for reading only
        self.selected: int | None = None
        self.placing_joint: int | None = None
        self.onion_skin = False
        self.trails = False

        scene = view.scene()
        self.box = BoxItem()
        self.skeleton = SkeletonItem()
        self.onion = OnionSkinItem()
        self.trail = TrailItem()
        self.badge = QGraphicsSimpleTextItem()
        self.badge.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.badge.setBrush(QColor(255, 255, 255))
        self.badge.setFont(QFont(self.badge.font().family(), 10, QFont.Weight.Bold))
        self.badge.setZValue(20)
        self.badge.setPos(6, 6)
        for item in (self.box, self.skeleton, self.onion, self.trail, self.badge):
            scene.addItem(item)

        self.skeleton.jointClicked.connect(self.select)
        self.skeleton.jointMoved.connect(self.move_joint)
        self.skeleton.jointMenuRequested.connect(self._joint_menu)
        self.box.boxChanged.connect(self.set_box)
        view.placeClicked.connect(self._place_clicked)
        view.backgroundClicked.connect(lambda _pos: self.select(None))
        signals.posesChanged.connect(self._poses_changed)
        stack.editRefused.connect(self._refused)

    # --- what is shown -------------------------------------------------------------------
    def set_clip(self, project: Project | None, clip: ClipRecord | None) -> None:
        self.project, self.clip, self.frame = project, clip, None
        self.select(None)
        self.cancel_placing()
        self.refresh()

    def set_frame(self, frame: int) -> None:
        """The frame now on screen: edits go to it."""
        if frame != self.frame:
            self.frame = frame
            self.cancel_placing()
            self.refresh()

    def schema(self) -> str:
        if self.pose is not None:
            return self.pose.schema
        if self.project is None:
            return "mpii16"
        with self.project.store.reading() as session:
            track_schema = queries.pose_track(session, self.clip.id).schema if self.clip else None
        return track_schema or self.project.setting("schema")

    def _read(self, frame: int) -> FramePose | None:
        with self.project.store.reading() as session:
            return queries.pose_at(session, self.clip.id, frame)

    def refresh(self) -> None:
        """Redraw from the store: the frame's skeleton, box and the overlays that are on."""
        if self.project is None or self.clip is None or self.frame is None:
            self.pose = None
            self.skeleton.set_pose(None, None, None, None)
            self.box.set_box(None)
            self.onion.set_poses(None, None, None)
            self.trail.set_trails(None, None)
            self.badge.setText("")
            return
        pose = self.pose = self._read(self.frame)
        if pose is None:
            self.skeleton.set_pose(None, None, None, None)
            self.box.set_box(None)
        else:
            self.skeleton.set_pose(pose.schema, pose.keypoints, pose.visibility, pose.source, self.selected)
            self.box.set_box(pose.bbox)
        self._refresh_overlays()
        reviewed = "   ✓ reviewed keyframe" if pose is not None and pose.reviewed else ""
        self.badge.setText(f"Frame {self.frame}{reviewed}")

    def _refresh_overlays(self) -> None:
        if self.onion_skin:
            neighbours = [self._read(self.frame + d) for d in (-1, 1)]
            schema = next((p.schema for p in neighbours if p is not None), None)
            self.onion.set_poses(schema, *[(p.keypoints, p.visibility) if p else None for p in neighbours])
        else:
            self.onion.set_poses(None, None, None)
        if self.trails:
            with self.project.store.reading() as session:
                track = queries.pose_track(session, self.clip.id)
            first = max(self.frame - TRAIL_RADIUS, 0)
            window = np.full((2 * TRAIL_RADIUS + 1, track.keypoints.shape[1] if track.schema else 0, 2), np.nan)
            for i, f in enumerate(track.frames.tolist()):
                if first <= f <= self.frame + TRAIL_RADIUS:
                    xy = track.keypoints[i, :, :2].astype(np.float64)
                    xy[track.visibility[i] == Visibility.ABSENT] = np.nan
                    window[f - first] = xy
            self.trail.set_trails(track.schema, window)
        else:
            self.trail.set_trails(None, None)

    def _poses_changed(self, event: PosesChanged) -> None:
        if self.clip is None or self.frame is None or event.clip_id != self.clip.id or event.layer != WORKING_LAYER:
            return
        near = range(self.frame - TRAIL_RADIUS, self.frame + TRAIL_RADIUS + 1)
        if self.frame in event.frames or ((self.onion_skin or self.trails) and not event.frames.isdisjoint(near)):
            self.refresh()

    def _refused(self, message: str) -> None:
        self.statusMessage.emit(message)
        self.refresh()  # put back an item a refused drag left where the mouse was

    # --- selection -----------------------------------------------------------------------
    def select(self, joint: int | None) -> None:
        if joint != self.selected:
            self.selected = joint
            self.skeleton.set_selected(joint)
            self.selectionChanged.emit(joint)
            if joint is not None:
                self.statusMessage.emit(self.skeleton.describe(joint))

    def _selected_known(self) -> int | None:
        if self.selected is None or self.pose is None or not self.skeleton.is_shown(self.selected):
            self.statusMessage.emit("Select a joint first: click it on the frame.")
            return None
        return self.selected

    # --- commands ------------------------------------------------------------------------
    def push(self, build: Callable[[], Edit]) -> bool:
        """Build an edit (refusals from building count as refused edits) and push it as one undo step."""
        if self.project is None or self.clip is None or self.frame is None:
            self.statusMessage.emit("Choose a clip first.")
            return False
        try:
            edit = build()
        except EditError as exc:
            self.stack.editRefused.emit(str(exc))
            return False
        return self.stack.push_edit(edit)

    def move_joint(self, joint: int, x: float, y: float) -> bool:
        """Put ``joint`` at (x, y): a manual joint, sure of itself."""
        self.select(joint)
        ok = self.push(lambda: set_keypoints(self.clip.id, self.frame, {joint: (x, y, 1.0)}, schema=self.schema(),
                                             source=JointSource.MANUAL))
        if not ok:
            self.refresh()
        return ok

    def nudge(self, dx: float, dy: float) -> bool:
        joint = self._selected_known()
        if joint is None:
            return False
        x, y = self.pose.keypoints[joint, :2]
        return self.move_joint(joint, float(x) + dx, float(y) + dy)

    def set_joint_visibility(self, visibility: Visibility, joint: int | None = None) -> bool:
        joint = joint if joint is not None else self._selected_known()
        if joint is None:
            return False
        return self.push(lambda: set_visibility(self.clip.id, self.frame, [joint], visibility, schema=self.schema()))

    def cycle_visibility(self) -> bool:
        joint = self._selected_known()
        if joint is None:
            return False
        current = Visibility(int(self.pose.visibility[joint]))
        following = VISIBILITY_CYCLE[(VISIBILITY_CYCLE.index(current) + 1) % len(VISIBILITY_CYCLE)]
        return self.set_joint_visibility(following, joint)

    def missing_joints(self) -> list[int]:
        joints = get_skeleton(self.schema()).num_joints
        return [j for j in range(joints) if self.pose is None or not self.skeleton.is_shown(j)]

    def begin_place(self, joint: int) -> None:
        """The next left click on the frame places ``joint`` there (Esc cancels)."""
        self.placing_joint = joint
        self.view.placing = True
        self.view.viewport().setCursor(Qt.CursorShape.CrossCursor)
        name = get_skeleton(self.schema()).joint_names[joint]
        self.statusMessage.emit(f"Click where {name} is (Esc cancels).")

    def cancel_placing(self) -> None:
        self.placing_joint = None
        self.view.placing = False
        self.view.viewport().unsetCursor()

    def _place_clicked(self, pos: QPointF) -> None:
        joint = self.placing_joint
        self.cancel_placing()
        if joint is not None:
            self.place_joint(joint, pos.x(), pos.y())

    def place_joint(self, joint: int, x: float, y: float) -> bool:
        """Add a missing joint at (x, y): visible and manual."""
        ok = self.push(lambda: set_keypoints(self.clip.id, self.frame, {joint: (x, y, 1.0)}, schema=self.schema(),
                                             source=JointSource.MANUAL, visibility=Visibility.VISIBLE))
        if ok:
            self.select(joint)
        return ok

    def set_box(self, bbox) -> bool:
        ok = self.push(lambda: set_box(self.clip.id, self.frame, bbox, schema=self.schema()))
        if not ok:
            self.refresh()
        return ok

    def add_box(self) -> bool:
        """A box around the known joints (or the middle of the frame) to adjust with the handles."""
        if self.pose is not None and self.pose.bbox is not None:
            self.statusMessage.emit("This frame has a box already: drag its border or handles.")
            return False
        known = self.pose.keypoints[:, :2][np.isfinite(self.pose.keypoints[:, :2]).all(axis=1)] \
            if self.pose is not None else np.zeros((0, 2))
        if len(known):
            (x1, y1), (x2, y2) = known.min(axis=0), known.max(axis=0)
            pad = 0.15 * max(x2 - x1, y2 - y1, 20)
            box = (x1 - pad, y1 - pad, x2 + pad, y2 + pad)
        else:
            w, h = self.clip.width, self.clip.height
            box = (w * 0.375, h * 0.25, w * 0.625, h * 0.75)
        return self.set_box(tuple(float(v) for v in box))

    def copy_from(self, offset: int) -> bool:
        """Copy the pose of the frame ``offset`` away (-1 previous, +1 next) onto this one."""
        return self.push(lambda: editing_ops.copy_pose(self.project, self.clip.id, self.frame + offset, self.frame))

    def toggle_reviewed(self) -> bool:
        reviewed = self.pose is not None and self.pose.reviewed
        return self.push(lambda: set_reviewed(self.clip.id, [self.frame], not reviewed))

    def interpolate(self) -> bool:
        return self.push(lambda: editing_ops.interpolate_between_keyframes(self.project, self.clip.id, self.frame))

    def set_onion_skin(self, on: bool) -> None:
        self.onion_skin = on
        if self.frame is not None and self.project is not None:
            self._refresh_overlays()

    def set_trails(self, on: bool) -> None:
        self.trails = on
        if self.frame is not None and self.project is not None:
            self._refresh_overlays()

    # --- menus ---------------------------------------------------------------------------
    def _joint_menu(self, joint: int, screen_pos: QPoint) -> None:
        self.select(joint)
        menu = self.joint_menu(joint)
        menu.exec(screen_pos)
        menu.deleteLater()

    def joint_menu(self, joint: int) -> QMenu:
        menu = QMenu(self.view)
        menu.addSection(self.skeleton.joint_name(joint))
        for text, visibility in (("Visible\t1", Visibility.VISIBLE), ("Occluded\t2", Visibility.OCCLUDED),
                                 ("Absent (hide)\t3", Visibility.ABSENT)):
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(self.pose is not None and int(self.pose.visibility[joint]) == visibility)
            action.triggered.connect(lambda _c=False, v=visibility: self.set_joint_visibility(v, joint))
        return menu

    def add_joint_menu(self) -> QMenu:
        menu = QMenu("Add Joint", self.view)
        missing = self.missing_joints()
        names = get_skeleton(self.schema()).joint_names
        for joint in missing:
            action = menu.addAction(names[joint])
            action.triggered.connect(lambda _c=False, j=joint: self.begin_place(j))
        if not missing:
            menu.addAction("All joints are placed").setEnabled(False)
        return menu

    def ask_add_joint(self) -> None:
        menu = self.add_joint_menu()
        menu.exec(QCursor.pos())
        menu.deleteLater()

    def actions(self, parent: QWidget) -> list[QAction]:
        """Editing commands with their window-wide shortcuts (plain arrows stay frame stepping)."""
        def nudge(dx: int, dy: int) -> Callable[[], object]:
            return lambda: self.nudge(dx, dy)

        specs: list[tuple[str, list[str], Callable[[], object]]] = [
            ("Nudge Joint Left", ["Alt+Left"], nudge(-1, 0)),
            ("Nudge Joint Right", ["Alt+Right"], nudge(1, 0)),
            ("Nudge Joint Up", ["Alt+Up"], nudge(0, -1)),
            ("Nudge Joint Down", ["Alt+Down"], nudge(0, 1)),
            (f"Nudge Joint Left {BIG_NUDGE} px", ["Alt+Shift+Left"], nudge(-BIG_NUDGE, 0)),
            (f"Nudge Joint Right {BIG_NUDGE} px", ["Alt+Shift+Right"], nudge(BIG_NUDGE, 0)),
            (f"Nudge Joint Up {BIG_NUDGE} px", ["Alt+Shift+Up"], nudge(0, -BIG_NUDGE)),
            (f"Nudge Joint Down {BIG_NUDGE} px", ["Alt+Shift+Down"], nudge(0, BIG_NUDGE)),
            ("Mark Joint Visible", ["1"], lambda: self.set_joint_visibility(Visibility.VISIBLE)),
            ("Mark Joint Occluded", ["2"], lambda: self.set_joint_visibility(Visibility.OCCLUDED)),
            ("Mark Joint Absent", ["3", "Delete"], lambda: self.set_joint_visibility(Visibility.ABSENT)),
            ("Cycle Joint Visibility", ["V"], self.cycle_visibility),
            ("Add Missing Joint…", ["A"], self.ask_add_joint),
            ("Add Athlete Box", ["B"], self.add_box),
            ("Copy Pose from Previous Frame", ["Ctrl+Shift+Left"], lambda: self.copy_from(-1)),
            ("Copy Pose from Next Frame", ["Ctrl+Shift+Right"], lambda: self.copy_from(1)),
            ("Mark Frame Reviewed Keyframe", ["K"], self.toggle_reviewed),
            ("Interpolate Between Keyframes", ["I"], self.interpolate),
            ("Fit Frame", ["F"], self.view.fit),
            ("Cancel / Deselect", ["Esc"], lambda: (self.cancel_placing(), self.select(None))),
        ]
        actions = []
        for text, keys, slot in specs:
            action = QAction(text, parent)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False, s=slot: s())
            actions.append(action)
        for text, key, setter in (("Onion Skin", "O", self.set_onion_skin), ("Joint Trails", "T", self.set_trails)):
            action = QAction(text, parent)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.toggled.connect(setter)
            actions.append(action)
        return actions
