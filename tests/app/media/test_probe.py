"""probe() measures good files exactly and refuses bad ones with one clear line."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import pytest

from app.errors import MediaError
from app.media import VideoFileError, needs_access_proxy, probe
from tests.app.media.conftest import FORMATS, FRAMES, SIZE
from tests.helpers.videos import (
    write_audio_only,
    write_numbered_video,
    write_text_file,
    write_truncated_copy,
    write_unknown_codec_avi,
    write_y4m_header_only,
    write_zero_byte,
)

EXPECTED_CODEC = {"libx264": "h264", "mpeg4": "mpeg4", "libvpx-vp9": "vp9"}


@pytest.mark.parametrize("name", FORMATS)
def test_probe_measures_each_format(videos, name):
    kwargs = FORMATS[name][1]
    info = probe(videos.path(name))
    assert info.frame_count == FRAMES
    assert (info.width, info.height) == kwargs.get("size", SIZE)
    assert info.codec == EXPECTED_CODEC[kwargs.get("codec", "libx264")]
    assert info.is_vfr == kwargs.get("vfr", False)
    assert info.pix_fmt == kwargs.get("pix_fmt", "yuv420p")
    assert 1 <= info.max_gop <= 24 + 1
    if not info.is_vfr:
        assert info.fps == pytest.approx(25.0, rel=1e-3)
        assert info.duration_s == pytest.approx(FRAMES / 25, rel=1e-3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.frame_count = 1


def test_single_keyframe_gop_is_measured(tmp_path):
    path = write_numbered_video(tmp_path / "long-gop.mp4", frames=40, size=(64, 48), gop=300)
    info = probe(path)
    assert info.max_gop == 40


def _bad(tmp_path: Path, videos) -> dict[str, tuple[Path, str]]:
    good_mp4 = videos.path("h264-mp4")
    good_fs = videos.path("h264-faststart-mp4")
    good_mkv = videos.path("h264-mkv")
    folder = tmp_path / "folder.mp4"
    folder.mkdir()
    return {
        "missing": (tmp_path / "nope.mp4", "does not exist"),
        "directory": (folder, "folder"),
        "empty": (write_zero_byte(tmp_path / "empty.mp4"), "empty"),
        "text": (write_text_file(tmp_path / "notes.mp4"), "not a video"),
        "cut-moov-at-end": (write_truncated_copy(good_mp4, tmp_path / "cut.mp4"), "truncated"),
        "cut-faststart": (write_truncated_copy(good_fs, tmp_path / "cutfs.mp4"),
                          f"declares {FRAMES} frames"),
        "cut-mkv": (write_truncated_copy(good_mkv, tmp_path / "cut.mkv"), "truncated"),
        "audio-only": (write_audio_only(tmp_path / "song.m4a"), "no video stream"),
        "unknown-codec": (write_unknown_codec_avi(tmp_path / "odd-codec.avi"), "codec"),
        "too-wide": (write_y4m_header_only(tmp_path / "wide.y4m", 20000, 100), "20000x100"),
        "too-many-pixels": (write_y4m_header_only(tmp_path / "huge.y4m", 16000, 8000),
                            "16000x8000"),
        "too-small": (write_y4m_header_only(tmp_path / "dot.y4m", 1, 1), "1x1"),
    }


BAD_CASES = ["missing", "directory", "empty", "text", "cut-moov-at-end", "cut-faststart",
             "cut-mkv", "audio-only", "unknown-codec", "too-wide", "too-many-pixels", "too-small"]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_is_refused_with_one_clear_line(tmp_path, videos, case):
    path, expected = _bad(tmp_path, videos)[case]
    with pytest.raises(MediaError) as caught:
        probe(path)
    message = str(caught.value)
    assert message.startswith(f"{path.name}: ")
    assert expected in message
    assert "\n" not in message
    assert message.endswith(".")
    assert isinstance(caught.value, VideoFileError) and caught.value.path == path


def test_truncation_message_names_declared_and_present_counts(tmp_path, videos):
    path = write_truncated_copy(videos.path("h264-faststart-mp4"), tmp_path / "half.mp4")
    with pytest.raises(VideoFileError) as caught:
        probe(path)
    assert caught.value.problem == "truncated"
    assert "Re-export or re-copy the video." in str(caught.value)


def test_needs_access_proxy_follows_gop_and_resolution(videos):
    small = probe(videos.path("h264-mp4"))
    assert not needs_access_proxy(small)
    hd_long_gop = dataclasses.replace(small, width=1920, height=1080, max_gop=180)
    assert needs_access_proxy(hd_long_gop)
    hd_all_intra = dataclasses.replace(hd_long_gop, max_gop=1)
    assert not needs_access_proxy(hd_all_intra)
    not_420 = dataclasses.replace(hd_long_gop, pix_fmt="yuv444p")
    assert not needs_access_proxy(not_420)


def test_ntsc_rate_rounding_jitter_is_not_vfr(tmp_path):
    # 29.97 fps in Matroska's 1 ms time base: frame durations alternate 33 and 34 ms.
    path = write_numbered_video(tmp_path / "ntsc.mkv", frames=30, size=(64, 48),
                                fps=Fraction(30000, 1001))
    info = probe(path)
    assert not info.is_vfr
    assert info.fps == pytest.approx(29.97, abs=0.02)
