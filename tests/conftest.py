"""Shared fixtures. Qt runs offscreen: without a display Qt would abort the interpreter."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

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
