"""Frame-exact video access: probing, random access, caching, access proxies.

Nothing here imports Qt or the database; frames are numpy arrays.
"""

from app.media.access_proxy import build_access_proxy, needs_access_proxy
from app.media.errors import VideoFileError
from app.media.fingerprint import fingerprint
from app.media.frame_cache import FrameCache
from app.media.frame_source import AccessStats, FrameSource, SourceClosedError
from app.media.probe import VideoInfo, probe

__all__ = [
    "AccessStats",
    "FrameCache",
    "FrameSource",
    "SourceClosedError",
    "VideoFileError",
    "VideoInfo",
    "build_access_proxy",
    "fingerprint",
    "needs_access_proxy",
    "probe",
]
