"""FrameSource returns exactly frame n, however it is reached."""

from __future__ import annotations

import random
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.media import FrameSource, SourceClosedError
from tests.app.media.conftest import FORMATS, FRAMES
from tests.helpers.videos import read_frame_number, vfr_pts_ms


@pytest.mark.parametrize("name", FORMATS)
def test_every_access_order_matches_reference(videos, name):
    reference = videos.reference(name)
    assert len(reference) == FRAMES
    path = videos.path(name)

    with FrameSource(path) as source:
        assert len(source) == FRAMES
        for i in range(FRAMES):
            frame = source.frame(i)
            assert frame.shape == reference[i].shape and frame.dtype == np.uint8
            assert np.array_equal(frame, reference[i]), f"sequential frame {i}"
            assert read_frame_number(frame) == i

    order = list(range(FRAMES))
    random.Random(name).shuffle(order)
    # No cache: every request really goes through the decoder's seek/continue logic.
    with FrameSource(path, cache_bytes=0) as source:
        for i in order:
            assert np.array_equal(source.frame(i), reference[i]), f"shuffled frame {i}"
        for i in reversed(range(FRAMES)):
            assert np.array_equal(source.frame(i), reference[i]), f"reversed frame {i}"
        assert source.stats.seeks_original > 1


@given(st.lists(st.integers(0, FRAMES - 1), min_size=1, max_size=30))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_request_sequence_is_exact(videos, requests):
    reference = videos.reference("h264-mp4")
    # A tiny cache forces constant eviction, mixing hits, continues and seeks.
    with FrameSource(videos.path("h264-mp4"), cache_bytes=5 * reference[0].nbytes) as source:
        for i in requests:
            assert np.array_equal(source.frame(i), reference[i])


def test_frames_are_read_only_and_cache_hits_are_the_same_array(videos):
    with FrameSource(videos.path("h264-mp4")) as source:
        first = source.frame(10)
        with pytest.raises(ValueError):
            first[0, 0, 0] = 1
        assert source.frame(10) is first
        assert source.stats.cache_hits >= 1
    with FrameSource(videos.path("h264-mp4"), cache_bytes=0) as source:
        assert not source.frame(3).flags.writeable


def test_cache_respects_its_byte_budget(videos):
    reference = videos.reference("vp9-webm")
    budget = 7 * reference[0].nbytes + 100
    with FrameSource(videos.path("vp9-webm"), cache_bytes=budget) as source:
        for i in list(range(FRAMES)) + list(range(FRAMES - 1, -1, -3)):
            source.frame(i)
            assert source.cache.nbytes <= budget
            assert len(source.cache) <= 7


def test_frames_on_the_way_are_kept_for_stepping_back(videos):
    with FrameSource(videos.path("h264-mkv")) as source:
        source.frame(47)  # keyframes every 24: decodes 24..47
        decoded = source.stats.decoded_original
        for i in range(46, 38, -1):
            source.frame(i)
        assert source.stats.decoded_original == decoded


def test_prefetch_fills_neighbours(videos):
    reference = videos.reference("h264-mp4")
    with FrameSource(videos.path("h264-mp4")) as source:
        source.frame(40)
        missing = [i for i in range(34, 47) if i not in source.cache]
        assert missing  # at least the frames after 40
        assert source.prefetch(40, 6) == len(missing)
        hits = source.stats.cache_hits
        for i in range(34, 47):
            assert np.array_equal(source.frame(i), reference[i])
        assert source.stats.cache_hits == hits + 13
        assert source.prefetch(40, 6) == 0


def test_prefetch_window_is_limited_to_half_the_cache(videos):
    frame_bytes = videos.reference("h264-mp4")[0].nbytes
    with FrameSource(videos.path("h264-mp4"), cache_bytes=10 * frame_bytes) as source:
        source.prefetch(30, 30)
        assert len(source.cache) <= 10
        assert 30 in source.cache


def test_shared_between_threads(videos):
    reference = videos.reference("h264-mov")
    errors: list[str] = []
    with FrameSource(videos.path("h264-mov"), cache_bytes=8 * reference[0].nbytes) as source:

        def reader(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(60):
                i = rng.randrange(FRAMES)
                if not np.array_equal(source.frame(i), reference[i]):
                    errors.append(f"frame {i}")

        def prefetcher() -> None:
            for center in range(0, FRAMES, 9):
                source.prefetch(center, 3)

        threads = [threading.Thread(target=reader, args=(s,)) for s in range(3)]
        threads.append(threading.Thread(target=prefetcher))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_constant_rate_timestamps(videos):
    with FrameSource(videos.path("h264-mp4")) as source:
        assert not source.info.is_vfr
        assert source.info.fps == pytest.approx(25.0)
        assert source.timestamp(0) == 0.0
        assert source.timestamp(50) == pytest.approx(2.0)
        for i in range(FRAMES):
            assert source.index_at(source.timestamp(i)) == i
        assert source.index_at(2.039) == 50
        assert source.index_at(-5) == 0
        assert source.index_at(1e6) == FRAMES - 1


@pytest.mark.parametrize("name", ["h264-vfr-mp4", "h264-vfr-mkv"])
def test_variable_rate_timestamps_come_from_the_file(videos, name):
    expected = [ms / 1000 for ms in vfr_pts_ms(FRAMES, 25)]
    with FrameSource(videos.path(name)) as source:
        assert source.info.is_vfr
        times = [source.timestamp(i) for i in range(FRAMES)]
        assert times == pytest.approx(expected, abs=1e-6)
        for i, t in enumerate(times):
            assert source.index_at(t) == i
            assert source.index_at(t + 0.0005) == i
        # frame 2 lasts two nominal frames (pattern 1, 1, 2, ...): its middle is still frame 2
        assert source.index_at(expected[2] + 0.05) == 2
        assert source.info.duration_s == pytest.approx(expected[-1] + 0.04, abs=0.002)


def test_bad_indices_and_closed_source(videos):
    source = FrameSource(videos.path("h264-mp4"))
    with pytest.raises(IndexError):
        source.frame(FRAMES)
    with pytest.raises(IndexError):
        source.frame(-1)
    source.close()
    source.close()
    with pytest.raises(SourceClosedError):
        source.frame(0)
    assert source.cache.nbytes == 0
