"""Edits other processes wrote to the project, announced through this process's store events.

SQLite's `PRAGMA data_version` changes on a connection whenever another connection commits;
reading it costs a few microseconds and no lock, so a window can look after every second and
on focus without disturbing anyone. On a PostgreSQL server, writers NOTIFY on a channel when
the edit log changes and this connection LISTENs: the window wakes when its socket has a
notification (`fileno`), and counting the notifications received asks the server nothing. When it changed, the edit log says what landed (new
entries, and undos and redos of older ones) and who made it; the targets of entries from other
sessions are announced as if this process had written them, so every view refreshes.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import func, or_, select

from app.edits.history import EditHistory, target_from_json
from app.errors import EditError
from app.store.events import HistoryChanged
from app.store.models import EditLogEntry
from app.store.store import Store


class ExternalEdits:
    def __init__(self, store: Store, history: EditHistory) -> None:
        self._store = store
        self._history = history
        self._watch = (sqlite3.connect(f"file:{store.db_path}?mode=ro", uri=True, check_same_thread=False)
                       if store.is_sqlite else None)
        self._listen = None if store.is_sqlite else _listening_connection(store.url)
        self._notifications = 0
        self._version = self._data_version()
        self.saw_commit = False  # whether the last check found anything committed since the one before
        with store.reading() as session:
            self._last_id = session.scalar(select(func.max(EditLogEntry.id))) or 0
            self._last_change = session.scalar(select(func.max(EditLogEntry.changed_at)))
        history.seen_through = self._last_id  # the window shows the project as it is now

    def _data_version(self) -> int:
        if self._watch is not None:
            return self._watch.execute("PRAGMA data_version").fetchone()[0]
        self._notifications += sum(1 for _ in self._listen.notifies(timeout=0))
        return self._notifications

    def fileno(self) -> int | None:
        """The socket that becomes readable when another process changed a server project."""
        return None if self._listen is None else self._listen.fileno()

    def check(self) -> list[str]:
        """Announce what other sessions changed since the last check; returns their edits'
        descriptions (with who made them), newest last. Cheap when nothing changed."""
        version = self._data_version()
        self.saw_commit = version != self._version
        if not self.saw_commit:
            return []
        self._version = version
        with self._store.reading() as session:
            # New entries, and older ones undone or redone since (their changed_at moves).
            moved = (EditLogEntry.changed_at.is_not(None) if self._last_change is None
                     else EditLogEntry.changed_at > self._last_change)
            changed = or_(EditLogEntry.id > self._last_id, moved)
            entries = list(session.scalars(select(EditLogEntry).where(changed).order_by(EditLogEntry.id)))
            if not entries:
                return []
            self._last_id = max(self._last_id, max(e.id for e in entries))
            changes = [e.changed_at for e in entries if e.changed_at is not None]
            if changes:
                self._last_change = max([c for c in (self._last_change, *changes) if c is not None])
            # A dropped entry was undone before: dropping it from redo changes nothing anyone sees.
            theirs = [e for e in entries if e.session_id != self._history.session_id and e.state != "dropped"]
            events = []
            for entry in theirs:
                for change in entry.target.get("changes", []):
                    try:
                        events.extend(target_from_json(change["kind"], change).events())
                    except EditError:
                        continue  # a kind a newer Plumb wrote: its views refresh on reopening
            descriptions = [_described(e) for e in theirs]
        for event in dict.fromkeys(events):
            self._store.events.publish(event)
        # The views refresh on those events: edits are now made on what they show.
        self._history.seen_through = max(self._history.seen_through or 0, self._last_id)
        if entries:
            self._store.events.publish(HistoryChanged())
        return descriptions

    def close(self) -> None:
        self._history.seen_through = None
        if self._watch is not None:
            self._watch.close()
        if self._listen is not None:
            self._listen.close()


def _listening_connection(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    from app.store.store import CHANGES_CHANNEL

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = psycopg.connect(conninfo, autocommit=True)
    connection.execute(f"LISTEN {CHANGES_CHANNEL}")
    return connection


def _described(entry: EditLogEntry) -> str:
    verb = "undid" if entry.state == "undone" else ""
    who = entry.annotator or "someone"
    return f"{who} {verb + ' ' if verb else ''}{entry.description}".strip()
