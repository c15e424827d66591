"""fingerprint(): same content -> same value wherever the file lives; any edit -> new value."""

from __future__ import annotations

import os

import pytest

from app.errors import MediaError
from app.media import fingerprint
from app.media.fingerprint import SAMPLE_BYTES


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_moved_copy_matches(tmp_path):
    data = os.urandom(5 * SAMPLE_BYTES)
    a = _write(tmp_path / "a.mp4", data)
    (tmp_path / "elsewhere").mkdir()
    b = _write(tmp_path / "elsewhere" / "renamed.mov", data)
    assert fingerprint(a) == fingerprint(b)
    assert len(fingerprint(a)) == 64


@pytest.mark.parametrize("offset", [0, 5 * SAMPLE_BYTES // 2, 5 * SAMPLE_BYTES - 1])
def test_sampled_regions_detect_changes(tmp_path, offset):
    data = bytearray(os.urandom(5 * SAMPLE_BYTES))
    original = fingerprint(_write(tmp_path / "a.mp4", bytes(data)))
    data[offset] ^= 0xFF
    assert fingerprint(_write(tmp_path / "b.mp4", bytes(data))) != original


def test_size_change_is_detected(tmp_path):
    data = os.urandom(4 * SAMPLE_BYTES)
    a = fingerprint(_write(tmp_path / "a.mp4", data))
    b = fingerprint(_write(tmp_path / "b.mp4", data + b"\0"))
    assert a != b


def test_small_files_are_hashed_whole(tmp_path):
    a = fingerprint(_write(tmp_path / "a.mp4", b"x" * 1000))
    b = fingerprint(_write(tmp_path / "b.mp4", b"x" * 999 + b"y"))
    assert a != b


def test_missing_file_is_a_media_error(tmp_path):
    with pytest.raises(MediaError, match="gone.mp4: the file does not exist"):
        fingerprint(tmp_path / "gone.mp4")
