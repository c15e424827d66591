"""Which Plumb windows have a project open: a row per window in `plumb_session`.

A window registers when it opens the project, refreshes `last_seen` while it runs and removes
its row when it closes. A row is live while it was seen within STALE_AFTER and, on this host,
while its process still exists: a window that crashed leaves a row that is then ignored.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.store.models import PlumbSession, utc_now
from app.store.store import Store

# A window refreshes its row every TOUCH_EVERY; one not seen for STALE_AFTER has gone.
TOUCH_EVERY = timedelta(seconds=30)
STALE_AFTER = timedelta(minutes=2)


def _this_process(session_id: str, annotator: str | None) -> PlumbSession:
    now = utc_now()
    return PlumbSession(id=session_id, pid=os.getpid(), host=socket.gethostname(), annotator=annotator,
                        started_at=now, last_seen=now)


def register(store: Store, session_id: str, annotator: str | None) -> None:
    with store.transaction() as tx:
        tx.session.merge(_this_process(session_id, annotator))
        store.notify_others(tx.session)


def touch(store: Store, session_id: str, annotator: str | None) -> None:
    with store.transaction() as tx:
        row = tx.session.get(PlumbSession, session_id)
        if row is None:
            tx.session.add(_this_process(session_id, annotator))
        else:
            row.last_seen, row.annotator = utc_now(), annotator


def unregister(store: Store, session_id: str) -> None:
    with store.transaction() as tx:
        tx.session.execute(delete(PlumbSession).where(PlumbSession.id == session_id))
        store.notify_others(tx.session)


def live_sessions(session: Session, now: datetime | None = None) -> list[PlumbSession]:
    now = now or utc_now()
    host = socket.gethostname()
    live = []
    for row in session.scalars(select(PlumbSession)):
        seen = row.last_seen if row.last_seen.tzinfo else row.last_seen.replace(tzinfo=now.tzinfo)
        if now - seen > STALE_AFTER:
            continue
        if row.host == host and not _process_exists(row.pid):
            continue
        live.append(row)
    return live


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
