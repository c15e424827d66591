"""FrameCache: least-recently-used eviction within a byte budget, frozen entries."""

from __future__ import annotations

import numpy as np
import pytest

from app.media import FrameCache


def _frame(value: int, side: int = 10) -> np.ndarray:
    return np.full((side, side, 3), value, np.uint8)  # 300 bytes


def test_evicts_least_recently_used_within_budget():
    cache = FrameCache(max_bytes=900)
    for i in range(3):
        cache.put(i, _frame(i))
    assert cache.get(0) is not None  # 0 becomes most recent; 1 is now the oldest
    cache.put(3, _frame(3))
    assert cache.indices() == [2, 0, 3]
    assert cache.nbytes == 900 and len(cache) == 3
    assert 1 not in cache and cache.get(1) is None


def test_entries_are_frozen_and_returned_as_stored():
    cache = FrameCache(max_bytes=1000)
    stored = cache.put(5, _frame(5))
    assert cache.get(5) is stored
    with pytest.raises(ValueError):
        stored[0, 0, 0] = 9


def test_replacing_an_entry_keeps_the_count_right():
    cache = FrameCache(max_bytes=1000)
    cache.put(1, _frame(1))
    cache.put(1, _frame(2))
    assert len(cache) == 1 and cache.nbytes == 300
    assert cache.get(1)[0, 0, 0] == 2


def test_oversized_frame_is_frozen_but_not_kept():
    cache = FrameCache(max_bytes=100)
    frame = cache.put(0, _frame(0))
    assert not frame.flags.writeable
    assert len(cache) == 0 and cache.nbytes == 0


def test_zero_budget_and_clear():
    cache = FrameCache(max_bytes=0)
    cache.put(0, _frame(0))
    assert len(cache) == 0
    cache = FrameCache(max_bytes=10_000)
    cache.put(0, _frame(0))
    cache.clear()
    assert len(cache) == 0 and cache.nbytes == 0
    with pytest.raises(ValueError):
        FrameCache(max_bytes=-1)


def test_only_unreferenced_evicted_arrays_become_spares():
    cache = FrameCache(max_bytes=600)
    held = cache.put(0, _frame(0))
    view = cache.put(1, _frame(1))[2:4]
    cache.put(2, _frame(2))  # evicts 0, which the caller still holds
    assert cache.take_spare((10, 10, 3)) is None
    cache.put(3, _frame(3))  # evicts 1: a view of it is alive
    assert cache.take_spare((10, 10, 3)) is None
    del view
    cache.put(4, _frame(4))  # evicts 2: nobody holds it
    spare = cache.take_spare((10, 10, 3))
    assert spare is not None and spare.flags.writeable and spare[0, 0, 0] == 2
    assert cache.take_spare((10, 10, 3)) is None  # handed out once
    assert held[0, 0, 0] == 0
