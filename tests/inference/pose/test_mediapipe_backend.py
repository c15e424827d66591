"""MediaPipe pose backend: the offline .task bundle, and the real models on real images.

Tests reading ../shared/data skip when it is absent; the bundle, blank-image, timestamp,
fallback and geometry tests always run (they need only the mediapipe wheel).
"""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

import numpy as np
import pytest

from inference.pose import mediapipe_backend, mediapipe_bundle
from inference.pose.base import PersonPose, PoseBackend, PoseBackendError
from inference.pose.mediapipe_backend import MediaPipePose, _unrotate
from inference.pose.mediapipe_runners import is_noise
from inference.pose.mediapipe_bundle import (
    DETECTOR_MEMBER,
    LANDMARKS_MEMBER,
    pose_task_bundle,
)
from inference.skeletons import COCO17, MEDIAPIPE33
from tests.conftest import shared_data

# MediaPipe index of each COCO-17 joint (same names in both schemas).
MP_OF_COCO = np.array([MEDIAPIPE33.index(name) for name in COCO17.joint_names])


# ------------------------------------------------------------------------------------------
# fixtures
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private bundle cache: tests never write to the user's cache directory."""
    return tmp_path_factory.mktemp("plumb-models")


@pytest.fixture(scope="module")
def image_backend(cache_dir: Path):
    with MediaPipePose(mode="image", cache_dir=cache_dir) as backend:
        yield backend


def _coco() -> tuple[Path, dict]:
    folder = shared_data("mmpose-testdata", "coco")
    return folder, json.loads((folder / "test_coco.json").read_text())


def _rgb(path: Path) -> np.ndarray:
    import cv2

    bgr = cv2.imread(str(path))
    assert bgr is not None, path
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _coco_image(image_id: int) -> tuple[np.ndarray, list[dict]]:
    """RGB image and its annotated people (at least 10 labelled joints)."""
    folder, coco = _coco()
    info = next(im for im in coco["images"] if im["id"] == image_id)
    anns = [a for a in coco["annotations"]
            if a["image_id"] == image_id and a["num_keypoints"] >= 10]
    return _rgb(folder / info["file_name"]), anns


def _xyxy(ann: dict) -> tuple[float, float, float, float]:
    x, y, w, h = ann["bbox"]
    return (x, y, x + w, y + h)


def _relative_error(pose: PersonPose, ann: dict) -> float:
    """Median distance of the labelled COCO joints, as a share of the person's box size."""
    gt = np.asarray(ann["keypoints"], dtype=float).reshape(17, 3)
    labelled = gt[:, 2] > 0
    ours = pose.keypoints[MP_OF_COCO][labelled, :2]
    distance = np.linalg.norm(ours - gt[labelled, :2], axis=1)
    _, _, w, h = ann["bbox"]
    return float(np.median(distance) / max(w, h))


def _iou(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _assert_valid(pose: PersonPose, shape: tuple[int, ...]) -> None:
    assert pose.schema == "mp33"
    assert pose.keypoints.shape == (33, 3) and pose.keypoints.dtype == np.float32
    assert np.isfinite(pose.keypoints).all()
    assert ((pose.keypoints[:, 2] >= 0) & (pose.keypoints[:, 2] <= 1)).all()
    assert 0.0 <= pose.score <= 1.0
    x1, y1, x2, y2 = pose.bbox
    assert 0 <= x1 < x2 <= shape[1] and 0 <= y1 < y2 <= shape[0]


# ------------------------------------------------------------------------------------------
# the bundle (always runs)
# ------------------------------------------------------------------------------------------


def test_bundle_is_built_then_reused(tmp_path: Path):
    path = pose_task_bundle(tmp_path)
    assert path.parent == tmp_path and path.suffix == ".task"
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == sorted([DETECTOR_MEMBER, LANDMARKS_MEMBER])
        assert z.testzip() is None
    stamp = path.stat().st_mtime_ns
    assert pose_task_bundle(tmp_path) == path
    assert path.stat().st_mtime_ns == stamp  # not rewritten
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary files left


def test_bundle_feeds_each_network_as_mediapipe_does(tmp_path: Path):
    """The person detector was trained on RGB in [-1, 1] (MediaPipe's pose_detection graph), the
    landmark network on RGB in [0, 1]: the Tasks API scales its input by the member's metadata.
    Fed [0, 1], the detector missed more people (on 200 LSPET images, 21 instead of 17 found
    nobody) and the still search looked at more turns."""
    from mediapipe.tasks.python.metadata.metadata import MetadataDisplayer

    with zipfile.ZipFile(pose_task_bundle(tmp_path)) as z:
        normalisation = {}
        for member in (DETECTOR_MEMBER, LANDMARKS_MEMBER):
            metadata = json.loads(MetadataDisplayer.with_model_buffer(z.read(member)).get_metadata_json())
            (unit,) = metadata["subgraph_metadata"][0]["input_tensor_metadata"][0]["process_units"]
            normalisation[member] = (unit["options"]["mean"], unit["options"]["std"])
    assert normalisation == {DETECTOR_MEMBER: ([127.5], [127.5]), LANDMARKS_MEMBER: ([0.0], [255.0])}


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_bundle_is_rebuilt(tmp_path: Path, damage: str):
    path = pose_task_bundle(tmp_path)
    good = path.read_bytes()
    path.write_bytes(b"not a zip" if damage == "garbage" else good[: len(good) // 2])
    assert pose_task_bundle(tmp_path) == path
    assert path.read_bytes() == good  # the assembly is deterministic


def test_stale_bundles_are_replaced(tmp_path: Path):
    stale = tmp_path / "pose_landmarker_full-0000000000000000.task"
    stale.write_bytes(b"old")
    path = pose_task_bundle(tmp_path)
    assert path.exists() and not stale.exists()


def test_missing_mediapipe_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setattr(mediapipe_bundle.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(PoseBackendError, match="packaging/setup.sh"):
        pose_task_bundle(tmp_path)
    with pytest.raises(PoseBackendError, match="packaging/setup.sh"):
        MediaPipePose(cache_dir=tmp_path)


def test_missing_model_file_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    sources = ((DETECTOR_MEMBER, ("modules", "nowhere", "absent.tflite"), 2, (127.5, 127.5)),
               *mediapipe_bundle._SOURCES[1:])
    monkeypatch.setattr(mediapipe_bundle, "_SOURCES", sources)
    with pytest.raises(PoseBackendError, match="absent.tflite.*packaging/setup.sh"):
        pose_task_bundle(tmp_path)


# ------------------------------------------------------------------------------------------
# the backend without shared data (always runs)
# ------------------------------------------------------------------------------------------


def test_is_a_pose_backend(image_backend: MediaPipePose):
    assert isinstance(image_backend, PoseBackend)
    assert (image_backend.name, image_backend.schema) == ("mediapipe", "mp33")
    assert not image_backend.single_person and image_backend.fallback_reason is None


def test_blank_image_has_nobody(image_backend: MediaPipePose):
    blank = np.zeros((240, 320, 3), np.uint8)
    assert image_backend.detect(blank) == []
    assert image_backend.estimate(blank, (100, 60, 180, 200)) is None


def test_rejects_what_is_not_an_rgb_image(image_backend: MediaPipePose):
    with pytest.raises(ValueError, match="RGB uint8"):
        image_backend.detect(np.zeros((32, 32), np.uint8))
    with pytest.raises(ValueError, match="RGB uint8"):
        image_backend.detect(np.zeros((32, 32, 3), np.float32))
    with pytest.raises(ValueError, match="not a box"):
        image_backend.estimate(np.zeros((32, 32, 3), np.uint8), (10, 10, 5, 20))


def test_video_timestamps_need_not_increase(cache_dir: Path):
    frame = np.full((180, 320, 3), 90, np.uint8)
    with MediaPipePose(mode="video", cache_dir=cache_dir) as backend:
        for ts in (None, None, 100, 100, 40, None, 0, 10**9, 5):
            assert backend.detect(frame, ts) == []


def test_video_frames_may_change_size(cache_dir: Path):
    with MediaPipePose(mode="video", cache_dir=cache_dir) as backend:
        for ts, shape in enumerate([(180, 320, 3), (200, 200, 3), (180, 320, 3), (640, 360, 3)]):
            assert backend.detect(np.zeros(shape, np.uint8), ts * 40) == []


def test_close_is_final_and_idempotent(cache_dir: Path):
    backend = MediaPipePose(mode="image", cache_dir=cache_dir)
    backend.close()
    backend.close()
    with pytest.raises(PoseBackendError, match="closed"):
        backend.detect(np.zeros((8, 8, 3), np.uint8))


def test_falls_back_to_one_person_when_the_bundle_fails(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    def broken(cache_dir=None):
        raise PoseBackendError("cannot write the MediaPipe pose bundle")

    monkeypatch.setattr(mediapipe_backend, "pose_task_bundle", broken)
    with caplog.at_level(logging.WARNING), MediaPipePose(mode="image") as backend:
        assert backend.single_person
        assert "cannot write" in backend.fallback_reason
        assert backend.detect(np.zeros((120, 160, 3), np.uint8)) == []
    assert "falling back" in caplog.text


def test_native_log_noise_is_filtered_but_errors_are_kept():
    assert is_noise("I0000 00:00:1795432977.721604   21686 task_runner.cc:85] GPU suport")
    assert is_noise("W0000 00:00:1795432977.811286   21705 inference_feedback_manager.cc:114] x")
    assert is_noise("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.")
    assert not is_noise("E0000 00:00:1795432977.811286   21705 model.cc:12] cannot open model")
    assert not is_noise("W0000 00:00:1795432977.811286   21705 some_other.cc:3] a new warning")
    assert not is_noise("Traceback (most recent call last):")


def test_backend_start_prints_no_noise(cache_dir: Path, capfd: pytest.CaptureFixture):
    with MediaPipePose(mode="image", cache_dir=cache_dir) as backend:
        backend.detect(np.zeros((64, 64, 3), np.uint8))
    err = capfd.readouterr().err
    assert "XNNPACK" not in err and "feedback tensors" not in err


@pytest.mark.parametrize("angle", [0, 90, 180, 270])
def test_landmarks_of_a_turned_crop_map_back(angle: int):
    import cv2

    image = np.zeros((30, 40), np.uint8)
    image[7, 5] = 255  # the pixel centred on x=5.5, y=7.5
    turned = image if angle == 0 else cv2.rotate(image, mediapipe_backend._ROTATIONS[angle])
    v, u = np.argwhere(turned == 255)[0]
    h, w = turned.shape
    norm = np.array([[(u + 0.5) / w, (v + 0.5) / h, 1.0]] * 33)
    back = _unrotate(norm, angle)
    np.testing.assert_allclose(back[0, :2] * (40, 30), (5.5, 7.5), atol=1e-9)


# ------------------------------------------------------------------------------------------
# real images with ground truth (../shared/data)
# ------------------------------------------------------------------------------------------


# image id -> how many people detect() must place accurately. 197388 is a crowd of five
# overlapping skiers: MediaPipe finds three, one of them a blend of two overlapping skiers.
ACCURATE_PEOPLE = {785: 1, 40083: 2, 196141: 2, 197388: 2}


@pytest.mark.parametrize("image_id", sorted(ACCURATE_PEOPLE))
def test_detect_finds_people_near_the_ground_truth(image_backend: MediaPipePose, image_id: int):
    image, anns = _coco_image(image_id)
    poses = image_backend.detect(image)
    scores = [p.score for p in poses]
    assert scores == sorted(scores, reverse=True)
    accurate = 0
    matched = set()
    for pose in poses:
        _assert_valid(pose, image.shape)
        best = max(range(len(anns)), key=lambda i: _iou(pose.bbox, _xyxy(anns[i])))
        assert _iou(pose.bbox, _xyxy(anns[best])) > 0.3, "a person where there is nobody"
        assert best not in matched, "one person reported twice"
        matched.add(best)
        accurate += _relative_error(pose, anns[best]) < 0.1
    assert accurate >= ACCURATE_PEOPLE[image_id]


def test_tiles_find_people_the_whole_image_misses(cache_dir: Path):
    image, _ = _coco_image(196141)  # 640x429: two square tiles
    with MediaPipePose(mode="image", tiles=False, cache_dir=cache_dir) as whole:
        assert len(whole.detect(image)) == 1
    with MediaPipePose(mode="image", cache_dir=cache_dir) as tiled:
        assert len(tiled.detect(image)) == 2


def test_estimate_on_ground_truth_boxes(image_backend: MediaPipePose):
    found = errors = 0
    total = 0
    for image_id in (785, 40083, 196141, 197388):
        image, anns = _coco_image(image_id)
        for ann in anns:
            total += 1
            pose = image_backend.estimate(image, _xyxy(ann))
            if pose is None:
                continue
            found += 1
            _assert_valid(pose, image.shape)
            errors += _relative_error(pose, ann) >= 0.1
    assert total >= 10
    assert found >= 0.8 * total
    assert errors == 0


def test_detect_is_deterministic(image_backend: MediaPipePose, cache_dir: Path):
    image, _ = _coco_image(197388)
    first = image_backend.detect(image)
    with MediaPipePose(mode="image", cache_dir=cache_dir) as fresh:
        second = fresh.detect(image)
    assert len(first) == len(second) > 0
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.keypoints, b.keypoints)


def test_a_video_backend_reads_a_still_as_an_image_and_keeps_following_its_clip(cache_dir: Path):
    """A one-frame shot is searched at four turns: each turn must be read afresh, as in image
    mode, not as the next frame of a video following the people of the turn before; and the
    clip's own tracking goes on as if the still had not been read."""
    image, _ = _coco_image(785)
    clip, _ = _coco_image(197388)
    turns = [np.ascontiguousarray(np.rot90(image, k)) for k in range(4)]
    with MediaPipePose(mode="image", cache_dir=cache_dir) as still:
        expected = [still.detect(turned) for turned in turns]
    with MediaPipePose(mode="video", cache_dir=cache_dir) as video, \
            MediaPipePose(mode="video", cache_dir=cache_dir) as untouched:
        video.detect(clip, 0)
        untouched.detect(clip, 0)
        for turned, want in zip(turns, expected):
            got = video.detect_still(turned)
            assert len(got) == len(want)
            for a, b in zip(got, want):
                np.testing.assert_array_equal(a.keypoints, b.keypoints)
        after, reference = video.detect(clip, 33), untouched.detect(clip, 33)
        assert len(after) == len(reference) > 0
        for a, b in zip(after, reference):
            np.testing.assert_array_equal(a.keypoints, b.keypoints)


def test_video_mode_follows_a_person_through_odd_timestamps(cache_dir: Path):
    image, anns = _coco_image(785)
    with MediaPipePose(mode="video", cache_dir=cache_dir) as backend:
        for ts in (0, 33, 33, 10, None, 500):  # repeated, backwards, missing
            poses = backend.detect(image, ts)
            assert len(poses) == 1
            assert _relative_error(poses[0], anns[0]) < 0.1


def test_single_person_mode(cache_dir: Path):
    image, anns = _coco_image(785)
    with MediaPipePose(mode="image", single_person=True, cache_dir=cache_dir) as backend:
        assert backend.single_person
        poses = backend.detect(image)
        assert len(poses) == 1
        _assert_valid(poses[0], image.shape)
        assert _relative_error(poses[0], anns[0]) < 0.1
        pose = backend.estimate(image, _xyxy(anns[0]))
        assert pose is not None and _relative_error(pose, anns[0]) < 0.1


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((640, 480), ((0, 0, 640, 480),)),
        ((1768, 994), ((0, 0, 994, 994), (774, 0, 994, 994))),
        ((360, 640), ((0, 0, 360, 360), (0, 280, 360, 360))),
        ((2560, 1080), ((0, 0, 1080, 1080), (740, 0, 1080, 1080), (1480, 0, 1080, 1080))),
    ],
)
def test_tile_layout_covers_the_image(size, expected):
    assert mediapipe_backend._tile_layout(*size, tiles=True) == expected
    assert mediapipe_backend._tile_layout(*size, tiles=False) == ((0, 0, *size),)
