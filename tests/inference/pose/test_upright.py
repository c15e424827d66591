"""The landmark network rebuilt in torch, its upright regions, and still-image person finding.

Geometry is tested on its own; the network is the real one read from the installed wheel.
Tests on real photographs read ../shared/data and skip when it is absent.
"""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest

from inference.pose.blazepose import INPUT_SIZE, LandmarkRunner, Region, region_of_axis
from inference.pose.still import find_person, turn_image, turn_points, unturn_points
from inference.pose.tflite_graph import TFLiteGraph, UnsupportedGraph
from inference.pose.upright import UprightEstimator, region_of_pose
from tests.conftest import shared_data


@pytest.fixture(scope="module")
def runner() -> LandmarkRunner:
    return LandmarkRunner(device="cpu")


def _upright_mp33(hip=(100.0, 200.0), up=(0.0, -1.0), length=60.0) -> np.ndarray:
    """A stick pose in MediaPipe-33 landmarks: shoulders `length` along `up` from the hips."""
    hip = np.asarray(hip)
    up = np.asarray(up) / np.linalg.norm(up)
    kp = np.zeros((33, 3))
    kp[:, :2] = hip
    kp[:, 2] = 0.9
    kp[[11, 12], :2] = hip + length * up
    kp[0, :2] = hip + 1.6 * length * up  # nose: the farthest joint
    kp[[27, 28], :2] = hip - 1.2 * length * up
    return kp


@pytest.mark.parametrize("turn", [0.0, 0.7, math.pi / 2, math.pi, -2.5])
def test_region_maps_crop_back_to_image(turn: float) -> None:
    region = Region(320.5, 180.25, 150.0, turn)
    points = np.array([[10.0, 20.0], [300.0, 40.0], [123.4, 567.8]])
    homogeneous = np.hstack([points, np.ones((3, 1))])
    in_crop = homogeneous @ region.to_crop().T
    assert np.allclose(region.to_image(in_crop), points)
    centre = region.to_crop() @ np.array([region.cx, region.cy, 1.0])
    assert np.allclose(centre, INPUT_SIZE / 2)


@pytest.mark.parametrize(("up", "expected"), [((0, -1), 0.0), ((0, 1), math.pi), ((1, 0), -math.pi / 2), ((-1, 0), math.pi / 2)])
def test_regions_turn_the_body_upright(up, expected) -> None:
    kp = _upright_mp33(up=up)
    region = region_of_pose(kp)
    assert abs(math.remainder(region.turn - expected, 2 * math.pi)) < 1e-9
    assert region.side == pytest.approx(2.5 * 1.6 * 60.0)
    assert (region.cx, region.cy) == (100.0, 200.0)
    # The shoulders land straight above the hips in the crop.
    hips, shoulders = (region.to_crop() @ np.array([*kp[i, :2], 1.0]) for i in (23, 11))
    assert shoulders[0] == pytest.approx(hips[0]) and shoulders[1] < hips[1]
    axis = region_of_axis(kp[23, :2], kp[0, :2])
    assert abs(math.remainder(axis.turn - expected, 2 * math.pi)) < 1e-9


def test_region_of_pose_needs_hips_and_shoulders() -> None:
    kp = _upright_mp33()
    kp[23, :2] = np.nan
    assert region_of_pose(kp) is None


def test_graph_refuses_what_it_cannot_read(tmp_path) -> None:
    text = tmp_path / "model.tflite"
    text.write_text("not a model")
    with pytest.raises(UnsupportedGraph, match="not a TensorFlow Lite model"):
        TFLiteGraph(text)


def test_graph_keeps_only_what_the_outputs_need(runner: LandmarkRunner) -> None:
    from inference.pose.blazepose import bundled_landmark_model

    whole = TFLiteGraph(bundled_landmark_model())
    pruned = runner.net.graph
    assert len(pruned._ops) < len(whole._ops)  # the segmentation branch is dropped
    with pytest.raises(UnsupportedGraph, match="no output"):
        TFLiteGraph(bundled_landmark_model(), outputs=("nope",))
    assert all(p.requires_grad for p in pruned.parameters())


def test_turned_image_and_turned_region_agree(runner: LandmarkRunner) -> None:
    """Equivariance: the same crop taken from the image turned a quarter gives the same
    landmarks once mapped back, so the region geometry and the decoding agree."""
    rng = np.random.default_rng(3)
    image = cv2.GaussianBlur(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8), (0, 0), 5)
    region = Region(150.0, 110.0, 180.0, 0.3)
    a = runner.run(image, [region])[0]
    turned = turn_image(image, 90)  # clockwise: (x, y) -> (H - y, x)
    h = image.shape[0]
    b = runner.run(turned, [Region(h - region.cy, region.cx, region.side, region.turn - math.pi / 2)])[0]
    back = unturn_points(b.points[:, :2].astype(np.float64), 90, image.shape[1], image.shape[0])
    assert np.median(np.linalg.norm(back - a.points[:, :2], axis=1)) < 1.5
    assert b.flag == pytest.approx(a.flag, abs=0.02)


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_unturn_points_inverts_turn_image(degrees: int) -> None:
    image = np.zeros((30, 50, 3), np.uint8)
    image[7, 11] = 255
    turned = turn_image(image, degrees)
    y, x = np.argwhere(turned[:, :, 0] == 255)[0]
    back = unturn_points(np.array([[x + 0.5, y + 0.5]]), degrees, 50, 30)
    assert np.allclose(back, [[11.5, 7.5]])


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_turn_points_is_the_inverse_of_unturn_points(degrees: int) -> None:
    xy = np.array([[11.5, 7.5], [0.0, 30.0], [49.25, 0.75]])
    turned = turn_points(xy, degrees, 50, 30)
    assert np.allclose(unturn_points(turned, degrees, 50, 30), xy)
    image = np.zeros((30, 50, 3), np.uint8)
    image[7, 11] = 255
    y, x = np.argwhere(turn_image(image, degrees)[:, :, 0] == 255)[0]
    assert np.allclose(turned[0], [x + 0.5, y + 0.5])


def _coco_person():
    folder = shared_data("mmpose-testdata", "coco")
    document = json.loads((folder / "test_coco.json").read_text())
    ann = max((a for a in document["annotations"] if a["num_keypoints"] >= 15), key=lambda a: a["area"])
    image = next(i for i in document["images"] if i["id"] == ann["image_id"])
    rgb = cv2.cvtColor(cv2.imread(str(folder / image["file_name"])), cv2.COLOR_BGR2RGB)
    x, y, w, h = ann["bbox"]
    return rgb, (x, y, x + w, y + h), np.asarray(ann["keypoints"], float).reshape(-1, 3)


def test_search_finds_an_inverted_person_the_right_way_up(runner: LandmarkRunner) -> None:
    rgb, box, truth = _coco_person()
    height, width = rgb.shape[:2]
    flipped = turn_image(rgb, 180)
    flipped_box = (width - box[2], height - box[3], width - box[0], height - box[1])
    found = UprightEstimator(runner).search(flipped, flipped_box).best
    assert found.flag > 0.5
    # In the turned image the head is below the hips, and the network says so.
    nose, hips = found.points[0, :2], found.points[[23, 24], :2].mean(axis=0)
    assert nose[1] > hips[1]
    labelled = truth[:, 2] > 0
    expected = unturn_points(truth[labelled, :2], 180, width, height)  # a half turn is its own inverse
    from inference.skeletons import convert

    coco = convert(found.points, "mp33", "coco17").keypoints[labelled, :2]
    size = max(box[2] - box[0], box[3] - box[1])
    assert np.median(np.linalg.norm(coco - expected, axis=1)) < 0.1 * size


def test_still_finds_the_person_at_any_turn(runner: LandmarkRunner) -> None:
    from inference.pose.mediapipe_backend import MediaPipePose

    rgb, box, _ = _coco_person()
    height, width = rgb.shape[:2]
    with MediaPipePose(mode="image", upright=False) as detector:
        upright = UprightEstimator(runner)
        reference = find_person(rgb, detector, upright)
        turned = find_person(turn_image(rgb, 90), detector, upright)
    assert reference is not None and turned is not None
    back = unturn_points(turned.keypoints[:, :2].astype(np.float64), 90, width, height)
    size = max(box[2] - box[0], box[3] - box[1])
    confident = reference.keypoints[:, 2] > 0.5
    assert np.median(np.linalg.norm(back[confident] - reference.keypoints[confident, :2], axis=1)) < 0.05 * size


def test_compact_frames_keep_the_body_pixel_for_pixel() -> None:
    from inference.pose.blazepose import crop
    from inference.pose.landmark_finetune import LabelledFrame, compact, labelled_region

    rng = np.random.default_rng(4)
    image = rng.integers(0, 255, (1080, 1920, 3), dtype=np.uint8)
    joints = np.array([[960, 700], [960, 620], [950, 540], [990, 540], [1000, 620], [1000, 700], [970, 540],
                       [970, 420], [970, 400], [970, 370], [900, 540], [910, 480], [940, 420], [1000, 420],
                       [1030, 480], [1040, 540]], float)
    frame = LabelledFrame(image, joints, np.ones(16, bool), "mpii16")
    small = compact(frame)
    assert small.image.nbytes < image.nbytes / 2
    a, b = labelled_region(frame), labelled_region(small)
    assert np.array_equal(crop(frame.image, a), crop(small.image, b))


@pytest.mark.parametrize("use_heatmaps", [True, False])
def test_onnx_runner_gives_the_torch_runners_landmarks(runner: LandmarkRunner, use_heatmaps: bool) -> None:
    """Inference on a CPU goes through ONNX Runtime; it must be the same function."""
    rng = np.random.default_rng(5)
    image = cv2.GaussianBlur(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8), (0, 0), 3)
    regions = [Region(150.0, 110.0, 180.0, 0.3), Region(200.0, 120.0, 90.0, -2.0)]
    torch_runner = LandmarkRunner(runner.net, use_heatmaps=use_heatmaps)
    fast = LandmarkRunner.for_inference(runner.net, use_heatmaps=use_heatmaps)
    assert type(fast) is not LandmarkRunner
    for a, b in zip(torch_runner.run(image, regions), fast.run(image, regions)):
        assert np.abs(a.points - b.points).max() < 0.05
        assert a.flag == pytest.approx(b.flag, abs=1e-4)
        assert np.allclose(a.hip, b.hip, atol=0.05)


def test_heatmap_refinement_moves_points_to_their_windows_confident_centre() -> None:
    """MediaPipe's rule: each point moves to the sigmoid-weighted mean cell of the 7 x 7 window
    around it, where that window's peak is at least 0.5; cells off the map weigh nothing."""
    from inference.pose.blazepose import refine_with_heatmap

    cell = INPUT_SIZE / 64
    heatmaps = np.full((4, 64, 64), -60.0)
    heatmaps[0, 20, 22] = heatmaps[0, 20, 24] = 60.0  # two sure cells: the mean is between them
    heatmaps[1, 0, 0] = 60.0  # at the corner: the window is cut by the border
    heatmaps[2, 30, 30] = -0.5  # the peak is under one half: no move
    heatmaps[3, 10, 10] = 60.0
    points = np.array([[21.5 * cell, 19.2 * cell], [1.4 * cell, 2.7 * cell], [30 * cell, 30 * cell],
                       [-5 * cell, 10 * cell]])  # the last is off the map
    refined = refine_with_heatmap(points, heatmaps)
    assert refined[0] == pytest.approx([23 * cell, 20 * cell], abs=1e-9)
    assert refined[1] == pytest.approx([0.0, 0.0], abs=1e-9)
    assert np.array_equal(refined[2:], points[2:])


def test_landmarks_are_placed_at_their_heatmap_peaks_unless_regressed_off_the_crop() -> None:
    """A heatmap's global peak is where the network sees the joint; the regressed point only
    says where to look when the joint lies outside the crop, which a heatmap cannot show."""
    from inference.pose.blazepose import heatmap_peaks

    cell = INPUT_SIZE / 64
    heatmaps = np.full((3, 64, 64), -60.0)
    heatmaps[0, 40, 10] = heatmaps[0, 40, 12] = 60.0  # far from its regressed point, two sure cells
    heatmaps[0, 5, 5] = 0.0  # a weaker peak near the regressed point loses
    heatmaps[1, 50, 50] = -0.2  # an unsure peak: the point goes to its cell, unrefined
    heatmaps[2, 30, 30] = 60.0
    points = np.array([[5 * cell, 5 * cell], [20 * cell, 20 * cell], [-3 * cell, 30 * cell]])
    placed = heatmap_peaks(points, heatmaps)
    assert placed[0] == pytest.approx([11 * cell, 40 * cell], abs=1e-9)
    assert placed[1] == pytest.approx([50 * cell, 50 * cell], abs=1e-9)
    assert placed[2] == pytest.approx(points[2], abs=1e-9)


def test_a_left_right_pair_whose_heatmaps_peak_on_one_joint_keeps_its_regressed_points() -> None:
    """When both sides' heatmaps mark the same joint, the peaks cannot say which side it is:
    the pair keeps MediaPipe's rule (the regressed point, refined near where it is); a pair
    whose peaks are apart, and a midline landmark, go to their peaks."""
    from inference.pose.blazepose import heatmap_peaks

    cell = INPUT_SIZE / 64
    mirror = np.array([1, 0, 3, 2, 4])  # two pairs and a midline landmark
    heatmaps = np.full((5, 64, 64), -60.0)
    heatmaps[0, 30, 30] = heatmaps[1, 31, 32] = 60.0  # one joint seen by both heatmaps
    heatmaps[0, 30, 10] = heatmaps[1, 31, 50] = -0.5  # unsure marks near the regressed points
    heatmaps[2, 10, 20] = heatmaps[3, 10, 40] = 60.0  # the other pair: two joints apart
    heatmaps[4, 50, 32] = 60.0
    points = np.array([[10 * cell, 30 * cell], [50 * cell, 31 * cell], [5 * cell, 5 * cell],
                       [60 * cell, 60 * cell], [32 * cell, 2 * cell]])
    placed = heatmap_peaks(points, heatmaps, mirror)
    assert np.array_equal(placed[:2], points[:2])  # their windows' peaks are under 0.5: no move
    assert placed[2] == pytest.approx([20 * cell, 10 * cell], abs=1e-9)
    assert placed[3] == pytest.approx([40 * cell, 10 * cell], abs=1e-9)
    assert placed[4] == pytest.approx([32 * cell, 50 * cell], abs=1e-9)


@pytest.fixture(scope="module")
def heavy_reader() -> LandmarkRunner:
    from inference.pose.landmark_models import heavy_model

    path = heavy_model()
    if path is None:
        pytest.skip("the heavy landmark network is not installed (packaging/setup.sh fetches it)")
    return LandmarkRunner.for_file(path)


def test_a_body_found_with_full_is_reported_as_heavy_reads_it(runner: LandmarkRunner, heavy_reader) -> None:
    rgb, box, truth = _coco_person()
    found = UprightEstimator(runner).search(rgb, box).best
    read = UprightEstimator(runner, reader=heavy_reader).read(rgb, found, min_flag=0.5)
    direct = heavy_reader.run(rgb, [found.next_region()])[0]
    assert read is not found and np.array_equal(read.points, direct.points)
    assert read.flag > 0.5
    from inference.skeletons import convert

    labelled = truth[:, 2] > 0
    coco = convert(read.points, "mp33", "coco17").keypoints[labelled, :2]
    size = max(box[2] - box[0], box[3] - box[1])
    assert np.median(np.linalg.norm(coco - truth[labelled, :2], axis=1)) < 0.1 * size
    assert UprightEstimator(runner).read(rgb, found, min_flag=0.5) is found, "no reader: found is reported"


def test_where_heavy_sees_nobody_the_body_found_is_kept(runner: LandmarkRunner, heavy_reader) -> None:
    rgb, box, _ = _coco_person()
    found = UprightEstimator(runner).search(rgb, box).best
    blank = np.zeros_like(rgb)
    assert UprightEstimator(runner, reader=heavy_reader).read(blank, found, min_flag=0.5) is found


def test_the_heavy_file_runs_the_same_through_onnx_and_torch(heavy_reader) -> None:
    from inference.pose.blazepose import LandmarkNet
    from inference.pose.landmark_models import heavy_model

    rng = np.random.default_rng(6)
    image = cv2.GaussianBlur(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8), (0, 0), 3)
    regions = [Region(150.0, 110.0, 180.0, 0.3)]
    a = LandmarkRunner(LandmarkNet(heavy_model())).run(image, regions)[0]
    b = heavy_reader.run(image, regions)[0]
    assert type(heavy_reader) is not LandmarkRunner
    assert np.abs(a.points - b.points).max() < 0.05 and a.flag == pytest.approx(b.flag, abs=1e-4)


def test_a_damaged_cached_export_is_made_again(tmp_path, monkeypatch) -> None:
    import inference.pose.landmark_onnx as lo
    import inference.pose.mediapipe_bundle as mb

    monkeypatch.setattr(mb, "default_cache_dir", lambda: tmp_path)
    lo._file_session.cache_clear()
    try:
        first = lo._file_session(None)
        cached = list(tmp_path.glob("pose_landmark_full-*.onnx"))
        assert len(cached) == 1 and cached[0].stat().st_size > 1_000_000
        cached[0].write_bytes(b"truncated")
        lo._file_session.cache_clear()
        again = lo._file_session(None)
        assert cached[0].read_bytes()[:9] != b"truncated", "the damaged file was replaced"
        crops = np.random.default_rng(0).random((1, 256, 256, 3), dtype=np.float32)
        a, b = (s.run(["points"], {"crops": crops})[0] for s in (first, again))
        assert np.abs(a - b).max() < 1e-3
    finally:
        lo._file_session.cache_clear()


class _ReaderWithFlag:
    """A reader whose every answer carries one person flag; it keeps the regions it was shown."""

    def __init__(self, flag: float) -> None:
        self.flag, self.regions = flag, []

    def run(self, image, regions):
        from inference.pose.blazepose import Landmarks

        self.regions += regions
        return [Landmarks(np.zeros((33, 3), np.float32), np.zeros(2), np.array([0.0, -10.0]), self.flag, r)
                for r in regions]


@pytest.mark.parametrize(("own_flag", "reader_flag", "expected"), [
    (0.99, 0.0, False),  # the fast network takes a logo for a body; the accurate one does not
    (0.1, 0.9, True),  # the accurate one sees the body the fast one doubted
    (0.99, None, True), (0.1, None, False),  # no reader: the network's own flag decides
])
def test_the_reader_has_the_last_word_on_whether_a_body_is_there(own_flag, reader_flag, expected) -> None:
    from inference.pose.blazepose import Landmarks

    found = Landmarks(np.zeros((33, 3), np.float32), np.array([50.0, 60.0]), np.array([50.0, 40.0]), own_flag,
                      Region(50.0, 50.0, 80.0))
    reader = None if reader_flag is None else _ReaderWithFlag(reader_flag)
    estimator = UprightEstimator(runner=object(), reader=reader)
    assert estimator.is_body(np.zeros((100, 100, 3), np.uint8), found, 0.3) is expected
    if reader is not None:
        assert reader.regions == [found.next_region()]  # shown the region found's own axis gives


def test_read_each_reads_every_body_in_one_batch_whatever_its_flag() -> None:
    from inference.pose.blazepose import Landmarks

    with_axis = Landmarks(np.zeros((33, 3), np.float32), np.array([50.0, 60.0]), np.array([50.0, 40.0]), 0.9,
                          Region(50.0, 50.0, 80.0))
    no_axis = Landmarks(np.zeros((33, 3), np.float32), np.array([5.0, 5.0]), np.array([5.0, 5.0]), 0.9,
                        Region(5.0, 5.0, 20.0))  # hip and axis point coincide: no region to read
    reader = _ReaderWithFlag(0.1)
    read = UprightEstimator(runner=object(), reader=reader).read_each(np.zeros((100, 100, 3), np.uint8),
                                                                     [with_axis, no_axis, with_axis])
    assert [r.flag for r in read] == [0.1, 0.9, 0.1]  # the reader's answer even below any threshold
    assert reader.regions == [with_axis.next_region()] * 2
    assert UprightEstimator(runner=object()).read_each(np.zeros((100, 100, 3), np.uint8), [with_axis]) == [with_axis]
