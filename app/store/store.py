"""The project database as a unit of work: transactions that announce what they changed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.store.database import WriteWait, create_database, make_engine, open_database
from app.store.events import ChangeEvent, EventBus, PosesChanged

# The PostgreSQL channel on which a project's writers announce edit log changes.
CHANGES_CHANNEL = "plumb_edits"


@dataclass
class Transaction:
    """A write in progress: the session plus the events to publish once it commits."""

    session: Session
    events: list[ChangeEvent] = field(default_factory=list)
    # Indexes into `events`, so a bulk change announcing thousands of clips stays linear.
    _queued: set = field(default_factory=set, repr=False)
    _pose_slot: dict = field(default_factory=dict, repr=False)

    def announce(self, event: ChangeEvent) -> None:
        """Queue an event; pose events of one clip and layer merge into one."""
        if isinstance(event, PosesChanged):
            slot = self._pose_slot.get((event.clip_id, event.layer))
            if slot is not None:
                queued = self.events[slot]
                self.events[slot] = replace(queued, frames=queued.frames | event.frames)
                return
            self._pose_slot[(event.clip_id, event.layer)] = len(self.events)
            self.events.append(event)
            return
        if event not in self._queued:
            self._queued.add(event)
            self.events.append(event)


class Store:
    """One project database. Writes go through `transaction()`; reads through `reading()`."""

    def __init__(self, db_path: Path | None, write_engine: Engine, backup: Path | None = None,
                 url: str | None = None, wait: WriteWait | None = None) -> None:
        """db_path: the SQLite file; None for a server database (url). wait: the write engine's
        WriteWait (set `waiting` to hear when a write waits for another process's)."""
        self.db_path = db_path
        self._wait = wait
        self.url = url
        self.backup_made = backup
        self.events = EventBus()
        self._write_engine = write_engine
        # A server serves readers and writers alike; SQLite readers get their own engine, whose
        # transactions do not take the write lock.
        self._read_engine = write_engine if db_path is None else make_engine(db_path, for_writing=False)
        self._writer = sessionmaker(write_engine, expire_on_commit=False)
        self._reader = sessionmaker(self._read_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.db_path is not None

    def notify_others(self, session: Session) -> None:
        """Tell other processes on a server database that the edit log changed (delivered when
        the transaction commits; a listening window wakes on it). SQLite needs nothing: its
        data_version changes for every other connection by itself."""
        if not self.is_sqlite:
            session.execute(text(f"NOTIFY {CHANGES_CHANNEL}"))

    @property
    def waiting(self):
        return None if self._wait is None else self._wait.notice

    @waiting.setter
    def waiting(self, notice) -> None:
        """Called (on the writing thread) when a write has waited a second for another
        process's write; it goes on waiting up to the busy timeout after that."""
        if self._wait is not None:
            self._wait.notice = notice

    @classmethod
    def create(cls, db_path: Path) -> Store:
        wait = WriteWait()
        return cls(db_path, create_database(db_path, wait=wait), wait=wait)

    @classmethod
    def open(cls, db_path: Path) -> Store:
        wait = WriteWait()
        engine, backup = open_database(db_path, wait=wait)
        return cls(db_path, engine, backup, wait=wait)

    @classmethod
    def create_on_server(cls, url: str) -> Store:
        from app.store.server_database import create_server_database

        return cls(None, create_server_database(url), url=url)

    @classmethod
    def open_on_server(cls, url: str) -> Store:
        from app.store.server_database import open_server_database

        return cls(None, open_server_database(url), url=url)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """All or nothing: commits on success, rolls back on any exception, then publishes."""
        with self._writer() as session, session.begin():
            tx = Transaction(session)
            yield tx
        for event in tx.events:
            self.events.publish(event)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    def integrity_check(self) -> str:
        """"ok", or what is wrong. A server checks its constraints on every write itself; asking
        it a question is what can be checked from here."""
        with self._read_engine.connect() as connection:
            if not self.is_sqlite:
                connection.execute(text("SELECT count(*) FROM clip")).scalar_one()
                return "ok"
            return connection.execute(text("PRAGMA integrity_check")).scalar_one()

    def close(self) -> None:
        self._read_engine.dispose()
        self._write_engine.dispose()
