"""Following the athlete with the upright landmark network, on a real clip (Sports2D's demo:
jumping jacks, backlit, then a backflip): the body's region is followed from frame to frame,
and never onto the walker who crosses the picture. (benchmarks/pose_video.py compares the whole
clip before and after.)"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.pose.mediapipe_backend import MediaPipePose
from inference.pose.pipeline import PoseRunner
from tests.conftest import shared_data

FIRST, LAST = 30, 95  # the athlete is the only one moving at the start; the walker enters later


def _frames(first: int = FIRST, last: int = LAST) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(shared_data("sports2d-demo", "demo.mp4")))
    frames = []
    for index in range(last):
        ok, bgr = capture.read()
        assert ok, f"frame {index} could not be decoded"
        if index >= first:
            # Half size: the test is about following, and half the pixels decode and run faster.
            frames.append(cv2.cvtColor(cv2.resize(bgr, None, fx=0.5, fy=0.5), cv2.COLOR_BGR2RGB))
    capture.release()
    return frames


def _run(frames: list[np.ndarray], upright: bool):
    height, width = frames[0].shape[:2]
    with MediaPipePose(mode="video", upright=upright, device="cpu") as backend:
        runner = PoseRunner(backend, "mpii16", image_size=(width, height))
        stream = ((i, rgb, round(i * 1000 / 30)) for i, rgb in enumerate(frames))
        return list(runner.run(stream, lambda i: frames[i]))


@pytest.mark.shared_data
@pytest.mark.slow
def test_following_keeps_the_athlete_and_never_takes_the_walker() -> None:
    frames = _frames()
    after = _run(frames, upright=True)
    found = sum(r.keypoints is not None for r in after)
    assert found >= 0.85 * len(frames)
    # Every pose is the athlete's: on the platform in the left half of the picture, not the
    # walker lower right.
    for result in after:
        if result.bbox is not None:
            cx, cy = (result.bbox[0] + result.bbox[2]) / 2, (result.bbox[1] + result.bbox[3]) / 2
            assert 250 <= cx <= 500 and cy < 300, (result.frame, result.bbox)


@pytest.mark.shared_data
def test_a_one_frame_shot_of_a_video_is_searched_as_a_still() -> None:
    """Frame 12 of MTL-AQA's dive (a cut to a new camera, the diver piked in mid-air): read as
    a still by the backend that follows the clip, the diver is found as by an image-mode
    backend. Fed through the video's runners, each turn followed the body of the turn before
    and the diver was lost."""
    from PIL import Image, ImageSequence

    from inference.pose.still import find_person

    with Image.open(shared_data("MTL-AQA", "media", "diving_sample.gif")) as gif:
        frame = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)][12]
    found = {}
    for mode in ("image", "video"):
        with MediaPipePose(mode=mode, upright=True, device="cpu") as backend:
            found[mode] = find_person(frame, backend, backend.upright, windows=False)
    assert found["image"] is not None and found["video"] is not None
    np.testing.assert_allclose(found["video"].keypoints, found["image"].keypoints)
    x1, y1, x2, y2 = found["video"].bbox
    assert 200 < (x1 + x2) / 2 < 350 and 100 < (y1 + y2) / 2 < 220  # the diver, mid-picture


@pytest.mark.shared_data
@pytest.mark.slow
def test_followed_frames_are_read_with_heavy_where_the_choice_says() -> None:
    """auto on a CPU reads again only the frames full is unsure of, heavy every frame, full
    none; what is reported is the heavy reading, while the athlete is followed as before."""
    from inference.pose.landmark_models import heavy_model
    from inference.pose.still import SURE_SCORE

    if heavy_model() is None:
        pytest.skip("the heavy landmark network is not installed (packaging/setup.sh fetches it)")
    frames = _frames(85, 115)  # the last jumping jacks (read surely) and the run-up to the flip
    height, width = frames[0].shape[:2]
    runs = {}
    for choice in ("full", "auto", "heavy"):
        with MediaPipePose(mode="video", device="cpu", landmarks=choice) as backend:
            read, asked = backend.upright.read, []

            def counted(image, found, min_flag, read=read, asked=asked):
                answer = read(image, found, min_flag)
                asked.append((found.score, answer))
                return answer

            backend.upright.read = counted
            runner = PoseRunner(backend, "mpii16", image_size=(width, height))
            results = list(runner.run(((i, rgb, round(i * 1000 / 30)) for i, rgb in enumerate(frames)),
                                      lambda i: frames[i]))
        runs[choice] = (results, asked)
    assert runs["full"][1] == []
    heavy_results, heavy_asked = runs["heavy"]
    assert len(heavy_asked) >= 25  # every refined frame
    unsure = sum(score < SURE_SCORE for score, _ in heavy_asked)
    assert 0 < unsure < len(heavy_asked)
    assert all(score < SURE_SCORE for score, _ in runs["auto"][1]) and len(runs["auto"][1]) == unsure
    # The same frames have the athlete; the heavy run reports other joints than the full one.
    assert [r.keypoints is None for r in heavy_results] == [r.keypoints is None for r in runs["full"][0]]
    moved = [np.nanmedian(np.linalg.norm(h.keypoints[:, :2] - f.keypoints[:, :2], axis=1))
             for h, f in zip(heavy_results, runs["full"][0]) if h.keypoints is not None]
    assert np.median(moved) > 0.5


@pytest.mark.shared_data
def test_a_shot_whose_only_detection_is_no_body_is_lost() -> None:
    """The last shot of MTL-AQA's dive (frames 16-20, the diver entering the water): MediaPipe's
    detector finds only the broadcaster's logo in the corner of the picture. The fast landmark
    network takes it for a body on frames 18 and 20 (flag 0.8-1.0); the accurate one, which has
    the last word, sees none (0.0). Chosen automatically as the athlete, it was reported."""
    from PIL import Image, ImageSequence

    from inference.pose.landmark_models import heavy_model

    if heavy_model() is None:
        pytest.skip("the heavy landmark network is not installed (packaging/setup.sh fetches it)")

    with Image.open(shared_data("MTL-AQA", "media", "diving_sample.gif")) as gif:
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)][16:]
    height, width = frames[0].shape[:2]
    with MediaPipePose(mode="video", device="cpu") as backend:
        runner = PoseRunner(backend, "mpii16", image_size=(width, height))
        results = list(runner.run(((i, rgb, round(i * 1000 / 30)) for i, rgb in enumerate(frames)),
                                  lambda i: frames[i]))
    assert sum(r.people for r in results) >= 1, "the detector does report something"
    assert all(r.keypoints is None and r.status == "lost" for r in results)
