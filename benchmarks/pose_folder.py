"""`plumb detect` on a folder of frames from many different shots, the way a labelled sample of
broadcast dives arrives: LSPET images letterboxed into 455 x 256 frames (FineDiving's frame
size), one after another in one folder. PCKh@0.5 against LSPET's labels, mapped back, for

* sequence: `plumb detect DIR` (the folder as a clip: shot cuts found, each shot followed);
* still: `plumb detect DIR --still` (every image on its own).

With --body PX each image is instead scaled so its labelled body is PX pixels high and put at a
seeded random place on a plain, blurred background: a diver seen from the stands of a 10 m
platform is 40-120 pixels high in such a frame.

    .venv/bin/python benchmarks/pose_folder.py [--count 100] [--body PX] [--data ../shared/data/lspet]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.auto_annotate import PoseOptions, detect_to_file  # noqa: E402
from app.pose_accuracy import load_lsp, read_rgb  # noqa: E402
from benchmarks.pose_still import lspet_main  # noqa: E402
from inference.metrics.keypoints import pckh  # noqa: E402

FRAME = (455, 256)  # width, height


def letterbox(rgb: np.ndarray) -> tuple[np.ndarray, float, float, float]:
    """The image scaled to fit FRAME, centred on black; -> frame, scale, x and y offsets."""
    height, width = rgb.shape[:2]
    scale = min(FRAME[0] / width, FRAME[1] / height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    frame = np.zeros((FRAME[1], FRAME[0], 3), np.uint8)
    dx, dy = (FRAME[0] - size[0]) // 2, (FRAME[1] - size[1]) // 2
    frame[dy:dy + size[1], dx:dx + size[0]] = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return frame, scale, dx, dy


def small_body(rgb: np.ndarray, keypoints: np.ndarray, visible: np.ndarray, body: float,
               rng: np.random.Generator) -> tuple[np.ndarray, float, float, float]:
    """The image scaled so its labelled joints span `body` pixels in height (or as much as
    fits), at a random place in a FRAME of blurred colour patches; -> frame, scale, x, y."""
    ys = keypoints[visible > 0, 1] if (visible > 0).sum() >= 2 else keypoints[:, 1]
    height, width = rgb.shape[:2]
    scale = min(body / max(float(ys.max() - ys.min()), 1.0), FRAME[0] / width, FRAME[1] / height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    patches = rng.uniform(40, 220, (FRAME[1] // 32 + 1, FRAME[0] // 32 + 1, 3)).astype(np.float32)
    background = cv2.resize(patches, FRAME, interpolation=cv2.INTER_NEAREST)
    background += rng.normal(0, 6, background.shape).astype(np.float32)
    frame = cv2.GaussianBlur(np.clip(background, 0, 255).astype(np.uint8), (0, 0), 8)
    dx, dy = int(rng.integers(0, FRAME[0] - size[0] + 1)), int(rng.integers(0, FRAME[1] - size[1] + 1))
    frame[dy:dy + size[1], dx:dx + size[0]] = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return frame, scale, dx, dy


def measure(data: Path, count: int, body: float | None = None) -> str:
    images = load_lsp(data / "joints.json")
    keep = np.random.default_rng(1).choice(len(images), min(count or len(images), len(images)), replace=False)
    images = [images[i] for i in sorted(keep)]
    truth = np.stack([x.keypoints for x in images])
    visible = np.stack([x.visible for x in images])
    how = "letterboxed" if body is None else f"with the body {body:g} px high,"
    lines = [f"LSPET: {len(images)} images {how} in {FRAME[0]}x{FRAME[1]} frames of one folder",
             f"{'method':<9} {'PCKh':>6} {'found':>7} {'ms/frame':>9}"]
    rng = np.random.default_rng(2)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "frames"
        folder.mkdir()
        placed = []
        for i, labelled in enumerate(images):
            rgb = read_rgb(labelled.image)
            frame, scale, dx, dy = letterbox(rgb) if body is None else small_body(
                rgb, labelled.keypoints, labelled.visible, body, rng)
            cv2.imwrite(str(folder / f"{i:06d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            placed.append((scale, dx, dy))
        for name, still in (("sequence", False), ("still", True)):
            out = Path(tmp) / f"{name}.json"
            start = time.perf_counter()
            summary = detect_to_file(folder, out, PoseOptions(schema="mpii16"), still=still)
            seconds = time.perf_counter() - start
            found = np.full((len(images), 16, 2), np.nan)
            for entry in json.loads(out.read_text())["frames"]:
                scale, dx, dy = placed[entry["index"]]
                xy = np.array([[np.nan if x is None else x, np.nan if y is None else y]
                               for x, y, _ in entry["keypoints"]], float)
                found[entry["index"]] = (xy - (dx, dy)) / scale
            score = pckh(found, truth, visible).overall
            lines.append(f"{name:<9} {score:6.3f} {summary['found']:>3}/{len(images):<3} "
                         f"{1000 * seconds / len(images):9.1f}")
    return "\n".join(lines)


def main() -> None:
    lspet_main(__doc__, measure, 100, lambda parser: parser.add_argument(
        "--body", type=float, help="scale each body to this many pixels high on a plain background"))


if __name__ == "__main__":
    main()
