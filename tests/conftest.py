"""Shared fixtures. Qt runs offscreen: without a display Qt would abort the interpreter."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Property tests draw the same examples on every run and keep no example database, so a
# test run's result depends on the code alone; PLUMB_HYPOTHESIS=explore draws new ones.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", database=None)
settings.load_profile(os.environ.get("PLUMB_HYPOTHESIS", "repeatable"))

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, skipping the test when it is absent (a user's fresh clone)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the shared real-data folder is not present)")
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL server of the tests' own, for the session (see tests/helpers/postgres_server.py).
    Skips, saying why, only where the server programs are not installed."""
    from tests.helpers.postgres_server import NoServer, running_server

    try:
        server = running_server()
        url = server.__enter__()
    except NoServer as exc:
        pytest.skip(f"no PostgreSQL server for these tests: {exc}")
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


@pytest.fixture
def postgres_database(postgres_url):
    """A new empty database on the tests' PostgreSQL server, dropped afterwards."""
    import uuid

    import sqlalchemy as sa

    name = f"plumb_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    yield postgres_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture
def one_torch_thread():
    """Torch on one thread for a tiny model: more threads only contend with whatever else the
    machine runs (two cores shared with a test run can slow training thirtyfold)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
