"""A project database on a PostgreSQL server, for a team: the same models and migrations as the
SQLite file, through psycopg 3.

Nothing is written to a database that is refused: a server that does not answer, a role
without rights, a database that is not a Plumb project or was written by a newer Plumb is
reported in one line naming the URL (without its password) before anything changes.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError, ProgrammingError

from app.errors import ProjectError
from app.store.database import _alembic_config, head_revision, known_revisions

CONNECT_TIMEOUT_S = 10


def is_server_url(location: str) -> bool:
    return location.startswith(("postgresql:", "postgresql+psycopg:", "postgres:"))


def safe_url(url: str) -> str:
    """The URL as it may be shown: its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<an unreadable database URL>"


def make_server_engine(url: str) -> Engine:
    """An engine on psycopg 3 (a plain postgresql:// URL means it too), at PostgreSQL's default
    isolation (read committed): undo checks what it would overwrite itself (app/edits/history.py)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ProjectError(f"{url!r} is not a database URL; write postgresql://USER@HOST:PORT/DATABASE") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        return create_engine(parsed, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}, pool_pre_ping=True)
    except NoSuchModuleError as exc:
        raise ProjectError(f"{safe_url(url)}: only PostgreSQL servers are supported (postgresql://...)") from exc


def _connect_error(url: str, exc: Exception) -> ProjectError:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
    if "permission denied" in reason or "must be owner" in reason:
        hint = "the role has no rights there; ask the server's administrator to grant them"
    elif "does not exist" in reason:
        hint = "create the database first (createdb), or check its name"
    else:
        hint = "check that the server runs and the host, port, user and password are right"
    return ProjectError(f"{safe_url(url)}: {reason}; {hint}. Nothing was changed.")


def _stored_revision(engine: Engine, url: str) -> str | None:
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            if "alembic_version" not in tables or "clip" not in tables:
                return None if not tables & {"clip", "alembic_version"} else _not_plumb(url)
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError, DBAPIError) as exc:
        raise _connect_error(url, exc) from exc


def _not_plumb(url: str):
    raise ProjectError(f"{safe_url(url)}: holds tables but is not a Plumb project; use an empty database.")


def create_server_database(url: str) -> Engine:
    """Build the newest schema in an empty database; refused when it already holds one."""
    engine = make_server_engine(url)
    try:
        if _stored_revision(engine, url) is not None:
            raise ProjectError(f"{safe_url(url)}: already holds a Plumb project; open it instead.")
        _upgrade(engine, url)
    except BaseException:
        engine.dispose()
        raise
    return engine


def open_server_database(url: str) -> Engine:
    """An engine on an existing Plumb database, migrated when it is older than this Plumb."""
    engine = make_server_engine(url)
    try:
        revision = _stored_revision(engine, url)
        head = head_revision()
        if revision is None:
            raise ProjectError(f"{safe_url(url)}: holds no Plumb project. Create one with plumb new FOLDER "
                               f"--database URL.")
        if revision not in known_revisions():
            raise ProjectError(f"{safe_url(url)}: was written by a newer Plumb (schema {revision}; this Plumb "
                               f"knows up to {head}). Update Plumb to open it; nothing was changed.")
        if revision != head:
            _upgrade(engine, url)  # one transaction: PostgreSQL's DDL rolls back with it
    except BaseException:
        engine.dispose()
        raise
    return engine


def _upgrade(engine: Engine, url: str) -> None:
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "head")
    except (OperationalError, ProgrammingError, DBAPIError) as exc:
        raise _connect_error(url, exc) from exc
