"""Accuracy of a pose backend on the mmpose test images with ground truth (top-down on the
labelled boxes): PCKh@0.5 per joint on MPII, OKS and PCK@0.2 per joint on COCO.

    .venv/bin/python benchmarks/pose_accuracy.py [--backend mediapipe] [--data ../shared/data/mmpose-testdata]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.pose_accuracy import evaluate_coco, evaluate_mpii, format_report  # noqa: E402
from inference.pose.backends import make_backend  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="mediapipe")
    parser.add_argument("--model")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "mmpose-testdata")
    args = parser.parse_args()
    backend = make_backend(args.backend, model=args.model, mode="image")
    try:
        print(format_report(evaluate_mpii(backend, args.data / "mpii" / "test_mpii.json")))
        print(format_report(evaluate_coco(backend, args.data / "coco" / "test_coco.json")))
    finally:
        backend.close()


if __name__ == "__main__":
    main()
