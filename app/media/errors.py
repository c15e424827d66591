"""Video problems reported to a person: one line naming the file, the problem and the fix."""

from __future__ import annotations

from pathlib import Path

from app.errors import MediaError

RECOPY = "Re-export or re-copy the video."
CONVERT = "Convert it to H.264 MP4 (e.g. with HandBrake or ffmpeg) and import that."


class VideoFileError(MediaError):
    """A particular video file cannot be used.

    ``problem`` is a short machine-readable tag (``"missing"``, ``"truncated"``,
    ``"unsupported_codec"``...) so callers can react without parsing the message.
    """

    def __init__(self, path: str | Path, problem: str, detail: str, advice: str = "") -> None:
        self.path = Path(path)
        self.problem = problem
        text = f"{self.path.name}: {detail}"
        if advice:
            text = f"{text}. {advice}"
        if not text.endswith((".", "?", "!")):
            text += "."
        # Messages go to a single CLI line or a dialog label: never let ffmpeg text
        # (which can contain newlines) break that.
        super().__init__(" ".join(text.split()))
