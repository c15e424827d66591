"""Accuracy of a pose backend on images with ground truth:

* the mmpose test images (top-down on the labelled boxes): PCKh@0.5 on MPII, OKS and PCK@0.2
  on COCO, upright and with each image turned by 90, 180 and 270 degrees (how an athlete on
  their side or upside down looks to the model), for MediaPipe's own graph on the box
  ("graph") and for Plumb's upright regions ("plumb", what auto-annotation runs);
* LSPET's extreme sports poses, found automatically (see benchmarks/pose_still.py): all
  images, the inverted ones and the upright ones apart.

    .venv/bin/python benchmarks/pose_accuracy.py [--data ../shared/data] [--lspet 500] [--per-joint]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.pose_accuracy import evaluate_coco, evaluate_mpii, format_report  # noqa: E402
from benchmarks.pose_still import lspet_table  # noqa: E402
from inference.pose.mediapipe_backend import MediaPipePose  # noqa: E402

TURNS = (0, 90, 180, 270)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--lspet", type=int, default=500, help="LSPET images in the seeded sample (0: all, -1: none)")
    parser.add_argument("--per-joint", action="store_true", help="also print the upright per-joint figures")
    args = parser.parse_args()
    mmpose = args.data / "mmpose-testdata"
    if (mmpose / "mpii" / "test_mpii.json").is_file():
        print(f"{'mmpose test images':<20} " + " ".join(f"{t:>5}°" for t in TURNS))
        for name, upright in (("graph", False), ("plumb", True)):
            with MediaPipePose(mode="image", upright=upright) as backend:
                mpii = [evaluate_mpii(backend, mmpose / "mpii" / "test_mpii.json", t) for t in TURNS]
                coco = [evaluate_coco(backend, mmpose / "coco" / "test_coco.json", t) for t in TURNS]
            print(f"{name + ' MPII PCKh@0.5':<20} " + " ".join(f"{r.pck.overall:6.3f}" for r in mpii))
            print(f"{name + ' COCO mean OKS':<20} " + " ".join(f"{r.mean_oks:6.3f}" for r in coco))
            print(f"{name + ' COCO found':<20} " + " ".join(f"{r.found:>3}/{r.people:<2}" for r in coco))
            if args.per_joint:
                print(format_report(mpii[0]))
                print(format_report(coco[0]))
    else:
        print(f"no mmpose test images at {mmpose}; nothing measured there")
    lspet = args.data / "lspet"
    if args.lspet >= 0 and (lspet / "joints.json").is_file():
        print(lspet_table(lspet, args.lspet))


if __name__ == "__main__":
    main()
