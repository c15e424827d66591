"""Shared fixtures: small numbered videos in every supported format, made once per session."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from app.media.convert import RgbConverter
from app.media.cursor import decoded_frames
from tests.helpers.videos import has_encoder, write_numbered_video

SIZE = (160, 120)
FRAMES = 72

# name -> (file name, write_numbered_video keyword arguments)
FORMATS: dict[str, tuple[str, dict]] = {
    "h264-mp4": ("h264.mp4", {}),
    "h264-mkv": ("h264.mkv", {}),
    "h264-mov": ("h264.mov", {}),
    "h264-faststart-mp4": ("h264-fs.mp4", {"faststart": True}),
    "h264-open-gop-mkv": ("h264-open.mkv", {"open_gop": True, "bframes": 3, "gop": 20}),
    "mpeg4-mp4": ("mpeg4.mp4", {"codec": "mpeg4", "codec_tag": "mp4v"}),
    "mpeg4-avi": ("mpeg4.avi", {"codec": "mpeg4"}),
    "vp9-mkv": ("vp9.mkv", {"codec": "libvpx-vp9"}),
    "vp9-webm": ("vp9.webm", {"codec": "libvpx-vp9"}),
    "vp9-odd-size": ("vp9-odd.webm", {"codec": "libvpx-vp9", "size": (161, 121)}),
    "h264-vfr-mp4": ("vfr.mp4", {"vfr": True}),
    "h264-vfr-mkv": ("vfr.mkv", {"vfr": True}),
    "h264-yuv444p": ("h444.mkv", {"pix_fmt": "yuv444p"}),
    "h264-yuvj420p": ("hj420.mkv", {"pix_fmt": "yuvj420p"}),
    "h264-10bit": ("h10.mkv", {"pix_fmt": "yuv420p10le"}),
}

SHARED_DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


class VideoFactory:
    """Writes each format on first request and reuses it for the rest of the session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._paths: dict[str, Path] = {}
        self._reference: dict[str, list[np.ndarray]] = {}

    def path(self, name: str) -> Path:
        if name not in self._paths:
            file_name, kwargs = FORMATS[name]
            codec = kwargs.get("codec", "libx264")
            if not has_encoder(codec):
                pytest.skip(f"this PyAV build has no {codec} encoder")
            kwargs = {"frames": FRAMES, "size": SIZE, **kwargs}
            self._paths[name] = write_numbered_video(self.root / file_name, **kwargs)
        return self._paths[name]

    def reference(self, name: str) -> list[np.ndarray]:
        """Every frame decoded by a plain front-to-back PyAV loop, independent of FrameSource."""
        return self.reference_of(self.path(name))

    def reference_of(self, path: Path) -> list[np.ndarray]:
        key = str(path)
        if key not in self._reference:
            self._reference[key] = reference_frames(path)
        return self._reference[key]


def reference_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = list(decoded_frames(container, stream))
        convert = RgbConverter(frames[0].format.name, frames[0].color_range)
        return [convert(frame) for frame in frames]


@pytest.fixture(scope="session")
def videos(tmp_path_factory) -> VideoFactory:
    return VideoFactory(tmp_path_factory.mktemp("videos"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test videos not found at {SHARED_DATA.resolve()}")
    return SHARED_DATA.resolve()
