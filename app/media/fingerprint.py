"""Content fingerprint that recognises a video after it was moved or renamed.

Hashing a multi-gigabyte file would take seconds to minutes; the size plus three 1 MiB
samples (start, middle, end) is read in milliseconds and still tells apart any two real
recordings, since encoded video differs throughout.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.media.errors import VideoFileError

SAMPLE_BYTES = 1 << 20
_VERSION = b"plumb-fingerprint-1\0"


def fingerprint(path: str | Path) -> str:
    """64 hex characters identifying the file's content."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, 2)
            digest = hashlib.sha256(_VERSION + size.to_bytes(8, "little"))
            if size <= 3 * SAMPLE_BYTES:
                fh.seek(0)
                digest.update(fh.read())
            else:
                for offset in (0, (size - SAMPLE_BYTES) // 2, size - SAMPLE_BYTES):
                    fh.seek(offset)
                    digest.update(fh.read(SAMPLE_BYTES))
    except FileNotFoundError:
        raise VideoFileError(path, "missing", f"the file does not exist in {path.parent}",
                             "Check the path, or relink the video if it was moved") from None
    except IsADirectoryError:
        raise VideoFileError(path, "directory", "this is a folder, not a video file",
                             "Choose a video file inside it") from None
    except OSError as exc:
        raise VideoFileError(path, "unreadable", f"the file cannot be read ({exc.strerror})",
                             "Check that the drive is connected and readable") from exc
    return digest.hexdigest()
