"""Run a child process that reports `committed K` lines, SIGKILL it, collect what it reported."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.conftest import REPO


def run_until_killed(module: str, args: list[str], delay: float, env: dict[str, str] | None = None) -> list[int]:
    """Start `python -m module args`, wait for its "ready" line, kill it after `delay` seconds.

    Returns the K of every `committed K` line it printed before dying.
    """
    child = subprocess.Popen([sys.executable, "-m", module, *args], cwd=REPO, stdout=subprocess.PIPE,
                             text=True, bufsize=1, env=env)
    assert child.stdout.readline().strip() == "ready"
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    out = child.stdout.read()
    return [int(line.split()[1]) for line in out.splitlines() if line.startswith("committed ")]
