"""Score models on real skeletons: the Pose Trainer set (112 OpenPose-18 sequences of four
gym exercises, labelled good or bad form).

For each split seed, the sequences are split 60/20/20 train/val/test within each exercise
and label (so every split keeps each exercise's classes balanced), written as a sequences
folder (``NAME.npy`` + ``labels.csv``: score 1 good / 0 bad, action = exercise), imported
with ``plumb import PROJECT sequences DIR --schema openpose18`` into a ``strength`` project,
and each score method is trained with ``plumb train`` and measured on the test split:
SRCC and ROC AUC, next to the label-only priors on the same clips.

Run: .venv/bin/python benchmarks/assess_pose_trainer.py [POSE_TRAINER_DIR] [--seeds N] [--epochs E]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.assessment.evaluation import evaluate  # noqa: E402
from app.cli import main as plumb  # noqa: E402
from app.project import Project  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "pose-trainer" / "poses_compressed"
LABEL = re.compile(r"(good|bad)")


def write_folder(source: Path, out: Path, seed: int) -> int:
    rng = np.random.default_rng(seed)
    groups: dict[tuple[str, str], list[Path]] = defaultdict(list)
    for path in sorted(source.glob("*/*.npy")):
        groups[(path.parent.name, LABEL.search(path.stem).group(1))].append(path)
    rows = []
    for (exercise, label), paths in sorted(groups.items()):
        order = rng.permutation(len(paths))
        n_test = n_val = round(0.2 * len(paths))
        for rank, index in enumerate(order):
            split = "test" if rank < n_test else "val" if rank < n_test + n_val else "train"
            name = f"{exercise}/{paths[index].stem}"
            (out / exercise).mkdir(parents=True, exist_ok=True)
            np.save(out / f"{name}.npy", np.load(paths[index], allow_pickle=False))
            rows.append({"name": name, "score": 1 if label == "good" else 0, "split": split, "action": exercise})
    with open(out / "labels.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["name", "score", "split", "action"])
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def run(source: Path, seeds: int, epochs: int) -> None:
    results: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for seed in range(seeds):
        with tempfile.TemporaryDirectory() as tmp:
            folder, project = Path(tmp) / "seqs", Path(tmp) / "project"
            count = write_folder(source, folder, seed)
            assert plumb(["new", str(project), "--sport", "strength"]) == 0
            assert plumb(["import", str(project), "sequences", str(folder), "--schema", "openpose18",
                          "--fps", "30"]) == 0
            for method in ("contrastive", "coarse_fine"):
                start = time.perf_counter()
                with contextlib.redirect_stdout(io.StringIO()):
                    assert plumb(["train", str(project), "--task", "score", "--method", method, "--epochs",
                                  str(epochs), "--seed", str(seed), "--json"]) == 0
                elapsed = time.perf_counter() - start
                with Project.open(project) as p:
                    score = evaluate(p).score
                results[method].append((score["test"]["srcc"], score["test"]["auc"]))
                print(f"seed {seed} {method:12s} n={count} test={score['n_test']}: SRCC {score['test']['srcc']:.3f} "
                      f"AUC {score['test']['auc']:.3f} ({elapsed:.1f} s)", flush=True)
            for name, values in score["priors"].items():
                srcc = values.get("srcc")
                if srcc is not None and srcc == srcc:  # the constant mean prior has no ranking (nan)
                    results[f"prior {name}"].append((values["srcc"], values.get("auc") or np.nan))
    print("\nmean ± sd over split seeds (test split):")
    for name, values in results.items():
        arr = np.array(values, dtype=float)
        print(f"  {name:18s} SRCC {arr[:, 0].mean():.3f} ± {arr[:, 0].std():.3f}   "
              f"AUC {arr[:, 1].mean():.3f} ± {arr[:, 1].std():.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=str(DEFAULT))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args()
    if not Path(args.source).is_dir():
        sys.exit(f"{args.source}: not found; pass the pose-trainer poses_compressed folder")
    run(Path(args.source), args.seeds, args.epochs)
