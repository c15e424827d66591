"""Crash safety: a process applying edits is killed with SIGKILL at random moments, again and
again; then every edit it reported as committed must be in the project, the edit log must
agree with the data, and the database must pass its integrity check and open.

    .venv/bin/python benchmarks/crash_safety.py [--kills 100] [--pose-kills 20] [--no-server]

Runs on a SQLite project file and, when PostgreSQL's server programs are installed, on a
project in a throwaway PostgreSQL server (fsync on, as a real server runs). A third phase kills
`plumb pose` runs on a generated clip: the project must open after each kill with an intact
database, a killed run must leave no undo entry, and a last run must finish what they left.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.store import queries  # noqa: E402
from app.store.store import Store  # noqa: E402
from tests.app.factories import add_clip_row  # noqa: E402
from tests.helpers.crash import run_until_killed  # noqa: E402


def edit_kills(location: str, open_store, kills: int, seed: int) -> str:
    store = open_store()
    clip_id = add_clip_row(store, frame_count=100_000)
    store.close()
    rng = random.Random(seed)
    reported: list[int] = []
    start = time.perf_counter()
    for _ in range(kills):
        reported += run_until_killed("tests.app.crash_child", [location, str(clip_id)], rng.uniform(0.0, 0.3))
    seconds = time.perf_counter() - start
    store = open_store()
    integrity = store.integrity_check()
    with store.reading() as session:
        track = queries.pose_track(session, clip_id)
        logged = len(queries.history(session, limit=10**7))
    store.close()
    by_frame = dict(zip(track.frames.tolist(), track.keypoints))
    lost = sum(1 for k in reported if k // 16 not in by_frame or by_frame[k // 16][k % 16, :2].tolist() != [k, 2 * k])
    written = int(np.isfinite(track.keypoints[track.frames < 50_000][..., 0]).sum())
    return (f"{kills} kills in {seconds:.0f} s, {len(reported)} edits reported committed, {lost} lost (target 0); "
            f"edit log {logged} entries, data {written} joints ({'agree' if written == logged else 'DISAGREE'}); "
            f"integrity {integrity}; reopened")


def pose_kills(kills: int, seed: int, work: Path) -> str:
    from app.cli import main as plumb
    from app.project import Project
    from tests.helpers.corrected_project import write_figure_video

    video = write_figure_video(work / "clip.mp4", 90)
    root = work / "pose-project"
    plumb(["new", str(root)])
    plumb(["add", str(root), str(video)])
    rng = random.Random(seed)
    problems = []
    for i in range(kills):
        child = subprocess.Popen([sys.executable, "-m", "app.cli", "pose", str(root), "--all"], cwd=REPO,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 6.0))  # model loading takes a few seconds; kill during loading and running
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
        with Project.open(root) as project:
            if project.store.integrity_check() != "ok":
                problems.append(f"kill {i}: integrity")
            with project.store.reading() as session:
                runs = [e for e in queries.history(session, limit=1000) if e.kind == "pose_run"]
            if runs and child.returncode == -signal.SIGKILL:
                problems.append(f"kill {i}: a killed run left an undo entry")
    assert plumb(["pose", str(root), "--all"]) == 0
    with Project.open(root) as project, project.store.reading() as session:
        frames = len(queries.pose_track(session, 1, layer="model:mediapipe").frames)
    return (f"{kills} kills of plumb pose; then a run finished: {frames}/90 frames have the model's answer; "
            f"{len(problems)} problems{': ' + '; '.join(problems) if problems else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--pose-kills", type=int, default=20)
    parser.add_argument("--no-server", action="store_true", help="skip the PostgreSQL run")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        path = work / "project.sqlite"
        Store.create(path).close()
        print("SQLite:     " + edit_kills(str(path), lambda: Store.open(path), args.kills, args.seed), flush=True)
        if not args.no_server:
            print("PostgreSQL: " + server_run(args.kills, args.seed), flush=True)
        if args.pose_kills:
            print("pose runs:  " + pose_kills(args.pose_kills, args.seed, work), flush=True)


def server_run(kills: int, seed: int) -> str:
    import sqlalchemy as sa

    from tests.helpers.postgres_server import NoServer, running_server

    try:
        with running_server(durable=True) as url:
            name = f"plumb_{uuid.uuid4().hex[:12]}"
            admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.exec_driver_sql(f"CREATE DATABASE {name}")
            admin.dispose()
            database = url.rsplit("/", 1)[0] + "/" + name
            Store.create_on_server(database).close()
            return edit_kills(database, lambda: Store.open_on_server(database), kills, seed)
    except NoServer as exc:
        return f"not run ({exc})"


if __name__ == "__main__":
    main()
