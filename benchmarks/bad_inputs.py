"""Bad-input corpus: the `plumb` command line fed many malformed files and arguments.

Every case runs `python -m app.cli ...` in its own subprocess against one project holding a
real video clip with MPII-16 poses. A case is a **clean refusal** when the command exits
non-zero with a short message and no traceback, and the project's content is unchanged
(every table hashed before and after). Printed at the end:

    inputs tried, clean refusals, accepted (exit 0), tracebacks, hangs, wrote on refusal,
    integrity_check

Run: .venv/bin/python benchmarks/bad_inputs.py [--seed N] [--random N] [--verbose]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import pickle
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.videos import write_numbered_video  # noqa: E402

TIMEOUT_S = 60
MPII_NAMES = ["r_ankle", "r_knee", "r_hip", "l_hip", "l_knee", "l_ankle", "pelvis", "thorax", "upper_neck",
              "head_top", "r_wrist", "r_elbow", "r_shoulder", "l_shoulder", "l_elbow", "l_wrist"]


def plumb(*args: str, cwd: Path, timeout: float = TIMEOUT_S) -> tuple[int | None, str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    env.pop("PLUMB_DEBUG", None)
    try:
        done = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", ""
    return done.returncode, done.stdout, done.stderr


def project_digest(project: Path) -> str:
    """A hash of every row of every table: equal before and after means nothing was written."""
    db = sqlite3.connect(f"file:{project / 'project.sqlite'}?mode=ro", uri=True)
    try:
        digest = hashlib.sha256()
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        db.close()


def integrity_ok(project: Path) -> bool:
    db = sqlite3.connect(project / "project.sqlite")
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


# ----------------------------------------------------------------------------- inputs

def coco_doc(file_name: str = "clip/000003.jpg") -> dict:
    return {"images": [{"id": 1, "file_name": file_name, "width": 320, "height": 240}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "keypoints": [10, 20, 2] * 16,
                             "bbox": [5, 5, 50, 80]}],
            "categories": [{"id": 1, "name": "person", "keypoints": MPII_NAMES}]}


def labelme_doc() -> dict:
    return {"version": "5.4.1", "flags": {}, "imagePath": "000003.jpg", "imageHeight": 240, "imageWidth": 320,
            "shapes": [{"label": "r_knee", "points": [[10, 20]], "shape_type": "point", "flags": {}}]}


def mpii_doc(image: str = "clip/000003.jpg") -> list:
    return [{"image": image, "joints": [[10, 20]] * 16, "joints_vis": [1] * 16, "center": [50, 50],
             "scale": 1.0}]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def write_json(path: Path, obj) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return path


def finediving_folder(folder: Path, entry: dict | object, key=("dive_a", 1)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "FineDiving_coarse_annotation.pkl").write_bytes(pickle.dumps({key: entry}))
    return folder


def coarse(**changes) -> dict:
    entry = {"action_type": "107B", "start_frame": 0, "end_frame": 40, "dive_score": 60.0, "difficulty": 3.0,
             "judge_scores": [7.0, 7.5, 7.0]}
    entry.update(changes)
    return entry


def sequences_folder(folder: Path, csv: bytes, arrays: dict[str, np.ndarray]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "labels.csv").write_bytes(csv)
    for name, arr in arrays.items():
        np.save(folder / f"{name}.npy", arr)
    return folder


def mutate(obj, rng: random.Random, depth: int = 0):
    """A copy of a JSON structure with one value swapped for something of the wrong type."""
    weird = [None, "abc", -1, 10**12, 1.5, [], {}, [1, 2], {"a": 1}, True, "", float("inf")]
    if isinstance(obj, dict) and obj:
        out = dict(obj)
        key = rng.choice(list(out))
        out[key] = mutate(out[key], rng, depth + 1) if rng.random() < 0.6 else rng.choice(weird)
        return out
    if isinstance(obj, list) and obj:
        out = list(obj)
        i = rng.randrange(len(out))
        out[i] = mutate(out[i], rng, depth + 1) if rng.random() < 0.6 else rng.choice(weird)
        return out
    return rng.choice(weird)


def cases(work: Path, project: Path, video: Path, rng: random.Random, n_random: int) -> list[tuple[str, list[str]]]:
    """(name, argv) of every bad input; files are written under ``work``."""
    p = str(project)
    out: list[tuple[str, list[str]]] = []

    def add(name: str, *argv: str) -> None:
        out.append((name, list(argv)))

    # plumb add
    loop = work / "loop.mp4"
    if not loop.is_symlink():
        os.symlink(loop, loop)
    add("add: symlink loop", "add", p, str(loop))
    add("add: missing file", "add", p, str(work / "nope.mp4"))
    add("add: a folder", "add", p, str(work))
    add("add: text file", "add", p, str(write_json(work / "text.mp4", "hello")))
    (work / "empty.mp4").write_bytes(b"")
    add("add: empty file", "add", p, str(work / "empty.mp4"))
    (work / "garbage.mp4").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    add("add: random bytes", "add", p, str(work / "garbage.mp4"))
    half = work / "half.mp4"
    half.write_bytes(video.read_bytes()[: video.stat().st_size // 3])
    add("add: truncated video", "add", p, str(half))

    # COCO
    for name, doc in {
        "categories not a list": {**coco_doc(), "categories": 5},
        "images not a list": {**coco_doc(), "images": {"a": 1}},
        "annotations a string": {**coco_doc(), "annotations": "x"},
        "keypoints an int": _set(coco_doc(), ["annotations", 0, "keypoints"], 7),
        "unhashable image id": _set(_set(coco_doc(), ["images", 0, "id"], [1]), ["annotations", 0, "image_id"], [1]),
        "width abc": _set(coco_doc(), ["images", 0, "width"], "abc"),
        "file_name 2e9": coco_doc("c/2000000000.jpg"),
        "file_name a number": _set(coco_doc(), ["images", 0, "file_name"], 17),
        "category keypoints an int": _set(coco_doc(), ["categories", 0, "keypoints"], 3),
        "category id unhashable": _set(coco_doc(), ["categories", 0, "id"], {"a": 1}),
        "keypoints NaN strings": _set(coco_doc(), ["annotations", 0, "keypoints"], ["nan"] * 48),
        "bbox strings": _set(coco_doc(), ["annotations", 0, "bbox"], ["a", "b", "c", "d"]),
        "not an object": [1, 2, 3],
    }.items():
        add(f"coco: {name}", "import", p, "coco", str(write_json(work / "coco" / f"{name}.json", doc)))
    add("coco: nested 100000", "import", p, "coco", str(write_json(work / "coco" / "nested.json", nested(100000))))
    add("coco: not json", "import", p, "coco", str(write_json(work / "coco" / "bad.json", "{nope")))
    (work / "coco" / "latin1.json").write_bytes(b'{"images": "\xe9"}')
    add("coco: not utf-8", "import", p, "coco", str(work / "coco" / "latin1.json"))
    add("coco: missing file", "import", p, "coco", str(work / "coco" / "absent.json"))
    add("coco: a folder", "import", p, "coco", str(work))

    # MPII
    for name, doc in {
        "nested": nested(100000),
        "an object": {"a": 1},
        "joints an int": _set(mpii_doc(), [0, "joints"], 3),
        "scale a list": _set(mpii_doc(), [0, "scale"], [1, 2]),
        "image 1e9": mpii_doc("clip/1000000000.jpg"),
        "entry a string": ["abc"],
        "image a dict": _set(mpii_doc(), [0, "image"], {"a": 1}),
    }.items():
        add(f"mpii: {name}", "import", p, "mpii", str(write_json(work / "mpii" / f"{name}.json", doc)))

    # LabelMe
    for name, doc in {
        "shapes not a list": {**labelme_doc(), "shapes": 5},
        "flags a list": _set(labelme_doc(), ["shapes", 0, "flags"], [1]),
        "nested": nested(100000),
        "imagePath a list": {**labelme_doc(), "imagePath": [1]},
        "width abc": {**labelme_doc(), "imageWidth": "abc"},
        "label a dict": _set(labelme_doc(), ["shapes", 0, "label"], {"a": 1}),
    }.items():
        folder = work / "labelme" / name.replace(" ", "_") / "clip"
        write_json(folder / "000003.json", doc)
        add(f"labelme: {name}", "import", p, "labelme", str(folder.parent))

    # FineDiving
    for name, entry in {
        "end_frame 1e9": coarse(end_frame=10**9),
        "end before start": coarse(start_frame=50, end_frame=10),
        "score a string": coarse(dive_score="high"),
        "judge scores an int": coarse(judge_scores=7),
        "entry a list": [1, 2],
        "start_frame a dict": coarse(start_frame={"a": 1}),
    }.items():
        folder = finediving_folder(work / "finediving" / name.replace(" ", "_"), entry)
        add(f"finediving: {name}", "import", p, "finediving", str(folder))
    folder = work / "finediving" / "garbage"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "FineDiving_coarse_annotation.pkl").write_bytes(b"\x80\x04garbage")
    add("finediving: garbage pickle", "import", p, "finediving", str(folder))
    folder = work / "finediving" / "evil"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "FineDiving_coarse_annotation.pkl").write_bytes(pickle.dumps(os.system))
    add("finediving: code in pickle", "import", p, "finediving", str(folder))

    # sequences / labels.csv
    good = np.zeros((10, 16, 3), np.float32) + 5
    add("sequences: labels.csv not utf-8", "import", p, "sequences",
        str(sequences_folder(work / "seq" / "latin1", b"name,score\nclip,\xe9\n", {"clip": good})))
    add("sequences: coco17 onto mpii16 clip", "import", p, "sequences",
        str(sequences_folder(work / "seq" / "coco17", b"name,score\nclip,5\n",
                             {"clip": np.zeros((10, 17, 3), np.float32) + 5})))
    add("sequences: longer than the video", "import", p, "sequences",
        str(sequences_folder(work / "seq" / "long", b"name,score\nclip,5\n",
                             {"clip": np.zeros((500, 16, 3), np.float32) + 5})))
    add("sequences: object array", "import", p, "sequences",
        str(sequences_folder(work / "seq" / "strings", b"name,score\nclip,5\n",
                             {"clip": np.array([["a"]])})))
    add("sequences: transitions junk", "import", p, "sequences",
        str(sequences_folder(work / "seq" / "trans", b"name,score,transitions\nclip,5,a;b\n", {"clip": good})))
    add("sequences: no labels.csv", "import", p, "sequences", str(work / "coco"))
    for fps in ("nan", "0", "-5", "inf"):
        add(f"import --fps {fps}", "import", p, "sequences", str(work / "seq" / "long"), "--fps", fps)

    # pose / detect / export
    add("pose --athlete-box bad frame", "pose", p, "--clip", "1", "--athlete-box", "9999", "1", "1", "50", "50")
    add("pose --athlete-box inverted box", "pose", p, "--clip", "1", "--athlete-box", "3", "50", "50", "1", "1")
    add("pose --athlete-box nan", "pose", p, "--clip", "1", "--athlete-box", "3", "nan", "1", "50", "50")
    add("pose unknown clip", "pose", p, "--clip", "99")
    add("pose unknown backend", "pose", p, "--clip", "1", "--backend", "nope")
    add("detect --out DIR", "detect", str(video), "--out", str(work))
    add("detect missing input", "detect", str(work / "nope.mp4"), "--out", str(work / "d.json"))
    existing = work / "existing.txt"
    existing.write_text("keep me")
    for fmt in ("coco", "sequences", "finediving"):
        add(f"export {fmt} onto a file", "export", p, fmt, str(existing))
    add("export --frames 0", "export", p, "finediving", str(work / "fd_out"), "--frames", "0")
    add("export unknown clip", "export", p, "sequences", str(work / "seq_out"), "--clips", "99")

    # projects
    add("info: not a project", "info", str(work))
    bad_db = work / "bad_project"
    bad_db.mkdir(exist_ok=True)
    (bad_db / "project.sqlite").write_bytes(b"not a database" * 100)
    add("info: garbage database", "info", str(bad_db))
    add("relink: unknown clip", "relink", p, "99", str(video))
    add("relink: other video", "relink", p, "1", str(half))

    # random mutations of valid documents
    bases: list[tuple[str, Callable[[], object]]] = [("coco", coco_doc), ("mpii", mpii_doc), ("labelme", labelme_doc)]
    for i in range(n_random):
        fmt, make = bases[i % len(bases)]
        doc = mutate(copy.deepcopy(make()), rng)
        if fmt == "labelme":
            folder = work / "random" / f"{i}" / "clip"
            write_json(folder / "000003.json", json.dumps(doc))
            add(f"random {fmt} #{i}", "import", p, fmt, str(folder.parent))
        else:
            add(f"random {fmt} #{i}", "import", p, fmt, str(write_json(work / "random" / f"{i}.json", json.dumps(doc))))
    return out


def _set(doc, path: list, value):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


# ----------------------------------------------------------------------------- run

def make_project(work: Path) -> tuple[Path, Path]:
    video = write_numbered_video(work / "clip.mp4", frames=48)
    project = work / "project"
    for argv in (["new", str(project)], ["add", str(project), str(video)]):
        code, _, err = plumb(*argv, cwd=work)
        if code != 0:
            raise SystemExit(f"setting up the project failed: {err}")
    poses = sequences_folder(work / "seed_poses", b"name,score\nclip,5\n", {"clip": np.zeros((48, 16, 3), np.float32) + 7})
    code, _, err = plumb("import", str(project), "sequences", str(poses), cwd=work)
    if code != 0:
        raise SystemExit(f"seeding poses failed: {err}")
    return project, video


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--random", type=int, default=60, help="randomly mutated documents to add")
    parser.add_argument("--verbose", action="store_true", help="print every case's outcome")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="plumb-bad-") as tmp:
        work = Path(tmp)
        project, video = make_project(work)
        counts = {"tried": 0, "clean": 0, "accepted": 0, "traceback": 0, "hang": 0, "wrote": 0, "long message": 0}
        for name, argv in cases(work, project, video, rng, args.random):
            before = project_digest(project)
            code, stdout, stderr = plumb(*argv, cwd=work)
            changed = project_digest(project) != before
            counts["tried"] += 1
            if code is None:
                outcome = "hang"
            elif "Traceback" in stderr:
                outcome = "traceback"
            elif code == 0:
                outcome = "accepted"
            elif changed:
                outcome = "wrote"
            elif len(stderr.strip().splitlines()) != 1:
                outcome = "long message"
            else:
                outcome = "clean"
            counts[outcome] += 1
            if args.verbose or outcome not in ("clean", "accepted"):
                last = (stderr.strip().splitlines() or [""])[-1][:160]
                print(f"{outcome:>12}  {name}: {last}")
            if code == 0 and changed:
                print(f"{'':>12}  {name}: exit 0 and the project changed")
        ok = integrity_ok(project)
    print(f"\ninputs tried {counts['tried']}, clean refusals {counts['clean']}, accepted (exit 0) "
          f"{counts['accepted']}, tracebacks {counts['traceback']}, hangs {counts['hang']}, "
          f"wrote on refusal {counts['wrote']}, multi-line messages {counts['long message']}, "
          f"integrity_check {'ok' if ok else 'FAILED'}  ({time.perf_counter() - started:.0f} s)")
    return 0 if counts["traceback"] == counts["hang"] == counts["wrote"] == 0 and ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
