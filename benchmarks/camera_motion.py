"""Camera motion per frame: cost and accuracy of CameraMotion on generated panning footage.

    python -m benchmarks.camera_motion [--frames 60]

A blurred-noise scene is filmed by a camera that pans, rolls and zooms smoothly (a known
similarity per frame) while a high-contrast "athlete" crosses the frame on her own; her box is
passed as `exclude`. At 640x360 and 1920x1080 it prints, from the same frames in the same run:

- baseline: what any frame-differencing step pays anyway (RGB->grey + resize to 320 px wide);
- CameraMotion.update: the whole estimate (it includes the baseline's work);
- the error of each frame's matrix: the largest distance, over the frame's four corners,
  between where the estimated and the true motion send them (pixels of that resolution), and
  the same after chaining every frame's matrix from the first frame to the last (drift).

With ../shared/data present it also runs over the real 10 m dive in MTL-AQA's
diving_sample.gif (no ground truth there: how many frames fell back, and the cost).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import cv2
import numpy as np

from inference.pose.camera_motion import CameraMotion, chain_motions, transform_points

GIF = Path(__file__).resolve().parents[2] / "shared" / "data" / "MTL-AQA" / "media" / "diving_sample.gif"


def _scene(width: int, height: int, margin: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    size = (width + 2 * margin, height + 2 * margin)
    coarse = rng.uniform(0, 255, (size[1] // 4, size[0] // 4)).astype(np.float32)
    image = cv2.GaussianBlur(cv2.resize(coarse, size, interpolation=cv2.INTER_CUBIC), (0, 0), 2.0)
    return np.repeat(np.clip(image, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2)


def _camera(f: int, width: int, height: int, margin: int) -> np.ndarray:
    """Scene -> image on frame f: a smooth pan, a slight roll and zoom about the frame centre."""
    t = 2 * math.pi * f / 50
    shift = (-margin + 0.12 * width * math.sin(t), -margin + 0.06 * height * math.sin(1.7 * t))
    m = cv2.getRotationMatrix2D((width / 2, height / 2), 1.0 * math.sin(0.8 * t), 1 + 0.03 * math.sin(1.3 * t))
    return np.vstack([m, [0, 0, 1]]) @ np.array([[1.0, 0, shift[0]], [0, 1.0, shift[1]], [0, 0, 1]])


def _athlete_box(f: int, width: int, height: int) -> tuple[float, float, float, float]:
    s = width / 640
    x = 120 * s + 6 * s * f
    y = 90 * s + 40 * s * math.sin(f / 6)
    return (x, y, x + 70 * s, y + 160 * s)


def _draw(frame: np.ndarray, box: tuple[float, float, float, float]) -> None:
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    x1, y1 = max(x1, 0), max(y1, 0)
    x2, y2 = min(x2, frame.shape[1]), min(y2, frame.shape[0])
    if x2 <= x1 or y2 <= y1:
        return
    blocks = np.random.default_rng(7).integers(0, 2, ((y2 - y1) // 8 + 1, (x2 - x1) // 8 + 1))
    frame[y1:y2, x1:x2] = (np.kron(blocks, np.ones((8, 8)))[:y2 - y1, :x2 - x1] * 255).astype(np.uint8)[:, :, None]


def _corner_error(estimated: np.ndarray, true: np.ndarray, width: int, height: int) -> float:
    corners = np.array([[0, 0], [width, 0], [0, height], [width, height]], dtype=np.float64)
    return float(np.linalg.norm(transform_points(corners, estimated) - transform_points(corners, true), axis=1).max())


def _run(width: int, height: int, frames: int) -> None:
    margin = width // 4
    scene = _scene(width, height, margin)
    work = (320, round(height * 320 / width))
    motion = CameraMotion()
    base_ms, update_ms, errors, estimated, truth = [], [], [], [], []
    fallbacks = 0
    previous_camera = None
    for f in range(frames):
        camera = _camera(f, width, height, margin)
        frame = cv2.warpAffine(scene, camera[:2], (width, height), flags=cv2.INTER_LINEAR)
        box = _athlete_box(f, width, height)
        _draw(frame, box)
        start = time.perf_counter()
        cv2.resize(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), work, interpolation=cv2.INTER_AREA)
        middle = time.perf_counter()
        matrix = motion.update(frame, [box])
        end = time.perf_counter()
        if previous_camera is not None:
            true = (camera @ np.linalg.inv(previous_camera))[:2]
            base_ms.append((middle - start) * 1e3)
            update_ms.append((end - middle) * 1e3)
            errors.append(_corner_error(matrix, true, width, height))
            estimated.append(matrix)
            truth.append(true)
            fallbacks += motion.last.fallback
        previous_camera = camera
    drift = _corner_error(chain_motions(estimated), chain_motions(truth), width, height)
    err = np.array(errors)
    print(f"{width}x{height}, {len(errors)} frame pairs:")
    print(f"  baseline grey+resize     p50 {np.median(base_ms):6.2f} ms   mean {np.mean(base_ms):6.2f} ms")
    print(f"  CameraMotion.update      p50 {np.median(update_ms):6.2f} ms   mean {np.mean(update_ms):6.2f} ms"
          f"   (+{np.median(update_ms) - np.median(base_ms):.2f} ms over the baseline)")
    print(f"  corner error per frame   p50 {np.median(err):.3f} px   p95 {np.percentile(err, 95):.3f} px"
          f"   max {err.max():.3f} px   fallbacks {fallbacks}")
    print(f"  chained over the clip    {drift:.3f} px")


def _run_gif(path: Path) -> None:
    import av

    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    motion = CameraMotion()
    times, reasons = [], []
    for frame in frames:
        start = time.perf_counter()
        motion.update(frame)
        times.append((time.perf_counter() - start) * 1e3)
        reasons.append(motion.last.reason or "estimated")
    h, w = frames[0].shape[:2]
    counts = {r: reasons[1:].count(r) for r in sorted(set(reasons[1:]))}
    print(f"{path.name} ({len(frames)} frames, {w}x{h}, real broadcast dive, no ground truth):")
    print(f"  CameraMotion.update p50 {np.median(times[1:]):.2f} ms; {counts}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args(argv)
    print(f"OpenCV {cv2.__version__}, {cv2.getNumThreads()} threads")
    for width, height in ((640, 360), (1920, 1080)):
        _run(width, height, args.frames)
    if GIF.exists():
        _run_gif(GIF)
    else:
        print(f"{GIF} is absent; the real dive is skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
