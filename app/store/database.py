"""Opening, creating and migrating a project database.

SQLite runs in WAL mode with synchronous=FULL: an annotator's committed edit must survive a
crash of the program and of the machine, and WAL lets the UI read while a worker writes.
Nothing is written to a database that is refused (not Plumb's, or from a newer Plumb): it is
inspected through a read-only connection before the real engine touches it.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event

from app.errors import ProjectError

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 10_000
# A writer that has waited this long for another process's write says so (see WriteWait).
WAIT_NOTICE_MS = 1_000


class WriteWait:
    """Whom to tell that a write is waiting for another process's, once per wait: the window's
    status bar, the command line's stderr. Set `notice` after the engine exists."""

    def __init__(self) -> None:
        self.notice = None  # Callable[[], None] | None


def _alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def _pragmas(foreign_keys: bool):
    def set_pragmas(dbapi_connection, _record) -> None:
        # pysqlite's own transaction handling skips DDL and defers BEGIN; SQLAlchemy's documented
        # recipe hands transactions back to SQLAlchemy so migrations are atomic too.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        _common_pragmas(cursor)
        cursor.close()
    return set_pragmas


def _common_pragmas(cursor) -> None:
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")


def make_engine(db_path: Path, *, for_writing: bool = True, foreign_keys: bool = True,
                wait: WriteWait | None = None) -> Engine:
    """An engine whose transactions are real SQLite transactions.

    Writers begin IMMEDIATE: taking the write lock up front makes a second process wait
    for the busy timeout instead of failing when a read lock cannot be upgraded. A writer
    still waiting after WAIT_NOTICE_MS tells `wait.notice`, then waits out the rest of the
    timeout; past it, the write fails with a message saying the project is busy.
    """
    engine = create_engine(f"sqlite:///{db_path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _pragmas(foreign_keys))
    if not for_writing:
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN"))
    else:
        event.listen(engine, "begin", lambda connection: _begin_writing(connection, db_path, wait))
    return engine


def _begin_writing(connection, db_path: Path, wait: WriteWait | None) -> None:
    if wait is None or wait.notice is None:
        _begin_immediate(connection, db_path, BUSY_TIMEOUT_MS)
        return
    try:
        _begin_immediate(connection, db_path, WAIT_NOTICE_MS)
        return
    except ProjectError:
        wait.notice()
    _begin_immediate(connection, db_path, BUSY_TIMEOUT_MS - WAIT_NOTICE_MS)


def _begin_immediate(connection, db_path: Path, timeout_ms: int) -> None:
    from sqlalchemy.exc import OperationalError

    connection.exec_driver_sql(f"PRAGMA busy_timeout={timeout_ms}")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        raise ProjectError(f"{db_path}: another Plumb has been writing to the project for "
                           f"{BUSY_TIMEOUT_MS // 1000} s; nothing was written. Try again when it has finished.") from exc
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _migrate(db_path: Path, revision: str) -> None:
    """Upgrade in one transaction with foreign keys off, checking them before the commit.

    SQLite migrations rebuild tables (batch mode: copy, drop, rename); with foreign keys on,
    dropping the old `clip` table would cascade-delete every pose, label and stage row.
    """
    engine = make_engine(db_path, foreign_keys=False)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), revision)
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise ProjectError(f"{db_path}: the migration left {len(broken)} rows pointing nowhere; "
                                   "nothing was changed.")
    finally:
        engine.dispose()


def create_database(db_path: Path, revision: str = "head", wait: WriteWait | None = None) -> Engine:
    """A new, empty project database at the newest schema (or an older one, for tests)."""
    _migrate(db_path, revision)
    return make_engine(db_path, wait=wait)


def stored_revision(db_path: Path) -> str | None:
    """The schema revision of an existing file, read without writing anything to it.

    Raises ProjectError when the file is not a SQLite database or not a Plumb project.
    """
    try:
        connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ProjectError(f"{db_path}: cannot be opened ({exc}). Check that it is readable.") from exc
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables or "clip" not in tables:
            raise ProjectError(
                f"{db_path}: is a SQLite database but not a Plumb project. "
                "Choose another folder, or create a project with `plumb new`."
            )
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    except sqlite3.DatabaseError as exc:
        raise ProjectError(
            f"{db_path}: is not a SQLite database ({exc}). It may be damaged; restore a backup "
            "(project.sqlite.backup-*) or choose another folder."
        ) from exc
    finally:
        connection.close()


def backup_database(db_path: Path, revision: str) -> Path:
    """A consistent copy beside the database (the sqlite backup API includes the WAL)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = db_path.with_name(f"{db_path.name}.backup-{revision}-{stamp}")
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(target)
        with destination:
            source.backup(destination)
        destination.close()
    finally:
        source.close()
    return target


def open_database(db_path: Path, wait: WriteWait | None = None) -> tuple[Engine, Path | None]:
    """Open an existing project database, migrating an older schema after a backup.

    Returns the engine and the path of the backup made before migrating (None if none).
    """
    revision = stored_revision(db_path)
    head = head_revision()
    if revision is not None and revision not in known_revisions():
        raise ProjectError(
            f"{db_path}: was written by a newer Plumb (schema {revision}; this Plumb knows up to "
            f"{head}). Update Plumb to open it; nothing was changed."
        )
    backup = None
    if revision != head:
        backup = backup_database(db_path, revision or "none")
    engine = make_engine(db_path, wait=wait)
    if revision != head:
        try:
            _migrate(db_path, "head")
        except Exception as exc:
            engine.dispose()
            raise ProjectError(
                f"{db_path}: migrating schema {revision} to {head} failed ({exc}). The database "
                f"was left as it was; a copy is at {backup.name}."
            ) from exc
    return engine, backup


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def copy_database_file(src: Path, dst: Path) -> None:
    """Copy a closed database file together with its WAL side files, if any."""
    shutil.copy2(src, dst)
    for suffix in ("-wal", "-shm"):
        side = src.with_name(src.name + suffix)
        if side.exists():
            shutil.copy2(side, dst.with_name(dst.name + suffix))
