"""A throwaway PostgreSQL server for tests: initdb in a temporary folder, listening on 127.0.0.1
at a free port, with trust authentication, stopped and deleted afterwards.

PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` system user
(made by Debian's package) and its commands run through `runuser`.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SERVER_USER = "postgres"
DATABASE_USER = "plumb"


class NoServer(RuntimeError):
    """PostgreSQL's server programs are not installed (or cannot be run here); says which."""


def server_binaries() -> Path:
    """The folder holding initdb and pg_ctl: the newest Debian cluster version, else PATH."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        if (Path(folder) / "initdb").is_file():
            return Path(folder)
    found = shutil.which("initdb")
    if found is None:
        raise NoServer("PostgreSQL's server is not installed (no initdb): apt-get install postgresql")
    return Path(found).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _command(args: list[str], as_root: bool) -> list[str]:
    if not as_root:
        return args
    # runuser lives in sbin, which a plain user's PATH (and env -i) may leave out.
    runuser = shutil.which("runuser") or next((p for p in ("/usr/sbin/runuser", "/sbin/runuser")
                                               if Path(p).is_file()), None)
    if runuser is None:
        raise NoServer("running PostgreSQL as root needs runuser (util-linux), which is not installed")
    return [runuser, "-u", SERVER_USER, "--", *args]


@contextmanager
def running_server(durable: bool = False) -> Iterator[str]:
    """Yields the SQLAlchemy URL of a fresh server's `postgres` database (user plumb).

    durable: fsync on, as a real server runs (crash-safety measurements); off by default,
    which only matters if the machine itself goes down, and makes tests faster."""
    binaries = server_binaries()
    as_root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="plumb-pg-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if as_root:
        shutil.chown(folder, SERVER_USER)
        shutil.chown(sockets, SERVER_USER)
    port = _free_port()

    def run(*args: str) -> None:
        done = subprocess.run(_command([str(binaries / args[0]), *args[1:]], as_root),
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise NoServer(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    try:
        run("initdb", "-D", str(data), "-U", DATABASE_USER, "-A", "trust", "-E", "UTF8", "--no-sync")
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync={'on' if durable else 'off'}"
        run("pg_ctl", "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
        try:
            yield f"postgresql+psycopg://{DATABASE_USER}@127.0.0.1:{port}/postgres"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
