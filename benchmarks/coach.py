"""Coach review speed at 1080p: the report, a side-by-side step, and rendering.

    python -m benchmarks.coach [--steps 60]

Two generated 105B dives (a poor one and a clean exemplar; tests/helpers/dive_video.py) are
drawn at 960x720, re-encoded at 1920x1080 with PyAV's H.264 encoder in a temporary folder,
and imported with their poses scaled to match. Printed, each with its target and the ratio
of the figure to the target (<= 1 meets it for times, >= 1 for speeds):

* report: analysis + PDF report of one clip (target <= 5 s);
* side-by-side step: the next frame on both sides, decoded, with both skeletons and the
  exemplar's overlaid on the athlete, until both are on screen (target <= 40 ms, p50 and p95);
* render: plumb render of the clip alone and --side-by-side (3840x1080 output), as a multiple
  of real time (target >= 0.5x real time on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.assessment.analysis import analyze  # noqa: E402
from app.datasets import project_io  # noqa: E402
from app.exemplars import mark_exemplar  # noqa: E402
from app.media.overlay_video import render_overlay  # noqa: E402
from app.media.side_by_side_video import render_side_by_side  # noqa: E402
from app.project import Project  # noqa: E402
from app.reports.coach_report import write_report  # noqa: E402
from inference.assess.synthetic import synthetic_dive  # noqa: E402
from tests.helpers.assess_project import as_sequence  # noqa: E402
from tests.helpers.dive_video import SIZE, write_dive_video  # noqa: E402

WIDTH, HEIGHT = 1920, 1080
SCALE = HEIGHT / SIZE[1]
OFFSET = (WIDTH - SIZE[0] * SCALE) / 2


def upscaled(small: Path, out: Path) -> Path:
    """``small`` (960x720) scaled to 1080 rows and centred in a 1920x1080 H.264 video."""
    width = round(SIZE[0] * SCALE)
    with av.open(str(small)) as source, av.open(str(out), "w") as target:
        stream = target.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "veryfast", "g": "15"}
        for frame in source.decode(video=0):
            canvas = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
            canvas[:, round(OFFSET):round(OFFSET) + width] = cv2.resize(frame.to_ndarray(format="rgb24"),
                                                                        (width, HEIGHT))
            for packet in stream.encode(av.VideoFrame.from_ndarray(canvas, format="rgb24")):
                target.mux(packet)
        for packet in stream.encode(None):
            target.mux(packet)
    return out


def make_project(root: Path):
    samples = []
    for seed, quality, name in ((3, 0.15, "ana-105B-poor"), (4, 0.95, "ben-105B-clean")):
        sample = synthetic_dive(seed, quality, "105B").sample
        keypoints = sample.keypoints.copy()
        small = write_dive_video(root / f"{name}-720p.mp4", keypoints)
        keypoints[..., :2] = keypoints[..., :2] * SCALE + np.array([OFFSET, 0.0])
        samples.append((sample.__class__(**{**sample.__dict__, "key": name, "keypoints": keypoints}),
                        upscaled(small, root / f"{name}.mp4")))
    project = Project.create(root / "project")
    for sample, video in samples:
        project.add_video(video, name=sample.key)
    project_io.import_sequences(project, [as_sequence(s, with_score=False, with_stages=False) for s, _ in samples],
                                fps=30.0)
    project.history.apply(mark_exemplar(1, 2))
    return project


def report_seconds(project, root: Path) -> float:
    started = time.perf_counter()
    analyze(project, 1)
    write_report(project, 1, root / "report.pdf")
    return time.perf_counter() - started


def side_by_side_steps(project, steps: int) -> list[float]:
    """Milliseconds from asking for the next frame to both sides on screen, overlays on."""
    from PySide6.QtWidgets import QApplication

    from app.ui.side_by_side import SideBySide

    app = QApplication.instance() or QApplication(sys.argv[:1])
    view = SideBySide(project, 1, 2)
    view.overlay.setChecked(True)
    view.show()
    shown: list[tuple[int, int]] = []
    view.framesShown.connect(lambda a, b: shown.append((a, b)))

    def wait_for(frame: int) -> None:
        deadline = time.perf_counter() + 30
        while not shown or shown[-1][0] != frame:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"frame {frame} was not shown within 30 s")
            app.processEvents()
            time.sleep(0.0005)

    try:
        wait_for(0)
        times = []
        for frame in range(1, min(steps, view.clip.frame_count - 1) + 1):
            started = time.perf_counter()
            view.player.seek(frame)
            wait_for(frame)
            times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        view.close()
        app.processEvents()


def render_speed(project, render, out: Path) -> tuple[float, float]:
    clip = project.clip(1)
    started = time.perf_counter()
    render(out)
    took = time.perf_counter() - started
    return took, clip.frame_count / clip.fps / took


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60, help="side-by-side steps to time")
    args = parser.parse_args()
    print(f"CPUs available: {len(os.sched_getaffinity(0))}; clips 1920x1080 at 30 fps")
    with tempfile.TemporaryDirectory(prefix="plumb-coach-bench-") as folder:
        root = Path(folder)
        with make_project(root) as project:
            frames = project.clip(1).frame_count
            took = report_seconds(project, root)
            print(f"report (analysis + PDF)      {took:7.2f} s        target <= 5 s      ratio {took / 5:.2f}")
            steps = side_by_side_steps(project, args.steps)
            p50, p95 = statistics.median(steps), percentile(steps, 95)
            print(f"side-by-side step, 1080p     p50 {p50:5.1f} ms  p95 {p95:5.1f} ms  target <= 40 ms  "
                  f"ratio {p50 / 40:.2f} / {p95 / 40:.2f}  ({len(steps)} steps, both overlays)")
            for name, render in (
                ("render alone, 1080p", lambda out: render_overlay(project, 1, out)),
                ("render side by side", lambda out: render_side_by_side(project, 1, 2, out)),
            ):
                took, speed = render_speed(project, render, root / "out.mp4")
                print(f"{name:<28} {took:7.2f} s  {speed:4.2f}x real time  ({frames} frames)  "
                      f"target >= 0.5x  ratio {speed / 0.5:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
