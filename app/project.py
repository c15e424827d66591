"""A Plumb project: a folder holding project.sqlite (and a disposable cache/ folder).

Videos stay where the user keeps them. A clip remembers the video's path relative to the
project folder and a content fingerprint, so a project moved together with its videos still
opens, and a video moved elsewhere can be found again and relinked safely.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.edits import EditHistory
from app.errors import MediaError, ProjectError
from app.media.fingerprint import fingerprint as content_fingerprint
from app.media.probe import VideoInfo, media_path, probe
from app.store import queries
from app.store.events import ClipsChanged, EventBus
from app.store.models import Clip, Setting
from app.store.records import ClipCounts, ClipRecord
from app.store.store import Store

PROJECT_FILE = "project.sqlite"
# A team's project keeps its database on a PostgreSQL server; the folder then holds this file,
# naming it ({"database": URL}); the password belongs in ~/.pgpass, not in the URL.
SERVER_FILE = "server.json"
CACHE_DIR = "cache"
VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".ts", ".mts"}
"""Files attach_videos_by_name considers (case-insensitive)."""
DEFAULTS: dict[str, Any] = {"schema": "mpii16", "sport": "diving", "annotator": None, "annotators": []}


def _stored_path(video: Path, root: Path) -> str:
    try:
        return Path(os.path.relpath(video, root)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return video.as_posix()


def _server_url(path: Path) -> str:
    import json

    try:
        url = json.loads(path.read_text(encoding="utf-8"))["database"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ProjectError(f"{path}: should hold {{\"database\": \"postgresql://...\"}} ({exc}); "
                           "fix it or create the project again.") from exc
    if not isinstance(url, str):
        raise ProjectError(f"{path}: its database should be a postgresql:// URL.")
    return url


class Project:
    def __init__(self, root: Path, store: Store) -> None:
        self.root = root
        self.store = store
        self.history = EditHistory(store, annotator=lambda: self.setting("annotator"))
        # The command line's default; the window shows it in its status bar instead.
        store.waiting = lambda: print(f"plumb: waiting for another Plumb to finish writing to {root} ...",
                                      file=sys.stderr, flush=True)

    # --- opening -------------------------------------------------------------------------
    @classmethod
    def create(cls, folder: str | os.PathLike[str], *, name: str | None = None,
               database: str | None = None) -> Project:
        """A new project in folder; its database is project.sqlite there, or the empty
        PostgreSQL database at `database` (postgresql://USER@HOST:PORT/NAME)."""
        root = Path(folder).expanduser().resolve()
        if root.exists() and not root.is_dir():
            raise ProjectError(f"{root}: is a file; a project is a folder. Choose a new folder name.")
        if (root / PROJECT_FILE).exists() or (root / SERVER_FILE).exists():
            raise ProjectError(f"{root}: already holds a Plumb project. Open it instead (plumb info {root}).")
        if database is not None:
            from app.store.server_database import is_server_url, safe_url

            if not is_server_url(database):
                raise ProjectError(f"--database {safe_url(database)}: give a PostgreSQL URL "
                                   "(postgresql://USER@HOST:PORT/DATABASE)")
            store = Store.create_on_server(database)  # refused before the folder is made
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ProjectError(f"{root}: cannot create the folder ({exc.strerror}).") from exc
        if database is None:
            store = Store.create(root / PROJECT_FILE)
        else:
            from app import atomic_files

            atomic_files.write_json(root / SERVER_FILE, {"database": database})
        project = cls(root, store)
        project.set_setting("name", name or root.name)
        return project

    @classmethod
    def open(cls, folder: str | os.PathLike[str]) -> Project:
        root = Path(folder).expanduser().resolve()
        if not root.exists():
            raise ProjectError(f"{root}: does not exist. Create a project with: plumb new {root}")
        if not root.is_dir():
            raise ProjectError(f"{root}: is a file, not a project folder.")
        if (root / SERVER_FILE).is_file():
            return cls(root, Store.open_on_server(_server_url(root / SERVER_FILE)))
        if not (root / PROJECT_FILE).is_file():
            raise ProjectError(
                f"{root}: is not a Plumb project (it has no {PROJECT_FILE}). Create one with: plumb new {root}"
            )
        return cls(root, Store.open(root / PROJECT_FILE))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def events(self) -> EventBus:
        return self.store.events

    @property
    def name(self) -> str:
        return self.setting("name") or self.root.name

    # --- settings ------------------------------------------------------------------------
    def setting(self, key: str) -> Any:
        with self.store.reading() as session:
            return queries.get_setting(session, key, DEFAULTS.get(key))

    def set_setting(self, key: str, value: Any) -> None:
        with self.store.transaction() as tx:
            row = tx.session.get(Setting, key)
            if row is None:
                tx.session.add(Setting(key=key, value=value))
            else:
                row.value = value

    # --- clips ---------------------------------------------------------------------------
    def clips(self) -> list[ClipRecord]:
        with self.store.reading() as session:
            return queries.list_clips(session)

    def clip(self, clip_id: int) -> ClipRecord:
        with self.store.reading() as session:
            return queries.get_clip(session, clip_id)

    def counts(self) -> dict[int, ClipCounts]:
        with self.store.reading() as session:
            return queries.clip_counts(session)

    def add_video(self, path: str | os.PathLike[str], *, name: str | None = None,
                  info: VideoInfo | None = None) -> ClipRecord:
        """Probe a video (unless `info` is its probe already) and add it as a clip.

        Raises MediaError/ProjectError; writes nothing then.
        """
        video = media_path(path)
        info = info if info is not None else probe(video)
        fingerprint = content_fingerprint(video)
        with self.store.transaction() as tx:
            existing = queries.clip_with_fingerprint(tx.session, fingerprint)
            if existing is not None:
                raise ProjectError(f"{video.name}: is already in this project as clip {existing.id} ({existing.name}).")
            row = self._clip_row(video, info, fingerprint, name)
            tx.session.add(row)
            tx.session.flush()
            tx.announce(ClipsChanged(frozenset({row.id})))
            return queries.clip_record(row)

    def add_videos(self, paths: Iterable[str | os.PathLike[str]]) -> tuple[list[ClipRecord], list[str]]:
        """Add each video that can be added; returns the new clips and one message per refusal."""
        added, problems = [], []
        for path in paths:
            try:
                added.append(self.add_video(path))
            except (MediaError, ProjectError) as exc:
                problems.append(str(exc))
        return added, problems

    def _clip_row(self, video: Path, info: VideoInfo, fingerprint: str, name: str | None) -> Clip:
        return Clip(
            name=name or video.stem, path=_stored_path(video, self.root), fingerprint=fingerprint,
            size_bytes=video.stat().st_size, frame_count=info.frame_count, fps=info.fps,
            width=info.width, height=info.height, codec=info.codec, is_vfr=info.is_vfr,
            sport=self.setting("sport"),
        )

    # --- media ---------------------------------------------------------------------------
    def video_path(self, clip: ClipRecord) -> Path:
        if clip.path is None:
            raise MediaError(self.media_problem(clip))
        path = Path(clip.path)
        return path if path.is_absolute() else (self.root / path).resolve()

    def access_proxy_path(self, clip: ClipRecord) -> Path:
        """Where the lossless seek proxy of a long-GOP video is kept (safe to delete)."""
        return self.root / CACHE_DIR / "proxies" / f"{clip.fingerprint}.mkv"

    def media_problem(self, clip: ClipRecord) -> str | None:
        """Why the clip's video cannot be used as it is (none yet, missing, or a different file), or None."""
        if clip.path is None or clip.fingerprint is None:
            return (f"Clip {clip.id} ({clip.name}) has no video attached yet: attach one "
                    f"(plumb relink {self.root} {clip.id} VIDEO / Attach video…).")
        path = self.video_path(clip)
        if not path.is_file():
            return f"The video of clip {clip.id} ({clip.name}) is missing: {path}. Relink it to its new place."
        if path.stat().st_size != clip.size_bytes or content_fingerprint(path) != clip.fingerprint:
            return (f"The video of clip {clip.id} at {path} is not the file that was added (its content "
                    "differs). Relink the clip to the original video.")
        return None

    def relink(self, clip_id: int, path: str | os.PathLike[str]) -> ClipRecord:
        """Point a clip at its video's new place; refuses a file with other content.

        A clip without a video (imported from a dataset) is *attached* instead: the file is
        probed, its frame count must equal the clip's (the labels are per frame), and its
        path, fingerprint, size, fps, frame size and codec are stored.
        """
        video = media_path(path)
        clip = self.clip(clip_id)
        if not video.is_file():
            raise MediaError(f"{video}: does not exist or is not a file.")
        if clip.fingerprint is None:
            return self._attach(clip, video)
        if content_fingerprint(video) != clip.fingerprint:
            raise ProjectError(
                f"{video.name}: is not the video of clip {clip_id} ({clip.name}); its content differs. "
                "Choose the original file."
            )
        with self.store.transaction() as tx:
            row = tx.session.get(Clip, clip_id)
            row.path = _stored_path(video, self.root)
            tx.announce(ClipsChanged(frozenset({clip_id})))
            return queries.clip_record(row)

    def _attach(self, clip: ClipRecord, video: Path) -> ClipRecord:
        info = probe(video)
        if info.frame_count != clip.frame_count:
            raise ProjectError(
                f"{video.name}: has {info.frame_count} frames but clip {clip.id} ({clip.name}) is labelled "
                f"over {clip.frame_count}; attach the video trimmed to the labelled dive.")
        fingerprint = content_fingerprint(video)
        with self.store.transaction() as tx:
            existing = queries.clip_with_fingerprint(tx.session, fingerprint)
            if existing is not None and existing.id != clip.id:
                raise ProjectError(f"{video.name}: is already the video of clip {existing.id} ({existing.name}).")
            row = tx.session.get(Clip, clip.id)
            row.path, row.fingerprint = _stored_path(video, self.root), fingerprint
            row.size_bytes, row.fps, row.is_vfr = video.stat().st_size, info.fps, info.is_vfr
            row.width, row.height, row.codec = info.width, info.height, info.codec
            tx.announce(ClipsChanged(frozenset({clip.id})))
            return queries.clip_record(row)

    def attach_videos_by_name(self, folder: str | os.PathLike[str]) -> tuple[list[ClipRecord], list[str]]:
        """Attach videos found under ``folder`` to the clips without one, matched by name.

        A clip with source key ``"<video>/<index>"`` matches ``<video>/<index>.<ext>`` or
        ``<video>_<index>.<ext>``; any clip also matches ``<clip name>.<ext>``. Returns the
        attached clips and one message per file that matched but was refused (frame count).
        """
        root = Path(folder).expanduser().resolve()
        if not root.is_dir():
            raise ProjectError(f"{root}: is not a folder.")
        files: dict[str, Path] = {}
        for candidate in sorted(root.rglob("*")):
            if candidate.is_file() and candidate.suffix.lower() in VIDEO_SUFFIXES:
                relative = candidate.relative_to(root).with_suffix("").as_posix()
                files.setdefault(relative, candidate)
                files.setdefault(candidate.stem, candidate)
        with self.store.reading() as session:
            unattached = list(session.execute(
                select(Clip.id, Clip.source_key, Clip.name).where(Clip.fingerprint.is_(None)).order_by(Clip.id)))
        attached, problems = [], []
        for clip_id, source_key, name in unattached:
            names = [n for n in (source_key, name) if n]
            names += [n.replace("/", "_") for n in names]
            video = next((files[n] for n in names if n in files), None)
            if video is None:
                continue
            try:
                attached.append(self.relink(clip_id, video))
            except (MediaError, ProjectError) as exc:
                problems.append(str(exc))
        return attached, problems

    def find_moved_video(self, clip: ClipRecord, folders: Iterable[Path]) -> Path | None:
        """Search folders (recursively) for a file with the clip's size and fingerprint."""
        for folder in folders:
            for candidate in Path(folder).rglob("*"):
                try:
                    if candidate.is_file() and candidate.stat().st_size == clip.size_bytes \
                            and content_fingerprint(candidate) == clip.fingerprint:
                        return candidate
                except OSError:
                    continue
        return None
