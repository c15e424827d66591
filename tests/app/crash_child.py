"""Applies edits forever, printing `committed K` after each commit returns (killed by the test).

Edit K writes joint K % 16 of frame K // 16 to (K, 2K), so every reported edit can be
checked on its own afterwards; every fifth edit is a combined edit over three frames.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import func, select

from app.edits import EditHistory, combine, set_keypoints
from app.store.models import EditLogEntry
from app.store.server_database import is_server_url
from app.store.store import Store


def main(location: str, clip_id: int) -> None:
    """location: the project's SQLite file, or its PostgreSQL URL."""
    store = Store.open_on_server(location) if is_server_url(location) else Store.open(Path(location))
    history = EditHistory(store, annotator=lambda: "crash-test")
    with store.reading() as session:
        k = session.scalar(select(func.count()).select_from(EditLogEntry))
    print("ready", flush=True)
    while True:
        edit = set_keypoints(clip_id, k // 16, {k % 16: (k, 2 * k)}, schema="mpii16")
        if k % 5 == 0:
            extra = [set_keypoints(clip_id, 50_000 + k * 3 + i, {0: (k, i)}, schema="mpii16") for i in range(3)]
            edit = combine(f"edit {k}", [edit, *extra])
        history.apply(edit)
        print(f"committed {k}", flush=True)
        k += 1


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
