"""Stages and scores on generated dives whose truth is known, through the project commands.

For each seed, ``--clips`` dives (five dive numbers, quality spread over [0.1, 1], splits
70/15/15 within each dive number) are written as a sequences folder with their scores,
difficulties, dive numbers and stage transitions, imported with ``plumb import``, and
``plumb train --task stages`` and ``plumb train --task score`` (each method) are run. Printed:
AIoU@0.5/0.75 of the Bi-GRU and of the model-free diving rules, and SRCC / R-l2 of each
score method beside the label-only priors, all on the test split.

Run: .venv/bin/python benchmarks/assess_synthetic.py [--clips 120] [--seeds 3] [--epochs 60]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.assessment.registry import latest_model  # noqa: E402
from app.cli import main as plumb  # noqa: E402
from app.datasets import sequences  # noqa: E402
from app.project import Project  # noqa: E402
from inference.assess.synthetic import synthetic_library  # noqa: E402
from tests.helpers.assess_project import as_sequence  # noqa: E402


def quiet(argv: list[str]) -> None:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = plumb(argv)
    if code != 0:
        raise SystemExit(f"plumb {' '.join(argv)} failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=120)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args()
    rows: dict[str, list[list[float]]] = defaultdict(list)
    for seed in range(args.seeds):
        with tempfile.TemporaryDirectory() as tmp:
            folder, root = Path(tmp) / "seqs", Path(tmp) / "project"
            sequences.write(folder, [as_sequence(d.sample) for d in synthetic_library(args.clips, seed)])
            quiet(["new", str(root)])
            quiet(["import", str(root), "sequences", str(folder), "--fps", "30"])
            quiet(["train", str(root), "--task", "stages", "--epochs", str(args.epochs), "--seed", str(seed)])
            with Project.open(root) as project:
                stages = latest_model(project, "stages").metrics
            rows["stages, Bi-GRU"].append([stages["test"]["aiou@0.5"], stages["test"]["aiou@0.75"]])
            rows["stages, diving rules"].append([stages["motion_rules_test"]["aiou@0.5"],
                                                 stages["motion_rules_test"]["aiou@0.75"]])
            for method in ("contrastive", "coarse_fine"):
                quiet(["train", str(root), "--task", "score", "--method", method, "--epochs", str(args.epochs),
                       "--seed", str(seed)])
                with Project.open(root) as project:
                    score = latest_model(project, "score").metrics
                rows[f"score, {method}"].append([score["test"]["srcc"], score["test"]["r_l2"]])
            for name, values in score["priors"].items():
                if values["srcc"] is not None:
                    rows[f"prior, {name}"].append([values["srcc"], values["r_l2"]])
            print(f"seed {seed}: {stages['n_test']} test clips", flush=True)
    print(f"\n{args.clips} dives per seed, {args.seeds} seeds, test split, mean ± sd:")
    for name, values in rows.items():
        a = np.array(values, float)
        labels = ("AIoU@0.5", "AIoU@0.75") if name.startswith("stages") else ("SRCC", "R-l2")
        print(f"  {name:24s} {labels[0]} {a[:, 0].mean():.3f} ± {a[:, 0].std():.3f}   "
              f"{labels[1]} {a[:, 1].mean():.3f} ± {a[:, 1].std():.3f}")


if __name__ == "__main__":
    main()
