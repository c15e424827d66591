"""Time one "next frame" step of the annotation canvas at 1080p: decode, skeleton update, paint.

    python -m benchmarks.ui_step [VIDEO] [--steps 200]

Uses ../shared/data/phalp-running/vid.mp4 when present, else writes a 1080p clip of its own.
Prints p50/p95 of the full step and of decode alone (same run, same frames). Target: <= 30 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "phalp-running" / "vid.mp4"


def _generated(folder: Path, frames: int) -> Path:
    import av

    path = folder / "generated-1080p.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("h264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        yy, xx = np.mgrid[0:1080, 0:1920]
        for i in range(frames):
            img = np.stack([(xx + 3 * i) % 256, (yy + 2 * i) % 256, (xx + yy) % 256], -1).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?")
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    from app.edits import combine, set_box, set_keypoints
    from app.media.frame_source import FrameSource
    from app.project import Project
    from app.ui.editing import FrameEditor
    from app.ui.frame_loader import rgb_to_qimage
    from app.ui.undo import StoreSignals, UndoStack
    from app.ui.video_view import VideoView
    from inference.provenance import JointSource

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(args.video) if args.video else SHARED if SHARED.exists() else _generated(Path(tmp), args.steps + 1)
        project = Project.create(Path(tmp) / "project")
        clip = project.add_video(video)
        steps = min(args.steps, clip.frame_count - 1)
        rng = np.random.default_rng(0)
        edits = []
        for f in range(steps + 1):
            kp = np.concatenate([rng.uniform(200, 900, (16, 2)), rng.uniform(0.1, 1, (16, 1))], axis=1)
            edits += [set_keypoints(clip.id, f, kp, schema="mpii16", source=JointSource.MODEL),
                      set_box(clip.id, f, (150, 150, 950, 950), schema="mpii16")]
        project.history.apply(combine("benchmark poses", edits))

        view = VideoView()
        view.resize(1280, 760)
        view.show()
        stack, signals = UndoStack(), StoreSignals()
        stack.set_project(project)
        editor = FrameEditor(view, stack, signals)
        editor.set_clip(project, clip)
        editor.set_onion_skin(True)
        source = FrameSource(video)
        app.processEvents()

        full, decode = [], []
        for f in range(steps):
            t0 = time.perf_counter()
            image = rgb_to_qimage(source.frame(f))
            t1 = time.perf_counter()
            view.show_image(image)
            editor.set_frame(f)
            view.viewport().repaint()
            t2 = time.perf_counter()
            decode.append(t1 - t0)
            full.append(t2 - t0)
        source.close()
        view.close()
        project.close()

    def ms(values: list[float], q: float) -> float:
        return 1000 * float(np.percentile(values[1:], q))  # the first step opens the decoder

    print(f"video: {video.name} {clip.width}x{clip.height}, {steps} steps, onion skin on")
    print(f"decode only      p50 {ms(decode, 50):6.1f} ms   p95 {ms(decode, 95):6.1f} ms")
    print(f"decode+draw+paint p50 {ms(full, 50):6.1f} ms   p95 {ms(full, 95):6.1f} ms   (target <= 30 ms)")
    print(f"canvas overhead  p50 {ms(full, 50) - ms(decode, 50):6.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
