"""Fine-tuning the landmark network on labelled stills (LSPET's extreme poses): train on a
seeded 300 images, evaluate on 1,000 others against the bundled network on the same 1,000,
through the upright region of the labels and the one the network then gives (this measures
the network, not person finding). Prints time per epoch and in total. Nothing trained here
is saved.

    .venv/bin/python benchmarks/pose_finetune.py [--train 300] [--test 1000] [--epochs 8]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.pose_accuracy import load_lsp, read_rgb  # noqa: E402
from inference.metrics.keypoints import pckh  # noqa: E402
from inference.pose.blazepose import LandmarkRunner  # noqa: E402
from inference.pose.landmark_finetune import FinetuneConfig, LabelledFrame, finetune, predict_in_regions  # noqa: E402
from inference.pose.landmark_models import heavy_model  # noqa: E402


def frames_of(images) -> list[LabelledFrame]:
    return [LabelledFrame(read_rgb(x.image), np.nan_to_num(x.keypoints), x.visible, "mpii16") for x in images]


def report(name: str, predicted: np.ndarray, frames, inverted: np.ndarray) -> None:
    truth = np.stack([f.keypoints for f in frames])
    labelled = np.stack([f.labelled for f in frames])
    everyone = pckh(predicted, truth, labelled).overall
    upside_down = pckh(predicted[inverted], truth[inverted], labelled[inverted]).overall
    print(f"  {name:<12} PCKh@0.5 all {everyone:.3f}   inverted {upside_down:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "lspet")
    parser.add_argument("--train", type=int, default=300)
    parser.add_argument("--val", type=int, default=60, help="held out of the training images for early stopping")
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--learning-rate", type=float, default=FinetuneConfig.learning_rate)
    parser.add_argument("--keep-weight", type=float, default=FinetuneConfig.keep_weight,
                        help="weight of the loss keeping untaught outputs (alignment points, confidences) as they were")
    args = parser.parse_args()
    if not (args.data / "joints.json").is_file():
        print(f"no LSPET data at {args.data}; nothing measured")
        return
    images = load_lsp(args.data / "joints.json")
    order = np.random.default_rng(0).permutation(len(images))
    train_images = [images[i] for i in order[:args.train]]
    val_images = [images[i] for i in order[args.train:args.train + args.val]]
    test_images = [images[i] for i in order[args.train + args.val:args.train + args.val + args.test]]
    train, val, test = frames_of(train_images), frames_of(val_images), frames_of(test_images)
    inverted = np.array([x.inverted for x in test_images])
    print(f"LSPET: fine-tune on {len(train)} (+{len(val)} for early stopping), test on {len(test)} "
          f"({inverted.sum()} inverted)")

    def progress(epoch) -> None:
        print(f"  epoch {epoch.epoch}: loss {epoch.train_loss:.4f}, val PCKh {epoch.val_pckh:.3f}, "
              f"error {epoch.val_error:.3f}, {epoch.seconds:.1f} s", flush=True)

    start = time.perf_counter()
    result = finetune(train, val, FinetuneConfig(epochs=args.epochs, device=args.device, learning_rate=args.learning_rate,
                                                  keep_weight=args.keep_weight), progress=progress)
    total = time.perf_counter() - start
    print(f"fine-tuning: {total:.0f} s in all, best epoch {result.best_epoch}; held-out PCKh {result.val_pckh:.3f} "
          f"against the bundled network's {result.base_val_pckh:.3f} (mean error {result.val_error:.3f} against "
          f"{result.base_val_error:.3f} head lengths)")
    bundled = predict_in_regions(LandmarkRunner.for_inference(), test, "mpii16")
    tuned = predict_in_regions(LandmarkRunner.for_inference(result.net), test, "mpii16")
    report("bundled", bundled, test, inverted)
    report("fine-tuned", tuned, test, inverted)
    heavy = heavy_model()
    if heavy is not None:  # the reference a fine-tuned full network competes with in the product
        report("heavy", predict_in_regions(LandmarkRunner.for_file(heavy), test, "mpii16"), test, inverted)
    # The labels teach positions only; the joints' confidences should stay what the network knew.
    drift = np.nanmean(np.abs(tuned[..., 2] - bundled[..., 2]))
    print(f"  joint confidence, mean change from the bundled network's: {drift:.3f}")


if __name__ == "__main__":
    main()
