"""The action classifier on real skeletons: the Pose Trainer set (112 OpenPose-18 sequences
of four gym exercises: bicep curl, front raise, shoulder press, shoulder shrug).

The sequences are written as a sequences folder (``NAME.npy`` + ``labels.csv`` with the
exercise as the action and no split), imported with ``plumb import PROJECT sequences DIR
--schema openpose18`` and trained with ``plumb train PROJECT --task action --seed S``, which
holds out a test and a validation share itself, stratified by exercise. For each seed the
test accuracy is shown beside the majority-class prior on the same clips, with the recall of
each exercise and the training time on this machine.

The files carry no athlete ids, so the split cannot keep an athlete's clips together: the
same person may be in the training and the test clips, and these figures can be higher than
on new athletes.

Run: .venv/bin/python benchmarks/action_classifier.py [POSE_TRAINER_DIR] [--seeds N] [--epochs E] [--threads T]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.cli import main as plumb  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "pose-trainer" / "poses_compressed"
NO_ATHLETES = ("Pose Trainer's files carry no athlete ids, so an athlete-grouped split cannot be told "
               "there: one person's clips may be in both train and test")


def write_folder(source: Path, out: Path) -> int:
    rows = []
    for path in sorted(source.glob("*/*.npy")):
        name = f"{path.parent.name}/{path.stem}"
        (out / path.parent.name).mkdir(parents=True, exist_ok=True)
        np.save(out / f"{name}.npy", np.load(path, allow_pickle=False))
        rows.append({"name": name, "score": "", "action": path.parent.name})
    with open(out / "labels.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["name", "score", "action"])
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def run(source: Path, seeds: int, epochs: int) -> None:
    print(NO_ATHLETES)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), CPU")
    accuracies, priors, seconds = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder, project = Path(tmp) / "seqs", Path(tmp) / "project"
        count = write_folder(source, folder)
        with contextlib.redirect_stdout(io.StringIO()):
            assert plumb(["new", str(project), "--sport", "strength"]) == 0
            assert plumb(["import", str(project), "sequences", str(folder), "--schema", "openpose18",
                          "--fps", "30"]) == 0
        for seed in range(seeds):
            out = io.StringIO()
            start = time.perf_counter()
            with contextlib.redirect_stdout(out):
                assert plumb(["train", str(project), "--task", "action", "--epochs", str(epochs), "--seed",
                              str(seed), "--device", "cpu", "--json"]) == 0
            elapsed = time.perf_counter() - start
            metrics = json.loads(out.getvalue())["metrics"]
            recall = ", ".join(f"{a} {v['recall']:.2f}" for a, v in metrics["per_action"].items())
            print(f"seed {seed}: n={count} train {metrics['n_train']} val {metrics['n_val']} test {metrics['n_test']}: "
                  f"accuracy {metrics['accuracy']:.3f}, prior {metrics['prior']['accuracy']:.3f} "
                  f"({metrics['prior']['action']}), recall {recall}; {elapsed:.1f} s "
                  f"(best epoch {metrics['info']['best_epoch'] + 1} of {metrics['info']['epochs_run']})")
            accuracies.append(metrics["accuracy"])
            priors.append(metrics["prior"]["accuracy"])
            seconds.append(elapsed)
    print(f"mean over {seeds} seeds: accuracy {np.mean(accuracies):.3f} ± {np.std(accuracies):.3f}, "
          f"prior {np.mean(priors):.3f}, training {np.mean(seconds):.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1: the model is small, and more threads only "
                             "contend with other work on a shared machine)")
    args = parser.parse_args()
    if not args.source.is_dir():
        sys.exit(f"no Pose Trainer folder at {args.source}; pass the poses_compressed folder")
    torch.set_num_threads(args.threads)
    run(args.source, args.seeds, args.epochs)


if __name__ == "__main__":
    main()
