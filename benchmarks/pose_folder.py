"""`plumb detect` on a folder of frames from many different shots, the way a labelled sample of
broadcast dives arrives: LSPET images letterboxed into 455 x 256 frames (FineDiving's frame
size), one after another in one folder. PCKh@0.5 against LSPET's labels, mapped back, for

* sequence: `plumb detect DIR` (the folder as a clip: shot cuts found, each shot followed);
* still: `plumb detect DIR --still` (every image on its own).

    .venv/bin/python benchmarks/pose_folder.py [--count 100] [--data ../shared/data/lspet]
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


def measure(data: Path, count: int) -> str:
    images = load_lsp(data / "joints.json")
    keep = np.random.default_rng(1).choice(len(images), min(count or len(images), len(images)), replace=False)
    images = [images[i] for i in sorted(keep)]
    truth = np.stack([x.keypoints for x in images])
    visible = np.stack([x.visible for x in images])
    lines = [f"LSPET: {len(images)} images letterboxed into {FRAME[0]}x{FRAME[1]} frames of one folder",
             f"{'method':<9} {'PCKh':>6} {'found':>7} {'ms/frame':>9}"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "frames"
        folder.mkdir()
        placed = []
        for i, labelled in enumerate(images):
            frame, scale, dx, dy = letterbox(read_rgb(labelled.image))
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
    lspet_main(__doc__, measure, 100)


if __name__ == "__main__":
    main()
