"""The athlete followed through real clips with extreme poses: a 10 m dive (MTL-AQA's sample)
and a backflip (Sports2D's demo), by the same tracker fed with

* before: MediaPipe's detector and landmark graph, and its graph on quarter-turned crops when
  the athlete is missed (upright=False);
* after: the same detections plus the athlete followed and refined on upright regions;
* heavy: as after, each frame's pose read again with BlazePose heavy (--landmarks heavy), where
  it is installed.

Prints per clip the frames where the athlete has a pose, the frames found again after a loss,
the mean confidence of the limb joints, and ms per frame. With --sheet DIR it also writes one
contact sheet per clip and method (every frame, skeleton drawn) to look at.

    .venv/bin/python benchmarks/pose_video.py [--sheet /tmp/sheets]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageSequence

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from inference.pose.landmark_models import heavy_model  # noqa: E402
from inference.pose.mediapipe_backend import MediaPipePose  # noqa: E402
from inference.pose.pipeline import PoseRunner  # noqa: E402
from inference.skeletons import get_skeleton  # noqa: E402

DATA = REPO.parent / "shared" / "data"
CLIPS = {
    "dive (MTL-AQA sample)": DATA / "MTL-AQA" / "media" / "diving_sample.gif",
    "backflip (Sports2D demo)": DATA / "sports2d-demo" / "demo.mp4",
}


def read_frames(path: Path) -> list[np.ndarray]:
    if path.suffix == ".gif":
        with Image.open(path) as gif:
            return [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(gif)]
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    capture.release()
    return frames


def run(frames: list[np.ndarray], upright: bool, landmarks: str = "auto"):
    backend = MediaPipePose(mode="video", upright=upright, device="cpu", landmarks=landmarks)
    height, width = frames[0].shape[:2]
    runner = PoseRunner(backend, "mpii16", image_size=(width, height))
    stream = ((i, rgb, round(i * 1000 / 30)) for i, rgb in enumerate(frames))
    start = time.perf_counter()
    results = list(runner.run(stream, lambda i: frames[i]))
    seconds = time.perf_counter() - start
    backend.close()
    return results, seconds


def draw(rgb: np.ndarray, keypoints: np.ndarray | None) -> np.ndarray:
    out = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    if keypoints is not None:
        skeleton = get_skeleton("mpii16")
        thickness = max(1, rgb.shape[1] // 400)
        for a, b in skeleton.bones:
            pa, pb = keypoints[a], keypoints[b]
            if np.isfinite(pa[:2]).all() and np.isfinite(pb[:2]).all():
                cv2.line(out, (int(pa[0]), int(pa[1])), (int(pb[0]), int(pb[1])), (0, 255, 255), thickness)
        for x, y, c in keypoints:
            if np.isfinite(x) and np.isfinite(y):
                cv2.circle(out, (int(x), int(y)), 2 * thickness, (0, 0, 255) if c >= 0.5 else (255, 0, 0), -1)
    return out


def sheet(frames, results, path: Path, columns: int = 8, width: int = 240) -> None:
    tiles = []
    for rgb, result in zip(frames, results):
        tile = draw(rgb, result.keypoints)
        tile = cv2.resize(tile, (width, round(width * rgb.shape[0] / rgb.shape[1])))
        cv2.putText(tile, f"{result.frame} {result.status}", (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1)
        tiles.append(tile)
    while len(tiles) % columns:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[i:i + columns]) for i in range(0, len(tiles), columns)]
    cv2.imwrite(str(path), np.vstack(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sheet", type=Path, help="folder for contact sheets")
    parser.add_argument("--every", type=int, default=1, help="use every n-th frame of long clips in the sheets")
    args = parser.parse_args()
    for name, path in CLIPS.items():
        if not path.is_file():
            print(f"{name}: {path} is absent; skipped")
            continue
        frames = read_frames(path)
        print(f"{name}: {len(frames)} frames, {frames[0].shape[1]}x{frames[0].shape[0]}")
        methods = [("before", False, "auto"), ("after", True, "auto")]
        if heavy_model() is not None:
            methods.append(("heavy", True, "heavy"))
        for label, upright, landmarks in methods:
            results, seconds = run(frames, upright, landmarks)
            found = [r for r in results if r.keypoints is not None]
            limbs = [float(np.nanmean(r.keypoints[[0, 1, 4, 5, 10, 11, 14, 15], 2])) for r in found]
            print(f"  {label:<7} athlete on {len(found):3d}/{len(results)} frames, "
                  f"{sum(r.status == 'redetected' for r in results):3d} found again on a crop, "
                  f"limb confidence {np.mean(limbs) if limbs else float('nan'):.2f}, "
                  f"{1000 * seconds / len(frames):6.1f} ms/frame")
            if args.sheet:
                args.sheet.mkdir(parents=True, exist_ok=True)
                step = args.every if len(frames) > 64 else 1
                stem = path.stem.replace(" ", "_")
                sheet(frames[::step], results[::step], args.sheet / f"{stem}-{label}.png")


if __name__ == "__main__":
    main()
