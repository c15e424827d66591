"""The dive reader (inference.action.dive_reading) on dives of known number, then on two real
clips.

1. Generated dives (inference.action.synthetic_dives): every kind in EVERY_KIND (all groups
   and positions, twisting and armstand dives), several seeds, filmed with the water on
   either side, under conditions a pose model and a broadcast camera make: clean; jitter,
   missing joints and left/right swaps; frames lost; a camera following the diver (read with
   and without the camera's measured motion); 25 fps; a small athlete; an oblique view.
   Per part: read and right / read and wrong / unsure; per dive number likewise.
2. Real clips, posed by Plumb's pose pipeline (as ``plumb detect``): the 10 m dive of MTL-AQA's sample GIF and the
   flip of Sports2D's demo (../shared/data), with the camera's motion measured on the
   frames. The stages are given from looking at the frames (printed), since the dive stage
   rules need the water; the reading is printed to be checked against the frames.

    .venv/bin/python benchmarks/action.py [--seeds N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.auto_annotate import PoseOptions, detect_to_file  # noqa: E402
from benchmarks.pose_video import CLIPS, read_frames  # noqa: E402
from inference.action.camera_path import background_motion  # noqa: E402
from inference.action.dive_reading import read_dive  # noqa: E402
from inference.action.synthetic_dives import EVERY_KIND, generate_dive  # noqa: E402

PARTS = ("group", "somersaults", "twists", "position")
CONDITIONS = {
    "clean": {},
    "pose model errors (3 px jitter, 10% joints missing, 5% swaps)": dict(jitter_px=3.0, missing=0.1, swaps=0.05),
    "15% of frames lost": dict(lost_frames=0.15),
    "camera follows, its motion given": dict(camera_follow=True),
    "camera follows, its motion not given": dict(camera_follow=True, drop_camera=True),
    "25 fps": dict(fps=25.0),
    "small athlete (25 px torso, 2 px jitter)": dict(torso_px=25.0, jitter_px=2.0),
    "oblique view (35 degrees off the side)": dict(yaw_deg=35.0),
}
# Stage transitions (take-off end, flight end) read off contact sheets of the clips.
REAL_STAGES = {
    "dive (MTL-AQA sample)": ((4, 17), "a handstand on the platform (frames 0-3), somersaults, entry at 17"),
    "backflip (Sports2D demo)": ((161, 184), "faces right and leans in from 144, feet leave the wall at 161, "
                                             "tucked upside down at 177, lands about 184"),
}


def truth(dive) -> dict:
    return {"group": dive.direction, "somersaults": dive.half_somersaults, "twists": dive.half_twists,
            "position": dive.position}


def generated(seeds: int) -> None:
    print(f"Generated dives: {len(EVERY_KIND)} dive numbers x {seeds} seeds x water on either side")
    print("  read right / read wrong / unsure, per part and for the whole number\n")
    for name, options in CONDITIONS.items():
        options = dict(options)
        drop_camera = options.pop("drop_camera", False)
        counts = {part: Counter() for part in PARTS + ("number",)}
        reading_seconds, n = 0.0, 0
        for code in EVERY_KIND:
            for seed in range(seeds):
                for water_on_right in (True, False):
                    made = generate_dive(code, seed, water_on_right=water_on_right, **options)
                    camera = None if drop_camera else made.camera
                    started = time.perf_counter()
                    reading = read_dive(made.sample.keypoints, "mpii16", made.sample.transitions,
                                        fps=made.sample.fps, camera=camera)
                    reading_seconds += time.perf_counter() - started
                    n += 1
                    expected = truth(made.dive)
                    for part in PARTS:
                        p = reading.parts[part]
                        counts[part]["unsure" if not p.sure else "right" if p.value == expected[part] else "wrong"] += 1
                    counts["number"]["unsure" if reading.code is None else
                                     "right" if reading.code == made.dive.code else "wrong"] += 1
        cells = "  ".join(f"{part} {c['right']:3d}/{c['wrong']:2d}/{c['unsure']:3d}" for part, c in counts.items())
        print(f"  {name}\n    {cells}   ({1000 * reading_seconds / n:.1f} ms to read a dive)")


def real() -> None:
    print("\nReal clips (poses from Plumb's pipeline, camera motion measured on the frames)")
    for name, path in CLIPS.items():
        if not path.is_file():
            print(f"  {name}: {path} is absent; skipped")
            continue
        frames = read_frames(path)
        with tempfile.TemporaryDirectory() as tmp:
            detect_to_file(path, Path(tmp) / "poses.json", PoseOptions())
            posed = json.loads((Path(tmp) / "poses.json").read_text())["frames"]
        keypoints = np.full((len(posed), 16, 3), np.nan, np.float32)
        keypoints[..., 2] = 0.0
        for frame in posed:
            if frame["keypoints"] is not None:
                keypoints[frame["index"]] = np.array(frame["keypoints"], dtype=np.float32).reshape(16, 3)
        start = time.perf_counter()
        camera = background_motion(frames, [frame["bbox"] for frame in posed])
        motion_ms = 1000 * (time.perf_counter() - start) / len(frames)
        transitions, seen = REAL_STAGES[name]
        fps = 30.0
        for label, motion in (("with the camera's motion", camera), ("without it", None)):
            reading = read_dive(keypoints, "mpii16", transitions, fps=fps, camera=motion)
            print(f"  {name}, stages {transitions} ({seen}), {label}:")
            print(f"    read {reading.code or 'unsure'} (best guess {reading.guess}, {reading.description}), "
                  f"confidence {reading.confidence:.2f}")
            for part, p in reading.parts.items():
                print(f"      {part:11s} {str(p.value):8s} {p.confidence:.2f}  frames {p.frames}: {p.evidence}")
        print(f"    camera motion: {motion_ms:.1f} ms a frame")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-real", action="store_true", help="only the generated dives")
    args = parser.parse_args()
    generated(args.seeds)
    if not args.no_real:
        real()


if __name__ == "__main__":
    main()
