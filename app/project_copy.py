"""`plumb copy SRC DST`: a whole project into a new one, between SQLite and PostgreSQL either way.

Every table is copied row for row with its ids, in foreign-key order, in one transaction on the
destination (a failure leaves no half project behind in its database); PostgreSQL's id
sequences are then moved past the copied ids. Clip video paths are stored relative to the
project folder, so they are rewritten for the new folder; the models/ folder is copied with it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, insert, select, text

from app.errors import ProjectError
from app.project import Project, _stored_path
from app.store.models import Base, Clip

CHUNK = 500
# Tables of the running session, not of the project.
SKIPPED = {"plumb_session"}

Progress = Callable[[int, int], None]


def copy_project(source: str | os.PathLike, target: str | os.PathLike, database: str | None = None,
                 progress: Progress | None = None) -> dict[str, int]:
    """Copy the project at `source` into a new project folder `target` (its database a new
    project.sqlite, or the empty PostgreSQL database `database`). Returns rows copied per table."""
    with Project.open(source) as src:
        if Path(target).expanduser().resolve() == src.root:
            raise ProjectError(f"{target}: is the project being copied; choose a new folder.")
        dst = Project.create(target, database=database)
        try:
            counts = _copy_rows(src, dst, progress)
        except BaseException:
            dst.close()
            raise
        with dst:
            models = src.root / "models"
            if models.is_dir():
                shutil.copytree(models, dst.root / "models", dirs_exist_ok=True)
    return counts


def _copy_rows(src: Project, dst: Project, progress: Progress | None) -> dict[str, int]:
    tables = [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED]
    counts: dict[str, int] = {}
    with src.store.reading() as reading:
        totals = {t.name: reading.scalar(select(func.count()).select_from(t)) for t in tables}
    done, total = 0, sum(totals.values())
    with src.store.reading() as reading, dst.store.transaction() as tx:
        # The new project's own settings row (its name) is replaced by the source's.
        for table in reversed(tables):
            tx.session.execute(table.delete())
        for table in tables:
            rows = reading.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            batch: list[dict] = []
            for row in rows:
                batch.append(_moved(dict(row), table.name, src.root, dst.root))
                if len(batch) >= CHUNK:
                    tx.session.execute(insert(table), batch)
                    done += len(batch)
                    batch = []
                    if progress:
                        progress(done, total)
            if batch:
                tx.session.execute(insert(table), batch)
                done += len(batch)
            counts[table.name] = totals[table.name]
            if progress:
                progress(done, total)
        if not dst.store.is_sqlite:
            _move_sequences(tx.session, tables)
    return counts


def _moved(row: dict, table: str, old_root: Path, new_root: Path) -> dict:
    if table == Clip.__tablename__ and row.get("path"):
        stored = Path(row["path"])
        absolute = stored if stored.is_absolute() else (old_root / stored).resolve()
        row["path"] = _stored_path(absolute, new_root)
    return row


def _move_sequences(session, tables) -> None:
    """Past the copied ids, so the next row inserted gets a new one."""
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and column.type.python_type is int
                                                and len(table.primary_key.columns) == 1):
                sequence = session.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                           {"t": table.name, "c": column.name}).scalar()
                if sequence:
                    session.execute(text(f"SELECT setval('{sequence}', COALESCE((SELECT max({column.name}) "
                                         f"FROM {table.name}), 0) + 1, false)"))
