"""Learning a clip from one frame in ten: the predict -> correct -> retrain loop on Sports2D's
demo (jumping jacks, a backflip, walking), run through the product's own project: `plumb pose`,
corrections, `plumb pose --rerun` (which the corrections steer) and `train_pose_model`.

No person labelled this clip, so BlazePose heavy plays the annotator: its reading of every
frame (followed through the clip with --landmarks heavy) is taken as the truth. One frame in
ten with such a reading is entered as the annotator's correction after a first `plumb pose`.
Then the clip is annotated again with them in (the working layer before and after is scored
on the other frames), and the project's pose model is fine-tuned on them (held-out blocks and
all, as `plumb train --task pose` does); the bundled network and the fine-tuned one read the
other frames on the labels' regions. This measures how much of a better reader's answers a
run and a fine-tune take on from a tenth of a clip, not accuracy against people's labels.
Nothing trained here is kept.

    .venv/bin/python benchmarks/pose_finetune_clip.py [--every 10] [--epochs 8]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.auto_annotate import PoseOptions, pose_clip  # noqa: E402
from app.edits import set_keypoints  # noqa: E402
from app.errors import PlumbError  # noqa: E402
from app.pose_model import load_project_network, train_pose_model  # noqa: E402
from app.project import Project  # noqa: E402
from app.store import queries  # noqa: E402
from benchmarks.pose_video import read_frames  # noqa: E402
from inference.metrics.keypoints import head_error, pckh  # noqa: E402
from inference.pose.blazepose import LandmarkRunner  # noqa: E402
from inference.pose.landmark_finetune import FinetuneConfig, LabelledFrame, compact, predict_in_regions  # noqa: E402
from inference.pose.landmark_models import heavy_model  # noqa: E402
from inference.pose.mediapipe_backend import MediaPipePose  # noqa: E402
from inference.pose.pipeline import PoseRunner  # noqa: E402

VIDEO = REPO.parent / "shared" / "data" / "sports2d-demo" / "demo.mp4"
# A teacher's joint below this confidence is not entered as a correction nor scored.
SURE = 0.5


def teacher_labels(frames: list[np.ndarray]) -> np.ndarray:
    """(T, 16, 3) heavy's MPII-16 reading of each frame (NaN where the athlete was lost)."""
    height, width = frames[0].shape[:2]
    labels = np.full((len(frames), 16, 3), np.nan)
    with MediaPipePose(mode="video", upright=True, device="cpu", landmarks="heavy") as backend:
        runner = PoseRunner(backend, "mpii16", image_size=(width, height))
        stream = ((i, rgb, round(i * 1000 / 30)) for i, rgb in enumerate(frames))
        for result in runner.run(stream, lambda i: frames[i]):
            if result.keypoints is not None:
                labels[result.frame] = result.keypoints
    return labels


def scored(labels: np.ndarray) -> list[int]:
    """Frames whose reading can be scored: the head sure (PCKh's scale) and most joints sure."""
    sure = np.nan_to_num(labels[..., 2]) >= SURE
    return [i for i in range(len(labels)) if sure[i, [8, 9]].all() and sure[i].sum() >= 12]


def working_poses(project: Project, clip_id: int, count: int) -> np.ndarray:
    """(count, 16, 3) the clip's working layer (NaN where it has no pose)."""
    with project.store.reading() as session:
        track = queries.pose_track(session, clip_id)
    poses = np.full((count, 16, 3), np.nan)
    poses[track.frames] = track.keypoints
    return poses


def report(name: str, predicted: np.ndarray, truth: np.ndarray, labelled: np.ndarray) -> tuple[float, float]:
    scores = pckh(predicted, truth, labelled).overall, head_error(predicted, truth, labelled)
    print(f"  {name:<26} PCKh@0.5 {scores[0]:.3f}   mean error {scores[1]:.3f} head lengths")
    return scores


def epoch_line(epoch) -> None:
    print(f"  epoch {epoch.epoch}: held-out PCKh {epoch.val_pckh:.3f}, error {epoch.val_error:.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=int, default=10, help="one corrected frame in this many")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--patience", type=int, default=FinetuneConfig.patience)
    args = parser.parse_args()
    if not VIDEO.is_file() or heavy_model() is None:
        print(f"needs {VIDEO} and the heavy network (packaging/setup.sh); nothing measured")
        return
    frames = read_frames(VIDEO)
    start = time.perf_counter()
    labels = teacher_labels(frames)
    print(f"teacher (heavy, every frame): {time.perf_counter() - start:.0f} s")
    usable = scored(labels)
    corrected = usable[::args.every]
    others = [i for i in usable if i not in set(corrected)]
    with tempfile.TemporaryDirectory() as folder:
        project = Project.create(Path(folder) / "clip")
        try:
            clip = project.add_video(VIDEO)
            pose_clip(project, clip, PoseOptions())
            first_run = working_poses(project, clip.id, len(frames))
            for f in corrected:
                sure = np.flatnonzero(np.nan_to_num(labels[f, :, 2]) >= SURE)
                joints = {int(j): (float(labels[f, j, 0]), float(labels[f, j, 1])) for j in sure}
                project.history.apply(set_keypoints(clip.id, f, joints, schema="mpii16"))
            start = time.perf_counter()
            pose_clip(project, clip, PoseOptions(rerun=True))
            print(f"plumb pose --rerun with {len(corrected)} corrections (one frame in {args.every}): "
                  f"{time.perf_counter() - start:.0f} s")
            rerun = working_poses(project, clip.id, len(frames))
            truth, sure = labels[others, :, :2], np.nan_to_num(labels[others, :, 2]) >= SURE
            print(f"the working layer on the other {len(others)} frames, against heavy's reading:")
            before = report("first run", first_run[others], truth, sure)
            after = report("run again, corrections in", rerun[others], truth, sure)
            print(f"  error ratio after / before: {after[1] / before[1]:.2f}")
            start = time.perf_counter()
            try:
                outcome = train_pose_model(project, FinetuneConfig(epochs=args.epochs, patience=args.patience),
                                           progress=epoch_line)
            except PlumbError as exc:  # no better than the bundled network on its held-out frames
                print(f"fine-tuning kept nothing ({time.perf_counter() - start:.0f} s): {exc}")
                return
            seconds = time.perf_counter() - start
            tuned = load_project_network(project)
        finally:
            project.close()
    m = outcome.metrics
    print(f"{len(corrected)} corrected frames (one in {args.every}): {m['n_train']} trained on, {m['n_val']} held out; "
          f"fine-tuning {seconds:.0f} s, best epoch {m['best_epoch']}")
    test = [compact(LabelledFrame(frames[i], labels[i, :, :2], np.nan_to_num(labels[i, :, 2]) >= SURE, "mpii16"))
            for i in others]
    truth = np.stack([f.keypoints for f in test])
    labelled = np.stack([f.labelled for f in test])
    print(f"the other {len(test)} frames on the labels' regions, against heavy's reading:")
    readers = {"bundled": LandmarkRunner.for_inference(), "fine-tuned": LandmarkRunner.for_inference(tuned)}
    results = {name: report(name, predict_in_regions(runner, test, "mpii16"), truth, labelled)
               for name, runner in readers.items()}
    print(f"  error ratio fine-tuned / bundled: {results['fine-tuned'][1] / results['bundled'][1]:.2f}")


if __name__ == "__main__":
    main()
