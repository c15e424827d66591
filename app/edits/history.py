"""Applying, undoing and redoing edits, with the edit log as the undo stack.

The log lives in the project database, so undo and redo work across restarts and a crash
cannot separate an edit from its log entry: both are written in the same transaction.
States: done (undoable), undone (redoable), dropped (undone, then superseded by a new edit).

Undo is yours: each history has a session (a window, a command) and, by default, undoes and
redoes only the edits of its own session; the command line's history works on the annotator's
edits from any session. Before anything is written back, the values the edit left must still
be there: an edit whose target somebody has changed since is refused, naming who and when,
rather than silently reverting their work. The check compares values, not flags, so it holds
for any process and any database.

An edit is made on what its window showed: while a window watches the project
(:mod:`app.edits.external`), an edit to a place that another session changed after the window
last showed it is refused with who and when, rather than overwriting work nobody here has
seen; the window is shown the newer work at once, so doing the edit again goes through.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.edits.edit import Edit
from app.edits.presence import live_sessions
from app.edits.snapshot import ClipDataTarget, read_all
from app.edits.targets import TARGET_KINDS, Target
from app.errors import EditError
from app.store.events import HistoryChanged
from app.store.models import EditLogEntry, PlumbSession, utc_now
from app.store.records import HistoryEntry
from app.store.store import Store, Transaction


_KINDS: dict[str, type[Target]] = {**TARGET_KINDS, ClipDataTarget.kind: ClipDataTarget}


def target_from_json(kind: str, data: dict) -> Target:
    try:
        return _KINDS[kind].from_json(data)
    except KeyError as exc:
        raise EditError(f"The edit log holds an edit of unknown kind {kind!r}; a newer Plumb wrote it.") from exc


Scope = Literal["session", "annotator"]


class EditHistory:
    """scope: "session" undoes this history's own edits (a window); "annotator" undoes the
    current annotator's edits whichever session made them (the command line, where each
    command is a new session)."""

    def __init__(self, store: Store, annotator: Callable[[], str | None] = lambda: None,
                 session_id: str | None = None, scope: Scope = "session") -> None:
        self._store = store
        self._annotator = annotator
        self.session_id = session_id or str(uuid.uuid4())
        self.scope: Scope = scope
        # The newest edit-log entry of other sessions that this session's views have shown
        # (set by app.edits.external while a window watches the project); None: no check.
        self.seen_through: int | None = None

    def _mine(self, session: Session):
        """The edit log rows this history may undo and redo: in a window, its own edits and the
        annotator's edits from sessions that have ended (undo still works after a restart), never
        those of another window that is open."""
        annotator = self._annotator()
        same_annotator = EditLogEntry.annotator.is_(None) if annotator is None else EditLogEntry.annotator == annotator
        if self.scope == "annotator":
            return same_annotator
        others = [row.id for row in live_sessions(session) if row.id != self.session_id]
        ended = same_annotator & (EditLogEntry.session_id.is_(None) | EditLogEntry.session_id.not_in(others))
        return (EditLogEntry.session_id == self.session_id) | ended

    def apply(self, edit: Edit) -> int | None:
        """Check and write the edit in one transaction and log it; returns its log id.

        Raises EditError (nothing written) when any change is refused. An edit that would
        change nothing is not logged and returns None.
        """
        annotator = self._annotator()
        try:
            return self._apply(edit, annotator)
        except _Stale as stale:
            # Show the newer work at once (the watch would within a second); the next try,
            # made on what is now shown, goes through.
            self.seen_through = max(self.seen_through or 0, stale.entry_id)
            for event in dict.fromkeys(e for t in stale.theirs for e in t.events()):
                self._store.events.publish(event)
            self._store.events.publish(HistoryChanged())
            raise EditError(stale.message) from None

    def _apply(self, edit: Edit, annotator: str | None) -> int | None:
        with self._store.transaction() as tx:
            session = tx.session
            self._refuse_if_stale(session, edit)
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
            # The values as the database holds them (joints are stored as float32): an undo
            # checks that they are still there before it writes the old ones back.
            session.expire_all()
            new = [target.read(session) for target, _ in edit.changes]
            session.execute(update(EditLogEntry).where(EditLogEntry.state == "undone", self._mine(session))
                            .values(state="dropped", changed_at=utc_now()))
            entry = EditLogEntry(
                annotator=annotator, kind=edit.kind, clip_id=edit.clip_id, session_id=self.session_id,
                description=edit.description[:255],
                target={"changes": [{"kind": t.kind, **t.to_json()} for t, _ in edit.changes]},
                old=old, new=new, state="done",
            )
            session.add(entry)
            session.flush()
            self._store.notify_others(session)
            self._announce(tx, [t for t, _ in edit.changes])
            return entry.id

    def _refuse_if_stale(self, session: Session, edit: Edit) -> None:
        """_Stale when another session changed a place this edit writes after this session's
        views last showed it: the edit was made on what the person saw, and would overwrite
        work they have not seen."""
        if self.seen_through is None:
            return
        rows = session.scalars(select(EditLogEntry).where(EditLogEntry.id > self.seen_through,
                                                          EditLogEntry.state.in_(("done", "undone")),
                                                          EditLogEntry.session_id.is_distinct_from(self.session_id))
                               .order_by(EditLogEntry.id.desc()))
        for row in rows:
            for target, _ in edit.changes:
                if _overwrites(row, target):
                    theirs = []
                    for change in row.target.get("changes", []):
                        try:
                            theirs.append(target_from_json(change["kind"], change))
                        except EditError:
                            continue
                    who = row.annotator or "someone"
                    window = session.get(PlumbSession, row.session_id) if row.session_id else None
                    if window is not None:
                        who = f"{who} (Plumb on {window.host})"
                    when = row.created_at.astimezone().strftime("%H:%M:%S")
                    raise _Stale(row.id, theirs, f"Not applied: {_place(target)} was changed by {who} at {when} "
                                              f"(\"{row.description}\") after this window last showed it. It shows "
                                              "their change now; do yours again if it is still needed. Nothing "
                                              "was changed.")

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
        # Read back from the database, as an undo will read the values to check them: objects
        # still in the session may hold what the database gives back differently (time zones).
        session.expire_all()
        news = read_all(session, [target for target, _ in before])
        changed = [(target, old, new) for (target, old), new in zip(before, news) if new != old]
        if not changed:
            return None
        session.execute(update(EditLogEntry).where(EditLogEntry.state == "undone", self._mine(session))
                        .values(state="dropped", changed_at=utc_now()))
        clips = {t.clip_id for t, _, _ in changed}
        entry = EditLogEntry(
            annotator=self._annotator(), kind=kind, clip_id=clips.pop() if len(clips) == 1 else None,
            session_id=self.session_id,
            description=description[:255],
            target={"changes": [{"kind": t.kind, **t.to_json()} for t, _, _ in changed]},
            old=[old for _, old, _ in changed], new=[new for _, _, new in changed], state="done",
        )
        session.add(entry)
        session.flush()
        self._store.notify_others(session)
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
            left = entry.new if to_state == "undone" else entry.old
            self._refuse_if_changed_since(session, entry, targets, left, "undo" if to_state == "undone" else "redo")
            pairs = list(zip(targets, values))
            for target, value in reversed(pairs) if to_state == "undone" else pairs:
                target.write(session, value, annotator)
                session.flush()
            entry.state = to_state
            entry.changed_at = utc_now()
            self._store.notify_others(session)
            self._announce(tx, targets)
            return HistoryEntry(entry.id, entry.created_at, entry.annotator, entry.kind, entry.clip_id,
                                entry.description, entry.state)

    def _next(self, session: Session, state: str, newest_first: bool) -> EditLogEntry | None:
        order = EditLogEntry.id.desc() if newest_first else EditLogEntry.id.asc()
        return session.scalars(select(EditLogEntry).where(EditLogEntry.state == state, self._mine(session))
                               .order_by(order)).first()

    def _refuse_if_changed_since(self, session: Session, entry: EditLogEntry, targets: list[Target],
                                 left: list, action: str) -> None:
        """EditError naming who changed a target of `entry` and when, if its value is no longer
        the one the edit (or its undo) left."""
        current = [target.read(session) for target in targets]
        for target, now, expected in zip(targets, current, left):
            if _normal(now) == _normal(expected):
                continue
            where = _place(target)
            later = _later_change(session, entry, target)
            if later is None:
                raise EditError(f"Cannot {action} \"{entry.description}\": {where} has been changed since, "
                                "outside the edit history; nothing was changed.")
            who = later.annotator or "someone"
            window = session.get(PlumbSession, later.session_id) if later.session_id else None
            if later.session_id == self.session_id:
                who = "this window"
            elif window is not None:
                who = f"{who} (Plumb on {window.host})"
            when = (later.changed_at or later.created_at).astimezone().strftime("%H:%M:%S")
            raise EditError(f"Cannot {action} \"{entry.description}\": {where} was changed by {who} at "
                            f"{when} (\"{later.description}\"); nothing was changed.")

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


def _normal(value):
    """A value as the edit log stores it (JSON), so a read and a logged value compare equal."""
    return json.loads(json.dumps(value))


def _place(target: Target) -> str:
    data = target.to_json()
    frame = data.get("frame")
    return f"frame {frame} of clip {target.clip_id}" if frame is not None else f"clip {target.clip_id}"


class _Stale(Exception):
    def __init__(self, entry_id: int, theirs: list[Target], message: str) -> None:
        super().__init__(message)
        self.entry_id, self.theirs, self.message = entry_id, theirs, message


def _touches(row: EditLogEntry, target: Target) -> bool:
    """Whether a logged edit changed the place ``target`` writes (the same frame of the same
    clip, or the whole clip)."""
    data = {"kind": target.kind, **target.to_json()}
    frame = data.get("frame")
    return any(change == data or (change.get("clip_id") == target.clip_id
                                  and (frame is None or change.get("frame") in (frame, None)))
               for change in row.target.get("changes", []))


def _overwrites(row: EditLogEntry, target: Target) -> bool:
    """Whether writing ``target`` would overwrite what a logged edit wrote: the same kind of
    value on the same frame (a box does not overwrite joints), or anything of a whole-clip
    change (an import, a pose run)."""
    data = {"kind": target.kind, **target.to_json()}
    return any(change.get("clip_id") == target.clip_id
               and (change.get("frame") is None or (change.get("frame") == data.get("frame")
                                                     and change.get("kind") == target.kind))
               for change in row.target.get("changes", []))


def _later_change(session: Session, entry: EditLogEntry, target: Target) -> EditLogEntry | None:
    """The newest edit after `entry` (done, or undone since) that touched the same place."""
    rows = session.scalars(select(EditLogEntry).where(EditLogEntry.id > entry.id,
                                                      EditLogEntry.state.in_(("done", "undone")))
                           .order_by(EditLogEntry.id.desc()))
    return next((row for row in rows if _touches(row, target)), None)
