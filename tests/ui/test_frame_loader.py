"""The decoder thread on its own: exact frames, newest request wins, errors, shutdown."""

from __future__ import annotations

import numpy as np
import pytest

from app.media.frame_source import FrameSource
from app.ui.frame_loader import FrameLoader, qimage_to_rgb, rgb_to_qimage
from tests.helpers.videos import read_frame_number, write_text_file
from tests.ui.conftest import FRAMES, SlowSource


@pytest.fixture
def loaders():
    made: list[FrameLoader] = []

    def make(*args, **kwargs) -> FrameLoader:
        loader = FrameLoader(*args, **kwargs)
        made.append(loader)
        return loader

    yield make
    for loader in made:
        loader.close()
    assert FrameLoader.running() == []


@pytest.mark.parametrize("shape", [(240, 320, 3), (241, 321, 3), (7, 5, 3)])
def test_qimage_round_trip_keeps_every_pixel(shape):
    rgb = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    rgb.setflags(write=False)  # FrameSource hands out read-only arrays
    image = rgb_to_qimage(rgb)
    expected = rgb.copy()
    del rgb  # the image owns a copy of the pixels
    assert (image.width(), image.height()) == (shape[1], shape[0])
    assert np.array_equal(qimage_to_rgb(image), expected)


def test_loader_delivers_the_requested_frames(qtbot, loaders, numbered_video):
    loader = loaders(7, numbered_video)
    with qtbot.waitSignal(loader.opened) as opened:
        loader.start()
    assert opened.args[0] == 7 and opened.args[1].frame_count == FRAMES
    assert opened.args[2] is None  # constant frame rate: time is index / fps
    for index in (0, 31, 30, FRAMES - 1, 5):
        with qtbot.waitSignal(loader.frameLoaded) as loaded:
            loader.request(index)
        clip_id, got, timestamp, image = loaded.args
        assert (clip_id, got) == (7, index)
        assert timestamp == pytest.approx(index / 25)
        assert read_frame_number(qimage_to_rgb(image)) == index


def test_only_the_newest_pending_request_is_decoded(qtbot, loaders, numbered_video):
    loader = loaders(1, numbered_video, open_source=lambda p, x, c: SlowSource(p, x, c, delay_s=0.05))
    delivered: list[int] = []
    loader.frameLoaded.connect(lambda _c, index, _t, _i: delivered.append(index))
    loader.start()
    for index in range(40):
        loader.request(index)
    qtbot.waitUntil(lambda: bool(delivered) and delivered[-1] == 39, timeout=5000)
    qtbot.wait(150)
    assert delivered[-1] == 39
    assert loader.request_count == 40
    assert loader.decode_count == len(delivered) <= 3  # the first (maybe), then only the last


def test_unreadable_video_reports_failure_without_a_frame(qtbot, loaders, tmp_path):
    loader = loaders(3, write_text_file(tmp_path / "notes.mp4"))
    with qtbot.waitSignal(loader.failed) as failed:
        loader.start()
    clip_id, message = failed.args
    assert clip_id == 3 and message.startswith("notes.mp4:") and "\n" not in message
    qtbot.waitUntil(lambda: not loader.is_running())


def test_close_stops_the_thread_and_closes_the_source(qtbot, loaders, numbered_video):
    sources = []

    def open_source(path, proxy, cache):
        sources.append(SlowSource(path, proxy, cache, delay_s=0.0))
        return sources[-1]

    loader = loaders(1, numbered_video, open_source=open_source)
    with qtbot.waitSignal(loader.frameLoaded):
        loader.start()
        loader.request(4)
    loader.close()
    assert not loader.is_running()
    with pytest.raises(ValueError, match="closed"):
        sources[0]._source.frame(0)


def test_idle_loader_prefetches_the_neighbours(qtbot, loaders, numbered_video):
    sources = []

    def open_source(path, proxy, cache):
        sources.append(FrameSource(path, cache_bytes=cache, proxy_path=proxy))
        return sources[-1]

    loader = loaders(1, numbered_video, prefetch_radius=4, open_source=open_source)
    with qtbot.waitSignal(loader.frameLoaded):
        loader.start()
        loader.request(30)
    qtbot.waitUntil(lambda: all(i in sources[0].cache for i in range(26, 35)), timeout=3000)
