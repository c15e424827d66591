"""Exactness on real camera files from ../shared/data (skipped when it is absent)."""

from __future__ import annotations

import hashlib
import random

import av
import pytest

from app.media import FrameSource, build_access_proxy, probe
from app.media.convert import RgbConverter
from app.media.cursor import decoded_frames

pytestmark = pytest.mark.shared_data

SAMPLES = 30


def _sequential_digests(path) -> list[str]:
    """Digest of every frame from a plain front-to-back decode (1080p frames are not kept)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        convert = None
        digests = []
        for frame in decoded_frames(container, stream):
            convert = convert or RgbConverter(frame.format.name, frame.color_range)
            digests.append(hashlib.sha1(convert(frame).tobytes()).hexdigest())
        return digests


def _video(shared_data, relative):
    path = shared_data / relative
    if not path.is_file():
        pytest.skip(f"{relative} not found in {shared_data}")
    return path


def test_vp9_random_frames_match_sequential(shared_data):
    path = _video(shared_data, "sports2d-demo/demo.mp4")
    digests = _sequential_digests(path)
    assert probe(path).frame_count == len(digests) == 230
    picks = random.Random(1).sample(range(len(digests)), SAMPLES)
    with FrameSource(path, cache_bytes=0) as source:
        for i in picks:
            assert hashlib.sha1(source.frame(i).tobytes()).hexdigest() == digests[i], f"frame {i}"


def test_h264_single_keyframe_random_frames_match_via_proxy(shared_data, tmp_path):
    path = _video(shared_data, "phalp-running/vid.mp4")
    digests = _sequential_digests(path)
    info = probe(path)
    assert info.frame_count == len(digests) == 180 and info.max_gop == 180
    proxy = build_access_proxy(path, tmp_path / "vid.proxy.mkv")
    picks = random.Random(2).sample(range(len(digests)), SAMPLES)
    with FrameSource(path, cache_bytes=0, proxy_path=proxy) as source:
        assert source.has_proxy
        for i in picks:
            assert hashlib.sha1(source.frame(i).tobytes()).hexdigest() == digests[i], f"frame {i}"
        assert source.stats.seeks_proxy >= SAMPLES - 2
