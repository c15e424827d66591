"""Image folders as frame sequences: order, reading, refusals."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from app.errors import MediaError
from app.media.image_folder import ImageFolder
from tests.helpers.videos import draw_numbered_frame, read_frame_number


def write_frames(folder, names, size=(160, 120)):
    folder.mkdir(exist_ok=True)
    for number, name in enumerate(names):
        rgb = draw_numbered_frame(number, size)
        cv2.imwrite(str(folder / name), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return folder


def test_natural_order_and_rgb(tmp_path):
    folder = write_frames(tmp_path / "f", ["f1.png", "f2.png", "f10.png"])
    (folder / ".DS_Store").write_bytes(b"junk")
    frames = ImageFolder(folder)
    assert [frames.name(i) for i in range(len(frames))] == ["f1.png", "f2.png", "f10.png"]
    assert [read_frame_number(frames.frame(i)) for i in range(3)] == [0, 1, 2]
    assert frames.frame(0).shape == (120, 160, 3) and frames.frame(0).dtype == np.uint8


def test_refuses_non_images_and_mixed_sizes(tmp_path):
    folder = write_frames(tmp_path / "a", ["a.png", "b.png"])
    (folder / "notes.txt").write_text("hello")
    with pytest.raises(MediaError, match="notes.txt: is not an image"):
        ImageFolder(folder)
    folder = write_frames(tmp_path / "b", ["a.png"])
    (folder / "b.jpg").write_text("not really a jpeg")
    with pytest.raises(MediaError, match="b.jpg: cannot be read"):
        ImageFolder(folder)
    folder = write_frames(tmp_path / "c", ["a.png"])
    write_frames(folder, ["z.png"], size=(200, 100))
    with pytest.raises(MediaError, match="z.png: is 200x100 but a.png is 160x120"):
        ImageFolder(folder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(MediaError, match="holds no images"):
        ImageFolder(tmp_path / "empty")
