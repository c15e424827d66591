"""Pose on still images of extreme sports poses (LSPET), found automatically (no box given):
PCKh@0.5 on all images, on those with the body inverted and on the upright ones, for

* plain: MediaPipe's detector and landmark graph on the image as it is (the most confident person);
* turns: the same on the image turned by 0/90/180/270 degrees, the most confident answer kept;
* plumb: `plumb detect --still` (every turn's people refined on upright regions, the most
  prominent kept; a search at four turns when nobody is found).

    .venv/bin/python benchmarks/pose_still.py [--count 500] [--data ../shared/data/lspet]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.pose_accuracy import load_lsp, read_rgb  # noqa: E402
from inference.metrics.keypoints import pckh  # noqa: E402
from inference.pose.mediapipe_backend import MediaPipePose  # noqa: E402
from inference.pose.still import DETECTOR_TURNS, find_person, turn_image, unturn_points, upright_people  # noqa: E402
from inference.skeletons import convert  # noqa: E402


def most_confident(detector: MediaPipePose, rgb: np.ndarray, turns: tuple[int, ...]) -> np.ndarray | None:
    height, width = rgb.shape[:2]
    best = None
    for degrees in turns:
        for person in detector.detect(turn_image(rgb, degrees)):
            if best is None or person.score > best[0]:
                keypoints = np.asarray(person.keypoints, np.float64).copy()
                keypoints[:, :2] = unturn_points(keypoints[:, :2], degrees, width, height)
                best = (person.score, keypoints)
    return None if best is None else best[1]


def lspet_table(data: Path, count: int) -> str:
    """The comparison table on a seeded sample of `count` LSPET images (0: all)."""
    images = load_lsp(data / "joints.json")
    if count:
        keep = np.random.default_rng(0).choice(len(images), min(count, len(images)), replace=False)
        images = [images[i] for i in sorted(keep)]
    detector = MediaPipePose(mode="image", upright=True, tiles=False)
    methods = {
        "plain": lambda rgb: most_confident(detector, rgb, (0,)),
        "turns": lambda rgb: most_confident(detector, rgb, DETECTOR_TURNS),
        "plumb": lambda rgb: _plumb(detector, rgb),
    }
    predictions = {name: np.full((len(images), 16, 3), np.nan) for name in methods}
    seconds = dict.fromkeys(methods, 0.0)
    for i, labelled in enumerate(images):
        rgb = read_rgb(labelled.image)
        for name, method in methods.items():
            start = time.perf_counter()
            found = method(rgb)
            seconds[name] += time.perf_counter() - start
            if found is not None:
                predictions[name][i] = convert(found, "mp33", "mpii16").keypoints
    detector.close()
    truth = np.stack([x.keypoints for x in images])
    visible = np.stack([x.visible for x in images])
    inverted = np.array([x.inverted for x in images])
    lines = [f"LSPET: {len(images)} images, {inverted.sum()} with the body inverted "
             "(PCKh counts the people whose neck and head top are labelled)",
             f"{'method':<8} {'all':>6} {'inverted':>9} {'upright':>8} {'found':>6} {'ms/image':>9}"]
    for name in methods:
        p = predictions[name]
        found = np.isfinite(p[:, :, 0]).any(axis=1).mean()
        lines.append(
            f"{name:<8} {pckh(p, truth, visible).overall:6.3f} {pckh(p[inverted], truth[inverted], visible[inverted]).overall:9.3f} "
            f"{pckh(p[~inverted], truth[~inverted], visible[~inverted]).overall:8.3f} {found:6.1%} "
            f"{1000 * seconds[name] / len(images):9.1f}")
    return "\n".join(lines)


def lspet_main(description: str, measure: Callable[..., str], count: int,
               add_arguments: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """A benchmark's command line on a seeded sample of LSPET: --data and --count, and the
    benchmark's own options (passed to `measure` by name)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "lspet")
    parser.add_argument("--count", type=int, default=count, help="a seeded sample of this many images (0: all)")
    if add_arguments is not None:
        add_arguments(parser)
    args = vars(parser.parse_args())
    data, count = args.pop("data"), args.pop("count")
    if not (data / "joints.json").is_file():
        print(f"no LSPET data at {data}; nothing measured")
        return
    print(measure(data, count, **args))


def main() -> None:
    lspet_main(__doc__, lspet_table, 500)


def _plumb(detector: MediaPipePose, rgb: np.ndarray) -> np.ndarray | None:
    """What `plumb detect --still` does with the image."""
    person = find_person(rgb, detector, detector.upright, upright_people=upright_people(rgb, detector, tiles=True))
    return None if person is None else np.asarray(person.keypoints, np.float64)


if __name__ == "__main__":
    main()
