"""Speed and memory of `plumb pose` against the backend alone and decoding alone.

    .venv/bin/python benchmarks/pose.py [VIDEO] [--frames N] [--long N] [--backend NAME]
                                        [--landmarks auto|full|heavy]

All three are measured in this run on the same frames:
  decode only      FrameSource sequential RGB frames
  backend alone    backend.detect on frames decoded beforehand (held in memory)
  plumb pose       the whole pipeline: decode, detect, track, convert, merge, write to SQLite
Both are timed after their first frame (loading the models is not a per-frame cost).
Target: pipeline time per frame at most 1.5 x the backend alone. --landmarks heavy has every
followed frame read again with BlazePose heavy (auto does so only on a GPU).
--long N generates an N-frame 1080p clip (the input played back and forth) and reports RSS
as `plumb pose` runs over it. Target: growth at most 100 MB after the first 500 frames.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import av  # noqa: E402
import numpy as np  # noqa: E402

from app.auto_annotate import PoseOptions, pose_clip  # noqa: E402
from app.media.frame_source import FrameSource  # noqa: E402
from app.project import Project  # noqa: E402
from inference.pose.backends import make_backend  # noqa: E402

DEFAULT_VIDEO = REPO.parent / "shared" / "data" / "phalp-running" / "vid.mp4"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def decode_only(video: Path, frames: int) -> float:
    with FrameSource(video) as source:
        start = time.perf_counter()
        for i in range(frames):
            source.frame(i)
        return (time.perf_counter() - start) / frames


def backend_alone(video: Path, frames: int, backend_name: str) -> float:
    with FrameSource(video) as source:
        images = [np.array(source.frame(i)) for i in range(frames)]
        fps = source.info.fps
    backend = make_backend(backend_name, mode="video")
    backend.detect(images[0], 0)  # model load and first-call set-up are not per-frame costs
    start = time.perf_counter()
    for i, image in enumerate(images[1:], start=1):
        backend.detect(image, int(i * 1000 / fps))
    elapsed = time.perf_counter() - start
    backend.close()
    return elapsed / (frames - 1)


def pipeline(video: Path, frames: int, backend_name: str, workdir: Path, rss_every: int = 0,
             landmarks: str = "auto") -> tuple[float, list]:
    project = Project.create(workdir / f"bench-{frames}")
    clip = project.add_video(video)
    samples: list[tuple[int, float]] = []
    first: list[tuple[int, float]] = []  # (frames done, time) at the first report

    def progress(done: int, total: int) -> None:
        if not first:
            first.append((done, time.perf_counter()))
        if rss_every and (done % rss_every == 0 or done == total):
            samples.append((done, rss_mb()))

    stop_at = frames
    options = PoseOptions(backend=backend_name, landmarks=landmarks)
    counter = {"n": 0}

    def cancel() -> bool:
        counter["n"] += 1
        return counter["n"] > stop_at

    pose_clip(project, clip, options, progress=progress, cancel=cancel if frames < clip.frame_count else None)
    end = time.perf_counter()
    project.close()
    # From the first frame's report on, as the backend alone is timed after its first call:
    # loading the models is not a per-frame cost.
    done_first, start = first[0]
    return (end - start) / max(frames - done_first, 1), samples


def long_clip(video: Path, frames: int, target: Path) -> Path:
    """The input played forwards and backwards until `frames` frames (H.264, ultrafast)."""
    with FrameSource(video) as source:
        order = list(range(len(source))) + list(range(len(source) - 2, 0, -1))
        with av.open(str(target), "w") as out:
            stream = out.add_stream("libx264", rate=round(source.info.fps))
            stream.width, stream.height = source.info.width, source.info.height
            stream.pix_fmt = "yuv420p"
            stream.options = {"preset": "ultrafast", "crf": "23"}
            for i in range(frames):
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(source.frame(order[i % len(order)])), format="rgb24")
                out.mux(stream.encode(frame))
            out.mux(stream.encode(None))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--long", type=int, default=0, help="frames of the long memory run (e.g. 5000)")
    parser.add_argument("--backend", default="mediapipe")
    parser.add_argument("--landmarks", default="auto", choices=("auto", "full", "heavy"))
    args = parser.parse_args()
    if not args.video.exists():
        sys.exit(f"{args.video} not found; pass a 1080p video")
    with FrameSource(args.video) as source:
        info = source.info
    frames = min(args.frames, info.frame_count)
    print(f"{args.video.name}: {info.width}x{info.height}, {info.frame_count} frames; {os.cpu_count()} CPUs; "
          f"backend {args.backend}; landmarks {args.landmarks}; {frames} frames per measurement")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t_decode = decode_only(args.video, frames)
        t_backend = backend_alone(args.video, frames, args.backend)
        t_pipeline, _ = pipeline(args.video, frames, args.backend, work, landmarks=args.landmarks)
        print(f"{'decode only':<28}{t_decode * 1000:8.1f} ms/frame {1 / t_decode:8.1f} fps")
        print(f"{'backend alone':<28}{t_backend * 1000:8.1f} ms/frame {1 / t_backend:8.1f} fps")
        print(f"{'plumb pose (pipeline)':<28}{t_pipeline * 1000:8.1f} ms/frame {1 / t_pipeline:8.1f} fps")
        print(f"{'pipeline / backend alone':<28}{t_pipeline / t_backend:8.2f} x   (target <= 1.5)")
        if args.long:
            print(f"generating a {args.long}-frame clip ...", flush=True)
            clip = long_clip(args.video, args.long, work / "long.mp4")
            t_long, samples = pipeline(clip, args.long, args.backend, work, rss_every=500, landmarks=args.landmarks)
            base = next((rss for done, rss in samples if done >= 500), samples[0][1])
            print(f"long run: {args.long} frames, {t_long * 1000:.1f} ms/frame")
            print("RSS MB: " + ", ".join(f"{done}: {rss:.0f}" for done, rss in samples))
            print(f"RSS growth after frame 500: {samples[-1][1] - base:+.0f} MB (target <= 100)")


if __name__ == "__main__":
    main()
