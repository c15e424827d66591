"""The ONNX top-down backend on real tiny ONNX models whose answer is known analytically.

The models (tests/helpers/tiny_pose_models.py) put joint k on the blob of colour k % 3 in
their input crop, so every test here draws red/green/blue blobs at known image pixels and
checks the joints come back on them: crop, normalisation, channel order, decoding and the
inverse warp are all exercised for real, through onnxruntime.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from inference.pose.base import PersonPose, PoseBackend, PoseBackendError
from inference.pose.onnx_backend import OnnxTopDown, choose_providers
from inference.pose.onnx_decode import (
    affine_transform,
    apply_affine,
    box_to_center_scale,
    decode_heatmaps,
    decode_simcc,
    heatmap_to_input,
    resolve_schema,
    to_keypoints,
)
from tests.helpers.tiny_pose_models import (
    build_heatmap_model,
    build_odd_model,
    build_simcc_model,
    draw_blob,
    rgb_blob_image,
)

IMAGE_SIZE = (640, 480)  # width, height


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Builds each tiny model once per module, on first use."""
    folder = tmp_path_factory.mktemp("tiny_pose_models")
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            path = folder / f"{name}.onnx"
            builders = {
                "heatmap": lambda: build_heatmap_model(path),
                "udp": lambda: build_heatmap_model(path, udp=True),
                "simcc": lambda: build_simcc_model(path),
                "simcc_yx": lambda: build_simcc_model(path, y_first=True,
                                                          output_names=("out_y", "out_x")),
                "fixed1": lambda: build_heatmap_model(path, dynamic_batch=False, batch=1),
                "fixed2": lambda: build_heatmap_model(path, dynamic_batch=False, batch=2),
                "raw_pixels": lambda: build_heatmap_model(path, mean=(0, 0, 0), std=(1, 1, 1)),
                "k16": lambda: build_heatmap_model(path, num_joints=16, input_size=(48, 64)),
                "k33": lambda: build_simcc_model(path, num_joints=33, input_size=(48, 64)),
                "k5": lambda: build_heatmap_model(path, num_joints=5, input_size=(48, 64)),
                "k133": lambda: build_simcc_model(path, num_joints=133, input_size=(48, 64)),
                "flat": lambda: build_odd_model(path, "flat"),
                "nhwc": lambda: build_odd_model(path, "nhwc"),
                "two_inputs": lambda: build_odd_model(path, "two_inputs"),
            }
            built[name] = builders[name]()
        return built[name]

    return get


def random_case(rng: np.random.Generator):
    """A box somewhere in the image and three blob centres inside it."""
    w, h = IMAGE_SIZE
    bw, bh = rng.uniform(60, 320), rng.uniform(60, 300)
    x1, y1 = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
    points = [(rng.uniform(x1 + 5, x1 + bw - 5), rng.uniform(y1 + 5, y1 + bh - 5))
              for _ in range(3)]
    return (x1, y1, x1 + bw, y1 + bh), points


def expected(points, num_joints=17) -> np.ndarray:
    return np.array([points[k % 3] for k in range(num_joints)], dtype=np.float64)


def worst_error(backend: OnnxTopDown, seed: int, trials: int = 12) -> float:
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(trials):
        box, points = random_case(rng)
        pose = backend.estimate(rgb_blob_image(IMAGE_SIZE, points), box)
        assert pose is not None
        err = np.abs(pose.keypoints[:, :2] - expected(points, len(pose.keypoints)))
        worst = max(worst, float(err.max()))
    return worst


# --------------------------------------------------------------------------------------------
# Round trip: blob in the image -> crop -> model -> decode -> image pixels
# --------------------------------------------------------------------------------------------


def test_heatmap_model_round_trip_is_sub_pixel(models):
    backend = OnnxTopDown(models("heatmap"))
    assert isinstance(backend, PoseBackend)
    assert (backend.name, backend.schema, backend.output_kind) == ("onnx", "coco17", "heatmap")
    assert backend.input_size == (192, 256)
    # DARK recovers the Gaussian peak exactly up to blur truncation and uint8 rounding.
    assert worst_error(backend, seed=1) < 0.15


def test_quarter_and_plain_argmax_are_coarser_but_within_a_cell(models):
    quarter = worst_error(OnnxTopDown(models("heatmap"), refine="quarter"), seed=2)
    plain = worst_error(OnnxTopDown(models("heatmap"), refine="none"), seed=2)
    # A heatmap cell is 4 input pixels, up to ~2.1 image pixels for these boxes.
    assert 0.15 < quarter < 3.0
    assert 0.15 < plain < 5.0


def test_simcc_model_round_trip_within_half_a_bin(models):
    backend = OnnxTopDown(models("simcc"))
    assert backend.output_kind == "simcc"
    # argmax / split ratio: +-0.25 input pixel, at most ~0.55 image pixel for these boxes.
    assert worst_error(backend, seed=3) < 0.75


def test_simcc_outputs_are_told_apart_by_name(models):
    backend = OnnxTopDown(models("simcc_yx"))  # y first in the file, named out_y / out_x
    assert worst_error(backend, seed=4, trials=4) < 0.75


def test_udp_model_needs_udp(models):
    assert worst_error(OnnxTopDown(models("udp"), udp=True), seed=5) < 0.15
    # Read with the MSRA convention the same file is off by pixels: the flag matters.
    assert worst_error(OnnxTopDown(models("udp")), seed=5) > 1.0


def test_colour_channels_reach_the_joints_in_rgb_order(models):
    backend = OnnxTopDown(models("heatmap"))
    red, green, blue = (100.0, 150.0), (200.0, 300.0), (300.0, 120.0)
    pose = backend.estimate(rgb_blob_image(IMAGE_SIZE, [red, green, blue]), (80, 100, 330, 330))
    np.testing.assert_allclose(pose.keypoints[0, :2], red, atol=0.15)
    np.testing.assert_allclose(pose.keypoints[1, :2], green, atol=0.15)
    np.testing.assert_allclose(pose.keypoints[2, :2], blue, atol=0.15)


def test_wide_and_tall_boxes_are_padded_to_the_input_aspect(models):
    backend = OnnxTopDown(models("heatmap"))
    # A wide, flat box: the crop is heightened to 3:4, so blobs above and below the box
    # (but inside the crop) are still found.
    wide = (100.0, 200.0, 500.0, 260.0)
    points = [(150.0, 120.0), (300.0, 380.0), (480.0, 230.0)]
    pose = backend.estimate(rgb_blob_image(IMAGE_SIZE, points), wide)
    np.testing.assert_allclose(pose.keypoints[:, :2], expected(points), atol=0.3)
    # A tall, thin box: widened.
    tall = (300.0, 40.0, 330.0, 440.0)
    points = [(200.0, 100.0), (430.0, 240.0), (315.0, 400.0)]
    pose = backend.estimate(rgb_blob_image(IMAGE_SIZE, points), tall)
    np.testing.assert_allclose(pose.keypoints[:, :2], expected(points), atol=0.3)


def test_box_partly_outside_the_image(models):
    backend = OnnxTopDown(models("heatmap"))
    points = [(10.0, 20.0), (60.0, 90.0), (5.0, 140.0)]
    pose = backend.estimate(rgb_blob_image(IMAGE_SIZE, points), (-80.0, -50.0, 90.0, 170.0))
    np.testing.assert_allclose(pose.keypoints[:, :2], expected(points), atol=0.3)


def test_custom_mean_and_std_are_applied(models):
    backend = OnnxTopDown(models("raw_pixels"), mean=(0, 0, 0), std=(1, 1, 1))
    assert worst_error(backend, seed=6, trials=4) < 0.15


# --------------------------------------------------------------------------------------------
# Confidence and "not found"
# --------------------------------------------------------------------------------------------


def test_confidences_are_peak_values_in_unit_interval(models):
    backend = OnnxTopDown(models("heatmap"))
    pose = backend.estimate(rgb_blob_image(IMAGE_SIZE, [(200, 200), (250, 260), (220, 300)]),
                            (150, 150, 300, 350))
    assert pose.keypoints.dtype == np.float32 and pose.keypoints.shape == (17, 3)
    conf = pose.keypoints[:, 2]
    # Peak of a Gaussian blob through the model's Gaussian: about sigma^2/(sigma^2+blob^2).
    assert np.all((conf > 0.6) & (conf <= 1.0))
    assert pose.score == pytest.approx(float(conf.mean()))
    assert pose.bbox == (150.0, 150.0, 300.0, 350.0)


def test_joints_with_nothing_to_see_are_nan_with_zero_confidence(models):
    backend = OnnxTopDown(models("heatmap"))
    image = rgb_blob_image(IMAGE_SIZE, [(200, 200), (250, 260), None])  # no blue blob
    pose = backend.estimate(image, (150, 150, 300, 350))
    blue = np.arange(17) % 3 == 2
    assert np.isnan(pose.keypoints[blue, :2]).all()
    assert (pose.keypoints[blue, 2] == 0).all()
    assert np.isfinite(pose.keypoints[~blue]).all()


def test_empty_crop_or_empty_box_gives_none(models):
    backend = OnnxTopDown(models("simcc"))
    black = np.zeros((480, 640, 3), np.uint8)
    assert backend.estimate(black, (100, 100, 200, 300)) is None
    image = rgb_blob_image(IMAGE_SIZE, [(150, 150)] * 3)
    assert backend.estimate(image, (150, 150, 150, 150)) is None
    assert backend.estimate(image, (np.nan, 0, 10, 10)) is None
    assert backend.estimate(image, (200, 200, 100, 100)) is None


def test_min_score_rejects_weak_poses(models):
    image = rgb_blob_image(IMAGE_SIZE, [(200, 200), None, None])  # a third of the joints
    assert OnnxTopDown(models("heatmap")).estimate(image, (150, 150, 300, 350)) is not None
    strict = OnnxTopDown(models("heatmap"), min_score=0.5)
    assert strict.estimate(image, (150, 150, 300, 350)) is None


# --------------------------------------------------------------------------------------------
# Batching
# --------------------------------------------------------------------------------------------


class CountingSession:
    """Wraps the real onnxruntime session and counts runs and batch sizes (a spy)."""

    def __init__(self, session):
        self._session = session
        self.batches: list[int] = []

    def run(self, names, feeds):
        self.batches.append(len(next(iter(feeds.values()))))
        return self._session.run(names, feeds)

    def __getattr__(self, name):
        return getattr(self._session, name)


def people_image(n: int):
    """n people side by side in an 800x480 image, each a 60x150 box with its own three
    blobs, spaced so that no padded crop reaches a neighbour's blobs."""
    image = np.zeros((480, 800, 3), np.uint8)
    boxes, points = [], []
    for i in range(n):
        x1, y1 = 20.0 + 150 * i, 60.0 + 10 * i
        box = (x1, y1, x1 + 60, y1 + 150)
        pts = [(x1 + 10 + 3 * i, y1 + 20 + 7 * i), (x1 + 50, y1 + 70 + 3 * i),
               (x1 + 30, y1 + 120 + 5 * i)]
        for c, (x, y) in enumerate(pts):
            draw_blob(image, x, y, channel=c)
        boxes.append(box)
        points.append(pts)
    return image, boxes, points


def check_people(poses, points):
    assert len(poses) == len(points)
    for pose, pts in zip(poses, points):
        np.testing.assert_allclose(pose.keypoints[:, :2], expected(pts), atol=0.15)


def test_dynamic_batch_runs_all_boxes_at_once(models):
    backend = OnnxTopDown(models("heatmap"))
    assert backend.dynamic_batch
    spy = backend._session = CountingSession(backend._session)
    image, boxes, points = people_image(4)
    check_people(backend.estimate_many(image, boxes), points)
    assert spy.batches == [4]


def test_max_batch_splits_runs(models):
    backend = OnnxTopDown(models("simcc"), max_batch=2)
    spy = backend._session = CountingSession(backend._session)
    image, boxes, points = people_image(5)
    poses = backend.estimate_many(image, boxes)
    assert spy.batches == [2, 2, 1]
    for pose, pts in zip(poses, points):
        np.testing.assert_allclose(pose.keypoints[:, :2], expected(pts), atol=0.75)


def test_fixed_batch_models_run_in_their_batch_size(models):
    one = OnnxTopDown(models("fixed1"))
    assert not one.dynamic_batch and one.fixed_batch == 1
    spy = one._session = CountingSession(one._session)
    image, boxes, points = people_image(3)
    check_people(one.estimate_many(image, boxes), points)
    assert spy.batches == [1, 1, 1]

    two = OnnxTopDown(models("fixed2"))
    spy = two._session = CountingSession(two._session)
    check_people(two.estimate_many(image, boxes), points)  # the last run is padded
    assert spy.batches == [2, 2]


def test_invalid_boxes_in_a_batch_are_none_and_do_not_shift_the_others(models):
    backend = OnnxTopDown(models("heatmap"))
    image, boxes, points = people_image(2)
    poses = backend.estimate_many(image, [boxes[0], (0, 0, 0, 0), boxes[1]])
    assert poses[1] is None
    check_people([poses[0], poses[2]], points)


# --------------------------------------------------------------------------------------------
# detect(): the detector's boxes, or the whole image
# --------------------------------------------------------------------------------------------


class StubDetector:
    """A detector double: returns the boxes it was given, records calls."""

    name = "stub"
    schema = "mp33"

    def __init__(self, boxes, scores):
        self.boxes, self.scores = boxes, scores
        self.timestamps: list[int | None] = []
        self.closed = 0

    def detect(self, image, timestamp_ms=None):
        self.timestamps.append(timestamp_ms)
        return [PersonPose(np.full((33, 3), np.nan, np.float32), box, score, "mp33")
                for box, score in zip(self.boxes, self.scores)]

    def estimate(self, image, bbox):
        return None

    def close(self):
        self.closed += 1


def test_detect_uses_the_detector_boxes_and_scores(models):
    image, boxes, points = people_image(3)
    detector = StubDetector(boxes, [0.9, 0.7, 0.4])
    backend = OnnxTopDown(models("heatmap"), detector=detector)
    poses = backend.detect(image, timestamp_ms=1234)
    check_people(poses, points)
    assert [p.score for p in poses] == [0.9, 0.7, 0.4]
    assert [p.bbox for p in poses] == [tuple(float(v) for v in b) for b in boxes]
    assert all(p.schema == "coco17" for p in poses)
    assert detector.timestamps == [1234]
    backend.close()
    backend.close()
    assert detector.closed == 1


def test_detect_with_nobody_found(models):
    backend = OnnxTopDown(models("heatmap"), detector=StubDetector([], []))
    assert backend.detect(np.zeros((480, 640, 3), np.uint8)) == []


def test_detect_without_detector_takes_the_whole_image(models):
    backend = OnnxTopDown(models("heatmap"))
    points = [(300.0, 100.0), (260.0, 250.0), (340.0, 400.0)]
    poses = backend.detect(rgb_blob_image(IMAGE_SIZE, points))
    assert len(poses) == 1
    assert poses[0].bbox == (0.0, 0.0, 640.0, 480.0)
    # The whole 640x480 frame in a 192x256 crop: ~4.4 image px per input px.
    np.testing.assert_allclose(poses[0].keypoints[:, :2], expected(points), atol=0.5)
    assert backend.detect(np.zeros((480, 640, 3), np.uint8)) == []


def test_closed_backend_and_bad_images(models):
    backend = OnnxTopDown(models("heatmap"))
    with pytest.raises(ValueError, match="RGB uint8"):
        backend.estimate(np.zeros((48, 64), np.uint8), (0, 0, 10, 10))
    with pytest.raises(ValueError, match="RGB uint8"):
        backend.estimate(np.zeros((48, 64, 3), np.float32), (0, 0, 10, 10))
    backend.close()
    with pytest.raises(PoseBackendError, match="closed"):
        backend.estimate(np.zeros((48, 64, 3), np.uint8), (0, 0, 10, 10))


# --------------------------------------------------------------------------------------------
# Schema, input size, providers
# --------------------------------------------------------------------------------------------


def test_schema_is_read_off_the_joint_count(models):
    assert OnnxTopDown(models("heatmap")).schema == "coco17"
    assert OnnxTopDown(models("k16")).schema == "mpii16"
    mp = OnnxTopDown(models("k33"))
    assert mp.schema == "mp33"
    image = rgb_blob_image(IMAGE_SIZE, [(100, 100), (120, 180), (140, 150)])
    assert mp.estimate(image, (80, 80, 180, 220)).keypoints.shape == (33, 3)


def test_unknown_joint_count_asks_for_schema(models):
    with pytest.raises(PoseBackendError, match="--schema") as err:
        OnnxTopDown(models("k5"))
    assert "5 joints" in str(err.value) and "k5.onnx" in str(err.value)


def test_schema_must_match_the_joint_count(models):
    with pytest.raises(PoseBackendError, match="17 joints per person but schema mpii16"):
        OnnxTopDown(models("heatmap"), schema="mpii16")
    with pytest.raises(PoseBackendError, match="unknown skeleton"):
        OnnxTopDown(models("heatmap"), schema="h36m")


def test_wholebody_model_read_as_coco17(models):
    with pytest.raises(PoseBackendError, match="--schema coco17"):
        OnnxTopDown(models("k133"))
    backend = OnnxTopDown(models("k133"), schema="coco17")
    points = [(100.0, 100.0), (120.0, 180.0), (140.0, 150.0)]
    pose = backend.estimate(rgb_blob_image(IMAGE_SIZE, points), (80, 80, 180, 220))
    assert pose.keypoints.shape == (17, 3) and pose.schema == "coco17"
    np.testing.assert_allclose(pose.keypoints[:, :2], expected(points), atol=0.75)


def test_static_input_size_cannot_be_overridden(models):
    with pytest.raises(PoseBackendError, match="192x256"):
        OnnxTopDown(models("heatmap"), input_size=(256, 256))
    assert OnnxTopDown(models("heatmap"), input_size=(192, 256)).input_size == (192, 256)


def test_provider_is_reported(models):
    import onnxruntime as ort

    backend = OnnxTopDown(models("heatmap"))
    assert backend.provider in ort.get_available_providers()
    assert backend.provider == backend.providers[0]
    assert backend.provider in backend.description
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        assert backend.provider == "CPUExecutionProvider"


def test_provider_preference_and_unavailable_requests(models):
    assert choose_providers(["CPUExecutionProvider"]) == ["CPUExecutionProvider"]
    assert choose_providers(["AzureExecutionProvider", "CPUExecutionProvider",
                             "CUDAExecutionProvider", "TensorrtExecutionProvider"]) == [
        "CUDAExecutionProvider", "TensorrtExecutionProvider", "CPUExecutionProvider"]
    assert choose_providers(["CoreMLExecutionProvider", "CPUExecutionProvider"])[0] == \
        "CoreMLExecutionProvider"
    assert choose_providers(["CUDAExecutionProvider", "CPUExecutionProvider"],
                            ["CUDAExecutionProvider"]) == ["CUDAExecutionProvider",
                                                           "CPUExecutionProvider"]
    with pytest.raises(PoseBackendError, match="no CUDAExecutionProvider.*available: CPU"):
        choose_providers(["CPUExecutionProvider"], ["CUDAExecutionProvider"])
    with pytest.raises(PoseBackendError, match="onnxruntime-gpu"):
        OnnxTopDown(models("heatmap"), providers=["NoSuchExecutionProvider"])


# --------------------------------------------------------------------------------------------
# Files it must refuse
# --------------------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    missing = tmp_path / "rtmpose.onnx"
    with pytest.raises(PoseBackendError, match="not found") as err:
        OnnxTopDown(missing)
    assert str(missing) in str(err.value) and "(N, 3, H, W)" in str(err.value)


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(PoseBackendError, match="folder"):
        OnnxTopDown(tmp_path)


def test_text_file_is_not_a_model(tmp_path):
    fake = tmp_path / "pose.onnx"
    fake.write_text("this is not a model\n")
    with pytest.raises(PoseBackendError, match="is not an ONNX model") as err:
        OnnxTopDown(fake)
    assert str(fake) in str(err.value) and "heatmap" in str(err.value)


@pytest.mark.parametrize("kind, message", [
    ("flat", r"outputs keypoints \['batch', 34\] are neither heatmaps nor a SimCC pair"),
    ("nhwc", r"channels-last \(N, H, W, 3\)"),
    ("two_inputs", r"has 2 inputs"),
])
def test_unexpected_layouts_are_refused(models, kind, message):
    with pytest.raises(PoseBackendError, match=message) as err:
        OnnxTopDown(models(kind))
    assert f"{kind}.onnx" in str(err.value)
    assert "(N, 3, H, W)" in str(err.value)


# --------------------------------------------------------------------------------------------
# onnx_decode: the pure functions
# --------------------------------------------------------------------------------------------


def gaussian_heatmaps(centres, size=(48, 64), sigma=2.0, peak=0.9) -> np.ndarray:
    """(1, K, h, w) Gaussians at sub-cell centres (x, y)."""
    w, h = size
    ys, xs = np.mgrid[0:h, 0:w]
    maps = [peak * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma**2))
            for cx, cy in centres]
    return np.array(maps, dtype=np.float32)[None]


def test_decode_heatmaps_refinements():
    centres = [(10.3, 20.7), (30.55, 5.2), (24.0, 40.0), (0.4, 63.0)]
    hm = gaussian_heatmaps(centres)
    coords, scores = decode_heatmaps(hm, refine="dark")
    assert coords.shape == (1, 4, 2) and scores.shape == (1, 4)
    # Inside the map DARK recovers a Gaussian's centre; at the border it falls back to quarter.
    np.testing.assert_allclose(coords[0, :3], centres[:3], atol=0.01)
    assert np.abs(coords[0, 3] - centres[3]).max() <= 0.5
    quarter, _ = decode_heatmaps(hm, refine="quarter")
    np.testing.assert_allclose(quarter[0, :3], [(10.25, 20.75), (30.75, 5.25), (24.0, 40.0)])
    plain, _ = decode_heatmaps(hm, refine="none")
    np.testing.assert_array_equal(plain[0, :3], [(10, 21), (31, 5), (24, 40)])
    np.testing.assert_allclose(scores[0, :3], 0.9, atol=0.05)
    with pytest.raises(ValueError):
        decode_heatmaps(hm[0])


def test_decode_heatmaps_many_maps_and_flat_maps():
    rng = np.random.default_rng(7)
    centres = rng.uniform(6, 41, size=(40 * 17, 2))  # more maps than cv2 blurs at once
    hm = gaussian_heatmaps(centres).reshape(40, 17, 64, 48)
    coords, _ = decode_heatmaps(hm)
    np.testing.assert_allclose(coords.reshape(-1, 2), centres, atol=0.01)
    flat, scores = decode_heatmaps(np.zeros((2, 3, 64, 48), np.float32))
    assert np.isfinite(flat).all() and (scores == 0).all()


def test_decode_simcc():
    x = np.zeros((2, 3, 384), np.float32)
    y = np.zeros((2, 3, 512), np.float32)
    x[0, 0, 101], y[0, 0, 33] = 0.8, 0.6
    x[1, 2, 7], y[1, 2, 500] = 1.3, 1.1
    coords, scores = decode_simcc(x, y, 2.0)
    np.testing.assert_allclose(coords[0, 0], (50.5, 16.5))
    np.testing.assert_allclose(coords[1, 2], (3.5, 250.0))
    np.testing.assert_allclose(scores[0, 0], 0.6)
    np.testing.assert_allclose(scores[1, 2], 1.1)
    assert scores[0, 1] == 0
    coords, _ = decode_simcc(x, y, (2.0, 4.0))
    np.testing.assert_allclose(coords[0, 0], (50.5, 8.25))


def test_box_to_center_scale_pads_then_fixes_aspect():
    center, scale = box_to_center_scale((10, 20, 110, 220), 0.75)
    np.testing.assert_allclose(center, (60, 120))
    np.testing.assert_allclose(scale, (187.5, 250))  # 125 x 250 padded, widened to 3:4
    center, scale = box_to_center_scale(np.array([[0, 0, 300, 100], [0, 0, 30, 40]]), 0.75,
                                        padding=1.0)
    np.testing.assert_allclose(scale, [(300, 400), (30, 40)])
    assert center.shape == (2, 2)


def test_affine_transform_maps_crop_edges_and_inverts():
    center, scale = np.array([100.0, 200.0]), np.array([150.0, 200.0])
    m = affine_transform(center, scale, (192, 256))
    corners = np.array([[25.0, 100.0], [175.0, 300.0], [100.0, 200.0]])
    np.testing.assert_allclose(apply_affine(corners, m), [[0, 0], [192, 256], [96, 128]])
    m_udp = affine_transform(center, scale, (192, 256), udp=True)
    np.testing.assert_allclose(apply_affine(corners[:2], m_udp), [[0, 0], [191, 255]])
    for udp in (False, True):
        fwd = affine_transform(center, scale, (192, 256), udp=udp)
        inv = affine_transform(center, scale, (192, 256), inverse=True, udp=udp)
        pts = np.array([[3.5, -7.0], [250.0, 90.25]])
        np.testing.assert_allclose(apply_affine(apply_affine(pts, fwd), inv), pts)


def test_heatmap_to_input_conventions():
    np.testing.assert_allclose(heatmap_to_input([[47, 63]], (48, 64), (192, 256)), [[188, 252]])
    np.testing.assert_allclose(heatmap_to_input([[47, 63]], (48, 64), (192, 256), udp=True),
                               [[191, 255]])


def test_to_keypoints_clips_and_marks_missing():
    kp = to_keypoints(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [np.nan, 1.0]]),
                      np.array([1.4, 0.5, -0.1, 0.9]))
    assert kp.dtype == np.float32
    np.testing.assert_allclose(kp[:2], [[1, 2, 1.0], [3, 4, 0.5]])
    assert np.isnan(kp[2:, :2]).all() and (kp[2:, 2] == 0).all()


def test_resolve_schema():
    assert resolve_schema(17, None, "m.onnx") == ("coco17", 17)
    assert resolve_schema(16, None, "m.onnx") == ("mpii16", 16)
    assert resolve_schema(33, None, "m.onnx") == ("mp33", 33)
    assert resolve_schema(None, "mp33", "m.onnx") == ("mp33", 33)
    assert resolve_schema(26, "coco17", "m.onnx") == ("coco17", 17)
    with pytest.raises(PoseBackendError, match="an unknown number of joints"):
        resolve_schema(None, None, "m.onnx")
    with pytest.raises(PoseBackendError, match="26 joints per person but schema mpii16"):
        resolve_schema(26, "mpii16", "m.onnx")


# --------------------------------------------------------------------------------------------
# Turned crops: an inverted body is read the right way up, keypoints land where they were
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("turn", [math.pi / 2, math.pi, -math.pi / 2, 0.4])
def test_turned_crops_map_back_to_the_same_pixels(models, turn):
    backend = OnnxTopDown(models("heatmap"), turn_below=0.0)
    rng = np.random.default_rng(7)
    for _ in range(4):
        box, points = random_case(rng)
        # Square boxes: a turned crop of a square keeps every blob inside it.
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        half = min(box[2] - box[0], box[3] - box[1]) / 2
        square = (cx - half, cy - half, cx + half, cy + half)
        points = [(cx + 0.5 * (x - cx) * 2 * half / (box[2] - box[0]), cy + 0.5 * (y - cy) * 2 * half / (box[3] - box[1]))
                  for x, y in points]
        image = rgb_blob_image(IMAGE_SIZE, points)
        upright, turned = backend.estimate_many(image, [square, square], turns=[0.0, turn])
        assert upright is not None and turned is not None
        assert np.abs(turned.keypoints[:, :2] - expected(points)).max() < 1.0


def test_an_unsure_upright_crop_is_compared_with_its_turns(models):
    calls = []
    backend = OnnxTopDown(models("heatmap"), turn_below=1.01)  # never sure enough: always compare
    original = backend.estimate_many

    def counting(image, boxes, turns=None):
        calls.append(None if turns is None else tuple(turns))
        return original(image, boxes, turns)

    backend.estimate_many = counting
    box, points = random_case(np.random.default_rng(2))
    pose = backend.estimate(rgb_blob_image(IMAGE_SIZE, points), box)
    assert pose is not None
    assert calls == [None, (math.pi / 2, math.pi, -math.pi / 2)]
