"""Applying, undoing and redoing edits, with the edit log as the undo stack.

The log lives in the project database, so undo and redo work across restarts and a crash
cannot separate an edit from its log entry: both are written in the same transaction.
States: done (undoable), undone (redoable), dropped (undone, then superseded by a new edit).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.edits.edit import Edit
from app.edits.snapshot import ClipDataTarget, read_all
from app.edits.targets import TARGET_KINDS, Target
from app.errors import EditError
from app.store.events import HistoryChanged
from app.store.models import EditLogEntry, utc_now
from app.store.records import HistoryEntry
from app.store.store import Store, Transaction


_KINDS: dict[str, type[Target]] = {**TARGET_KINDS, ClipDataTarget.kind: ClipDataTarget}


def target_from_json(kind: str, data: dict) -> Target:
    try:
        return _KINDS[kind].from_json(data)
    except KeyError as exc:
        raise EditError(f"The edit log holds an edit of unknown kind {kind!r}; a newer Plumb wrote it.") from exc


class EditHistory:
    def __init__(self, store: Store, annotator: Callable[[], str | None] = lambda: None) -> None:
        self._store = store
        self._annotator = annotator

    def apply(self, edit: Edit) -> int | None:
        """Check and write the edit in one transaction and log it; returns its log id.

        Raises EditError (nothing written) when any change is refused. An edit that would
        change nothing is not logged and returns None.
        """
        annotator = self._annotator()
        with self._store.transaction() as tx:
            session = tx.session
            for target, value in edit.changes:
                target.check(session, value)
            new = [value for _, value in edit.changes]
            if [target.read(session) for target, _ in edit.changes] == new:
                return None
            old = []
            for target, value in edit.changes:
                # Read just before writing: two changes may touch the same row.
                old.append(target.read(session))
                target.write(session, value, annotator)
                session.flush()
            session.execute(update(EditLogEntry).where(EditLogEntry.state == "undone")
                            .values(state="dropped", changed_at=utc_now()))
            entry = EditLogEntry(
                annotator=annotator, kind=edit.kind, clip_id=edit.clip_id,
                description=edit.description[:255],
                target={"changes": [{"kind": t.kind, **t.to_json()} for t, _ in edit.changes]},
                old=old, new=new, state="done",
            )
            session.add(entry)
            session.flush()
            self._announce(tx, [t for t, _ in edit.changes])
            return entry.id

    def log_bulk(self, tx: Transaction, description: str, kind: str,
                 before: list[tuple[ClipDataTarget, object]]) -> int | None:
        """Log a change its own code already wrote in ``tx`` (an import, a model run) as one
        undo step; ``before`` pairs each target with its value read before the change.

        Called last inside that transaction, so the change and its log entry are committed
        together or not at all. Targets whose value did not change are left out; returns the
        log id, or None when nothing changed.
        """
        session = tx.session
        session.flush()
        news = read_all(session, [target for target, _ in before])
        changed = [(target, old, new) for (target, old), new in zip(before, news) if new != old]
        if not changed:
            return None
        session.execute(update(EditLogEntry).where(EditLogEntry.state == "undone")
                        .values(state="dropped", changed_at=utc_now()))
        clips = {t.clip_id for t, _, _ in changed}
        entry = EditLogEntry(
            annotator=self._annotator(), kind=kind, clip_id=clips.pop() if len(clips) == 1 else None,
            description=description[:255],
            target={"changes": [{"kind": t.kind, **t.to_json()} for t, _, _ in changed]},
            old=[old for _, old, _ in changed], new=[new for _, _, new in changed], state="done",
        )
        session.add(entry)
        session.flush()
        # The change's own code announced what it wrote; only the history itself is new here.
        tx.announce(HistoryChanged())
        return entry.id

    def undo(self) -> HistoryEntry | None:
        return self._step(from_state="done", to_state="undone", newest_first=True)

    def redo(self) -> HistoryEntry | None:
        return self._step(from_state="undone", to_state="done", newest_first=False)

    def _step(self, *, from_state: str, to_state: str, newest_first: bool) -> HistoryEntry | None:
        annotator = self._annotator()
        with self._store.transaction() as tx:
            session = tx.session
            entry = self._next(session, from_state, newest_first)
            if entry is None:
                return None
            targets = [target_from_json(c["kind"], c) for c in entry.target["changes"]]
            values = entry.old if to_state == "undone" else entry.new
            pairs = list(zip(targets, values))
            for target, value in reversed(pairs) if to_state == "undone" else pairs:
                target.write(session, value, annotator)
                session.flush()
            entry.state = to_state
            entry.changed_at = utc_now()
            self._announce(tx, targets)
            return HistoryEntry(entry.id, entry.created_at, entry.annotator, entry.kind, entry.clip_id,
                                entry.description, entry.state)

    @staticmethod
    def _next(session: Session, state: str, newest_first: bool) -> EditLogEntry | None:
        order = EditLogEntry.id.desc() if newest_first else EditLogEntry.id.asc()
        return session.scalars(select(EditLogEntry).where(EditLogEntry.state == state).order_by(order)).first()

    @staticmethod
    def _announce(tx: Transaction, targets) -> None:
        for target in targets:
            for event in target.events():
                tx.announce(event)
        tx.announce(HistoryChanged())

    def _peek(self, state: str, newest_first: bool) -> str | None:
        with self._store.reading() as session:
            entry = self._next(session, state, newest_first)
            return entry.description if entry else None

    def undo_description(self) -> str | None:
        """What undo would revert, or None when there is nothing to undo."""
        return self._peek("done", True)

    def redo_description(self) -> str | None:
        return self._peek("undone", False)

    def can_undo(self) -> bool:
        return self.undo_description() is not None

    def can_redo(self) -> bool:
        return self.redo_description() is not None
