"""The access proxy is bit-exact, serves jumps, and is ignored whenever it does not fit."""

from __future__ import annotations

import random

import numpy as np
import pytest

from app.errors import MediaError
from app.media import FrameSource, build_access_proxy, probe
from tests.app.media.conftest import FRAMES
from tests.helpers.videos import read_frame_number, write_numbered_video


@pytest.fixture(scope="module")
def long_gop(tmp_path_factory):
    """One keyframe for all frames: the case the proxy exists for."""
    root = tmp_path_factory.mktemp("proxy")
    src = write_numbered_video(root / "one-keyframe.mp4", frames=FRAMES, size=(160, 120),
                               gop=1000, bframes=2)
    proxy = build_access_proxy(src, root / "one-keyframe.proxy.mkv")
    return src, proxy


def test_proxy_frames_are_bit_exact(long_gop, videos):
    src, proxy = long_gop
    reference = videos.reference_of(src)
    with FrameSource(proxy) as direct:  # the proxy is a plain video file too
        assert len(direct) == FRAMES
        assert direct.info.codec == "ffv1" and direct.info.max_gop == 1
        for i in range(FRAMES):
            assert np.array_equal(direct.frame(i), reference[i])


def test_jumps_use_the_proxy_and_stay_exact(long_gop, videos):
    src, proxy = long_gop
    reference = videos.reference_of(src)
    order = list(range(FRAMES))
    random.Random(7).shuffle(order)
    with FrameSource(src, cache_bytes=0, proxy_path=proxy) as source:
        assert source.has_proxy
        for i in order:
            frame = source.frame(i)
            assert np.array_equal(frame, reference[i]), f"frame {i}"
            assert read_frame_number(frame) == i
        stats = source.stats
    assert stats.seeks_proxy > FRAMES // 2
    # without the proxy each jump would decode from frame 0: far more decoding
    assert stats.decoded_original + stats.decoded_proxy < FRAMES * 4


def test_sequential_play_uses_the_original(long_gop):
    src, proxy = long_gop
    with FrameSource(src, cache_bytes=0, proxy_path=proxy) as source:
        for i in range(FRAMES):
            source.frame(i)
        assert source.stats.seeks_proxy == 0
        assert source.stats.decoded_original >= FRAMES


def test_progress_and_atomic_output(tmp_path, videos):
    calls = []
    target = tmp_path / "sub" / "p.mkv"
    result = build_access_proxy(videos.path("h264-mkv"), target,
                                progress=lambda done, total: calls.append((done, total)))
    assert result == target and target.is_file()
    assert calls[0] == (1, FRAMES) and calls[-1] == (FRAMES, FRAMES) and len(calls) == FRAMES
    assert sorted(p.name for p in target.parent.iterdir()) == ["p.mkv"]


def test_cancel_leaves_nothing(tmp_path, videos):
    seen = []
    result = build_access_proxy(videos.path("h264-mp4"), tmp_path / "p.mkv",
                                progress=lambda done, total: seen.append(done),
                                cancel=lambda: len(seen) >= 10)
    assert result is None
    assert list(tmp_path.iterdir()) == []


def test_proxy_of_another_video_is_ignored(tmp_path, videos):
    other = build_access_proxy(videos.path("h264-mkv"), tmp_path / "other.mkv")
    reference = videos.reference("h264-mp4")
    # Same frame count and size, different content: the source fingerprint tells them apart.
    with FrameSource(videos.path("h264-mp4"), proxy_path=other) as source:
        assert not source.has_proxy
        assert np.array_equal(source.frame(50), reference[50])


def test_missing_or_broken_proxy_is_ignored(tmp_path, videos):
    reference = videos.reference("h264-mp4")
    broken = tmp_path / "broken.mkv"
    broken.write_bytes(b"\x1a\x45\xdf\xa3 not really matroska" * 10)
    for proxy in (tmp_path / "absent.mkv", broken):
        with FrameSource(videos.path("h264-mp4"), proxy_path=proxy) as source:
            assert not source.has_proxy
            assert np.array_equal(source.frame(33), reference[33])


def test_damaged_proxy_falls_back_to_the_original(long_gop, tmp_path, videos):
    src, proxy = long_gop
    reference = videos.reference_of(src)
    data = bytearray(proxy.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 4000] = bytes(4000)  # wipe a few frames' worth of slices
    damaged = tmp_path / "damaged.mkv"
    damaged.write_bytes(bytes(data))
    with FrameSource(src, cache_bytes=0, proxy_path=damaged) as source:
        assert source.has_proxy  # its header and index are intact
        for i in range(FRAMES - 1, -1, -1):
            assert np.array_equal(source.frame(i), reference[i]), f"frame {i}"
        assert not source.has_proxy  # dropped at the first damaged frame
        assert source.stats.seeks_proxy > 0


def test_only_420_sources_get_a_proxy(tmp_path, videos):
    path = videos.path("h264-yuv444p")
    with pytest.raises(MediaError, match="h444.mkv: .*4:2:0"):
        build_access_proxy(path, tmp_path / "p.mkv")
    assert not (tmp_path / "p.mkv").exists()


def test_proxy_is_built_from_vfr_and_odd_sizes(tmp_path, videos):
    for name in ("h264-vfr-mp4", "vp9-odd-size"):
        proxy = build_access_proxy(videos.path(name), tmp_path / f"{name}.mkv")
        reference = videos.reference(name)
        with FrameSource(videos.path(name), cache_bytes=0, proxy_path=proxy) as source:
            assert source.has_proxy
            assert probe(proxy).frame_count == FRAMES
            for i in (60, 3, 41, 17, 70):
                assert np.array_equal(source.frame(i), reference[i])
