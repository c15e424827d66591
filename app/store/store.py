"""The project database as a unit of work: transactions that announce what they changed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.store.database import create_database, make_engine, open_database
from app.store.events import ChangeEvent, EventBus, PosesChanged


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

    def __init__(self, db_path: Path, write_engine: Engine, backup: Path | None = None) -> None:
        self.db_path = db_path
        self.backup_made = backup
        self.events = EventBus()
        self._write_engine = write_engine
        self._read_engine = make_engine(db_path, for_writing=False)
        self._writer = sessionmaker(write_engine, expire_on_commit=False)
        self._reader = sessionmaker(self._read_engine, expire_on_commit=False)

    @classmethod
    def create(cls, db_path: Path) -> Store:
        return cls(db_path, create_database(db_path))

    @classmethod
    def open(cls, db_path: Path) -> Store:
        engine, backup = open_database(db_path)
        return cls(db_path, engine, backup)

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
        with self._read_engine.connect() as connection:
            return connection.execute(text("PRAGMA integrity_check")).scalar_one()

    def close(self) -> None:
        self._read_engine.dispose()
        self._write_engine.dispose()
