"""The view keeps the frame's aspect ratio, its scene in source pixels, and honours rotation."""

from __future__ import annotations

import numpy as np
import pytest

from app.ui.frame_loader import rgb_to_qimage
from app.ui.video_view import VideoView


@pytest.fixture
def view(qtbot):
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(800, 400)
    view.show()
    qtbot.waitExposed(view)
    view.show_image(rgb_to_qimage(np.zeros((240, 320, 3), np.uint8)))
    return view


def on_screen(view: VideoView):
    return view.mapFromScene(view.pixmap_item.sceneBoundingRect()).boundingRect()


def test_frame_fills_the_height_with_its_aspect_kept(view):
    rect = on_screen(view)
    assert view.sceneRect().width() == 320 and view.sceneRect().height() == 240  # source pixels
    assert abs(rect.height() - 400) <= 3
    assert abs(rect.width() / rect.height() - 320 / 240) < 0.02
    view.resize(400, 800)
    rect = on_screen(view)
    assert abs(rect.width() - 400) <= 3
    assert abs(rect.width() / rect.height() - 320 / 240) < 0.02


def test_display_rotation_turns_the_view_not_the_scene(view):
    view.set_rotation(-90)  # a portrait phone video: stored landscape, shown turned clockwise
    rect = on_screen(view)
    assert abs(rect.height() - 400) <= 3
    assert abs(rect.height() / rect.width() - 320 / 240) < 0.02
    # the stored frame's top-left pixel is now at the top-right of the picture
    corner = view.mapFromScene(0.5, 0.5)
    assert corner.x() > rect.center().x() and corner.y() < rect.center().y()
    assert view.sceneRect().width() == 320
