"""The skeleton of the frame on screen as graphics items in video-pixel scene coordinates.

How a joint is drawn says what it is at a glance:
  colour   side of the body: left blue, right orange, centre yellow (bones likewise);
  shape    where it came from: model ● disc, manual ● disc in a white ring, interpolated ■
           square, propagated ◆ diamond;
  fill     visible joints are filled, occluded ones hollow; absent joints are not drawn;
  opacity  confidence below LOW_CONFIDENCE is translucent and its bones dashed.

Joints keep their size on screen whatever the zoom (ItemIgnoresTransformations). During a
drag only the item moves; the owner hears `jointMoved` once, on release, and writes the edit.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsObject, QGraphicsSceneContextMenuEvent,
                               QGraphicsSceneHoverEvent, QGraphicsSceneMouseEvent, QStyleOptionGraphicsItem,
                               QWidget)

from inference.provenance import JointSource, Visibility
from inference.skeletons import get_skeleton

SIDE_COLORS = {"left": QColor(64, 156, 255), "right": QColor(255, 120, 48), "center": QColor(240, 220, 70)}
LOW_CONFIDENCE = 0.3
LOW_OPACITY = 0.45
JOINT_RADIUS = 5.5  # screen pixels
BONE_WIDTH = 2.5  # screen pixels
Z_BOX, Z_TRAILS, Z_ONION, Z_SKELETON = 5, 6, 7, 10


def side_colors(schema: str) -> list[QColor]:
    return [SIDE_COLORS[side] for side in get_skeleton(schema).sides]


def bone_pen(color: QColor, *, low: bool, occluded: bool, width: float = BONE_WIDTH) -> QPen:
    pen = QPen(color, width)
    pen.setCosmetic(True)  # width in screen pixels at any zoom
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    if low or occluded:
        pen.setStyle(Qt.PenStyle.DashLine if low else Qt.PenStyle.DotLine)
    return pen


def marker_path(source: int, radius: float) -> QPainterPath:
    """The marker shape of a joint source, centred on (0, 0), in screen pixels."""
    path = QPainterPath()
    if source == JointSource.INTERPOLATED:
        side = radius * 1.7
        path.addRect(QRectF(-side / 2, -side / 2, side, side))
    elif source == JointSource.PROPAGATED:
        r = radius * 1.25
        path.addPolygon(QPolygonF([QPointF(0, -r), QPointF(r, 0), QPointF(0, r), QPointF(-r, 0), QPointF(0, -r)]))
    else:
        path.addEllipse(QPointF(0, 0), radius, radius)
    return path


class JointItem(QGraphicsItem):
    """One joint: a marker of constant screen size, draggable, selectable by click."""

    def __init__(self, skeleton: SkeletonItem, index: int) -> None:
        super().__init__(skeleton)
        self.skeleton = skeleton
        self.index = index
        self.color = QColor(SIDE_COLORS["center"])
        self.source = int(JointSource.MODEL)
        self.visibility = int(Visibility.VISIBLE)
        self.confidence = 1.0
        self.selected = False
        self._press: QPointF | None = None
        self._moved = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.SizeAllCursor)

    def boundingRect(self) -> QRectF:
        r = JOINT_RADIUS * 2.2
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        r = JOINT_RADIUS * 1.8  # easier to grab than to see
        path.addEllipse(QPointF(0, 0), r, r)
        return path

    def set_state(self, color: QColor, source: int, visibility: int, confidence: float) -> None:
        self.color, self.source, self.visibility, self.confidence = color, source, visibility, confidence
        self.setOpacity(LOW_OPACITY if np.isfinite(confidence) and confidence < LOW_CONFIDENCE else 1.0)
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        radius = JOINT_RADIUS * (1.3 if self.selected else 1.0)
        path = marker_path(self.source, radius)
        occluded = self.visibility == Visibility.OCCLUDED
        if self.selected:
            halo = QPen(QColor(255, 255, 255, 200), 3)
            painter.setPen(halo)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), radius + 4, radius + 4)
        if occluded:  # hollow: a thick ring in the side colour
            painter.setPen(QPen(self.color, 2.5))
            painter.setBrush(QBrush(QColor(0, 0, 0, 60)))
        else:
            painter.setPen(QPen(QColor(20, 20, 20), 1.2))
            painter.setBrush(self.color)
        painter.drawPath(path)
        if self.source == JointSource.MANUAL:  # manual: a white outer ring
            painter.setPen(QPen(QColor(255, 255, 255), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), radius + 2.5, radius + 2.5)

    # --- interaction ---------------------------------------------------------------------
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        self._press = self.pos()
        self._moved = False
        self.skeleton.jointClicked.emit(self.index)
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._press is None:
            return
        self._moved = True
        self.setPos(event.scenePos())  # the parent sits at the scene origin
        self.skeleton.joint_dragging(self.index, event.scenePos())

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._press is None:
            return
        start, self._press = self._press, None
        if self._moved and self.pos() != start:
            pos = self.pos()
            self.skeleton.jointMoved.emit(self.index, pos.x(), pos.y())

    def contextMenuEvent(self, event: QGraphicsSceneContextMenuEvent) -> None:
        self.skeleton.jointMenuRequested.emit(self.index, event.screenPos())

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.setToolTip(self.skeleton.describe(self.index))


class SkeletonItem(QGraphicsObject):
    """Bones (painted here) and one JointItem child per joint of the current frame's pose."""

    jointClicked = Signal(int)
    jointMoved = Signal(int, float, float)  # joint, x, y in video pixels; once, on release
    jointMenuRequested = Signal(int, object)  # joint, QPoint (screen)

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.setZValue(Z_SKELETON)
        self.schema: str | None = None
        self.keypoints = np.zeros((0, 3), np.float32)
        self.visibility = np.zeros(0, np.uint8)
        self.source = np.zeros(0, np.uint8)
        self.joints: list[JointItem] = []
        self._colors: list[QColor] = []
        self._bones: tuple[tuple[int, int], ...] = ()
        self._names: tuple[str, ...] = ()
        self._xy = np.zeros((0, 2), np.float64)  # drawn positions: the stored ones, or a joint mid-drag
        self._rect = QRectF()

    # --- state ---------------------------------------------------------------------------
    def set_pose(self, schema: str | None, keypoints: np.ndarray | None, visibility: np.ndarray | None,
                 source: np.ndarray | None, selected: int | None = None) -> None:
        """Show a pose: keypoints float32 (J, 3), visibility and source uint8 (J,); None hides it."""
        if schema is None or keypoints is None:
            self.schema = None
            for joint in self.joints:
                joint.hide()
            self._xy = np.zeros((0, 2))
            self._set_rect()
            return
        if schema != self.schema:
            skeleton = get_skeleton(schema)
            self.schema = schema
            self._colors = side_colors(schema)
            self._bones = skeleton.bones
            self._names = skeleton.joint_names
            for joint in self.joints:
                joint.setParentItem(None)
                if joint.scene() is not None:
                    joint.scene().removeItem(joint)
            self.joints = [JointItem(self, j) for j in range(skeleton.num_joints)]
        self.keypoints, self.visibility, self.source = keypoints, visibility, source
        self._xy = keypoints[:, :2].astype(np.float64)
        for j, item in enumerate(self.joints):
            if self.is_shown(j):
                item.setPos(self._xy[j, 0], self._xy[j, 1])
                item.selected = j == selected
                item.set_state(self._colors[j], int(source[j]), int(visibility[j]), float(keypoints[j, 2]))
                item.show()
            else:
                item.hide()
        self._set_rect()

    def is_shown(self, joint: int) -> bool:
        return (0 <= joint < len(self._xy) and bool(np.isfinite(self._xy[joint]).all())
                and self.visibility[joint] != Visibility.ABSENT)

    def set_selected(self, joint: int | None) -> None:
        for j, item in enumerate(self.joints):
            if item.selected != (j == joint):
                item.selected = j == joint
                item.update()

    def describe(self, joint: int) -> str:
        if not self._names:
            return ""
        kp = self.keypoints[joint]
        return (f"{self._names[joint]} — {JointSource(int(self.source[joint])).name.lower()}, "
                f"{Visibility(int(self.visibility[joint])).name.lower()}, confidence {kp[2]:.2f}")

    def joint_name(self, joint: int) -> str:
        return self._names[joint] if self._names else str(joint)

    def joint_dragging(self, joint: int, pos: QPointF) -> None:
        self._xy[joint] = (pos.x(), pos.y())
        self._set_rect()
        self.update()

    def _set_rect(self) -> None:
        finite = self._xy[np.isfinite(self._xy).all(axis=1)] if len(self._xy) else self._xy
        rect = QRectF() if not len(finite) else QRectF(
            QPointF(*finite.min(axis=0)), QPointF(*finite.max(axis=0))).adjusted(-4, -4, 4, 4)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect

    # --- painting ------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if self.schema is None:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for a, b in self._bones:
            if not (self.is_shown(a) and self.is_shown(b)):
                continue
            color = self._colors[a] if self._colors[a] == self._colors[b] else SIDE_COLORS["center"]
            conf = np.fmin(self.keypoints[a, 2], self.keypoints[b, 2])
            low = bool(np.isfinite(conf) and conf < LOW_CONFIDENCE)
            occluded = Visibility.OCCLUDED in (self.visibility[a], self.visibility[b])
            if low:
                color = QColor(color)
                color.setAlphaF(LOW_OPACITY)
            # a dark under-stroke keeps bones readable on bright water and sky
            shadow = bone_pen(QColor(0, 0, 0, 110), low=low, occluded=occluded, width=BONE_WIDTH + 2)
            painter.setPen(shadow)
            line = (QPointF(*self._xy[a]), QPointF(*self._xy[b]))
            painter.drawLine(*line)
            painter.setPen(bone_pen(color, low=low, occluded=occluded))
            painter.drawLine(*line)
