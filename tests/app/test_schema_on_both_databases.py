"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL:
one set of models and migrations serves a laptop's project and a team's server."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.store.database import _alembic_config, create_database, head_revision
from app.store.models import Base


def _differences(engine: sa.Engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def test_sqlite_schema_is_the_models(tmp_path) -> None:
    engine = create_database(tmp_path / "project.sqlite")
    try:
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_postgresql_schema_is_the_models(postgres_url) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS schema_check")
            connection.exec_driver_sql("SET search_path TO schema_check")
            command.upgrade(_alembic_config(connection), "head")
            assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
            # Back to nothing: every migration's downgrade runs on PostgreSQL too.
            command.downgrade(_alembic_config(connection), "base")
            assert connection.exec_driver_sql(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'schema_check' "
                "AND table_name <> 'alembic_version'").scalar() == 0
    finally:
        engine.dispose()
