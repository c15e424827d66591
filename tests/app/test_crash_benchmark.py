"""benchmarks/crash_safety.py runs as shipped and reports what it checks (a few kills only)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import REPO


def test_the_crash_safety_benchmark_runs_and_loses_nothing():
    run = subprocess.run([sys.executable, "benchmarks/crash_safety.py", "--kills", "3", "--pose-kills", "0",
                          "--no-server"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    line = next(line for line in run.stdout.splitlines() if line.startswith("SQLite:"))
    figures = re.search(r"(\d+) kills in \d+ s, (\d+) edits reported committed, (\d+) lost", line)
    assert figures is not None, line
    kills, reported, lost = map(int, figures.groups())
    assert kills == 3 and reported > 0 and lost == 0, line
    assert "(agree)" in line and "integrity ok" in line and "reopened" in line, line
