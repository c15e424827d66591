"""MPII, COCO, LabelMe and sequences: write -> read is identity; bad files are refused."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import app.datasets as datasets
from app.datasets import coco, labelme, mpii, mtlaqa, sequences
from app.datasets.errors import DatasetError
from app.datasets.records import ImagePose, PoseSequence
from tests.conftest import shared_data

_coord = st.integers(0, 16000).map(lambda v: v / 4)  # exact in binary


@st.composite
def image_poses(draw, schema="mpii16", joints=16, n=3):
    poses = []
    for i in range(draw(st.integers(1, n))):
        vis = np.array(draw(st.lists(st.sampled_from([0, 1, 2]), min_size=joints, max_size=joints)), np.uint8)
        kp = np.array([[draw(_coord), draw(_coord), 1.0] for _ in range(joints)])
        kp[vis == 0] = [np.nan, np.nan, 0.0]
        x1, y1 = draw(_coord), draw(_coord)
        box = np.array([x1, y1, x1 + draw(_coord), y1 + draw(_coord)])
        poses.append(ImagePose(image=f"img{i}.jpg", width=draw(st.integers(1, 4000)),
                               height=draw(st.integers(1, 4000)), schema=schema,
                               keypoints=kp, visibility=vis, bbox=box))
    return poses


@settings(max_examples=25, deadline=None)
@given(image_poses())
def test_mpii_round_trip_generated(tmp_path_factory, poses):
    path = tmp_path_factory.mktemp("mpii") / "a.json"
    mpii.write(path, poses)
    back = mpii.read(path)
    once = [dataclasses.replace(p, width=None, height=None, bbox=b.bbox, center=b.center,
                                scale=b.scale, visibility=np.where(p.visibility > 0, 2, 0).astype(np.uint8))
            for p, b in zip(poses, back)]
    assert back == once  # MPII keeps no image size or box and no "occluded"
    mpii.write(path, back)
    assert mpii.read(path) == back


@settings(max_examples=25, deadline=None)
@given(image_poses(schema="coco17", joints=17))
def test_coco_round_trip_generated(tmp_path_factory, poses):
    path = tmp_path_factory.mktemp("coco") / "a.json"
    coco.write(path, poses)
    back = coco.read(path)
    assert [dataclasses.replace(b, attributes={}) for b in back] == poses


@settings(max_examples=25, deadline=None)
@given(image_poses())
def test_labelme_round_trip_generated(tmp_path_factory, poses):
    folder = tmp_path_factory.mktemp("labelme")
    labelme.write(folder, poses)
    assert labelme.read(folder) == poses


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6), st.sampled_from([16, 17, 18, 33]), st.sampled_from(["npz", "npy"]),
       st.one_of(st.none(), st.floats(0, 120)), st.lists(st.integers(0, 99), max_size=3))
def test_sequences_round_trip_generated(tmp_path_factory, t, j, fmt, score, transitions):
    rng = np.random.default_rng(t * j)
    kp = rng.uniform(0, 1000, (t, j, 3)).astype(np.float32)
    kp[0, 0] = [np.nan, np.nan, 0.0]
    vis = np.where(np.isfinite(kp[..., 0]), 2, 0).astype(np.uint8)
    labels = {"split": "test", "transitions": tuple(transitions), "coach": "notes, with comma"}
    if score is not None:
        labels["score"] = score
    if not transitions:
        del labels["transitions"]
    seq = PoseSequence(name="clip/a b", schema={16: "mpii16", 17: "coco17", 18: "openpose18", 33: "mp33"}[j],
                       keypoints=kp, visibility=vis, bbox=np.full((t, 4), np.nan, np.float32),
                       labels=labels)
    folder = tmp_path_factory.mktemp("seq")
    sequences.write(folder, [seq], array_format=fmt)
    assert sequences.read(folder) == [seq]


def test_real_mpii_round_trip(tmp_path):
    src = shared_data("mmpose-testdata", "mpii", "test_mpii.json")
    poses = mpii.read(src)
    assert len(poses) == 5 and poses[0].scale == 4.718488
    mpii.write(tmp_path / "out.json", poses)
    assert mpii.read(tmp_path / "out.json") == poses
    assert json.loads((tmp_path / "out.json").read_text()) == json.loads(src.read_text())


def test_real_coco_round_trip(tmp_path):
    src = shared_data("mmpose-testdata", "coco", "test_coco.json")
    poses = coco.read(src)
    assert len(poses) == 14 and {p.schema for p in poses} == {"coco17"}
    assert sum((p.visibility == 2).sum() for p in poses) == 164
    coco.write(tmp_path / "out.json", poses)
    assert coco.read(tmp_path / "out.json") == poses
    original = json.loads(src.read_text())["annotations"]
    written = json.loads((tmp_path / "out.json").read_text())["annotations"]
    assert written == [{k: v for k, v in a.items() if k != "segmentation"} for a in original]


def _mpii_entry(**kw):
    entry = {"image": "a.jpg", "joints": [[1.0, 2.0]] * 16, "joints_vis": [1] * 16,
             "center": [5.0, 5.0], "scale": 1.0}
    entry.update(kw)
    return entry


@pytest.mark.parametrize("content, problem", [
    ([_mpii_entry(joints=[[1.0, 2.0]] * 15)], "needs 16 joints"),
    ([{k: v for k, v in _mpii_entry().items() if k != "center"}], "lacks center"),
    ({"not": "a list"}, "expected a JSON list"),
    ('[{"image": "a.jpg", "joi', "not valid JSON"),
])
def test_mpii_malformed(tmp_path, content, problem):
    path = tmp_path / "bad.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(DatasetError, match=problem) as err:
        mpii.read(path)
    assert str(path) in str(err.value)


def test_coco_malformed(tmp_path):
    path = tmp_path / "bad.json"
    good = json.loads(json.dumps({"images": [{"id": 1, "file_name": "a.jpg"}],
                                  "categories": [{"id": 1, "keypoints": list(coco.get_skeleton("coco17").joint_names)}],
                                  "annotations": [{"id": 1, "image_id": 1, "category_id": 1,
                                                   "keypoints": [0] * 51}]}))
    path.write_text(json.dumps({"images": []}))
    with pytest.raises(DatasetError, match="needs 'images', 'annotations' and 'categories'"):
        coco.read(path)
    bad = dict(good, annotations=[dict(good["annotations"][0], keypoints=[0] * 48)])
    path.write_text(json.dumps(bad))
    with pytest.raises(DatasetError, match="needs 51 keypoint numbers"):
        coco.read(path)
    bad = dict(good, categories=[{"id": 1, "keypoints": ["a", "b"]}])
    path.write_text(json.dumps(bad))
    with pytest.raises(DatasetError, match="match none of the known skeletons"):
        coco.read(path)


def test_labelme_malformed(tmp_path):
    path = tmp_path / "f.json"
    path.write_text(json.dumps({"shapes": [{"label": "tail", "points": [[1, 2]], "shape_type": "point"}],
                                "imagePath": "f.jpg", "imageHeight": 10, "imageWidth": 10}))
    with pytest.raises(DatasetError, match="'tail' is not a mpii16 joint"):
        labelme.read(path)
    path.write_text(json.dumps({"shapes": []}))
    with pytest.raises(DatasetError, match="needs shapes, imagePath"):
        labelme.read(path)


def test_labelme_accepts_long_joint_names(tmp_path):
    path = tmp_path / "f.json"
    path.write_text(json.dumps({"shapes": [{"label": "right_knee", "points": [[1, 2]], "shape_type": "point"},
                                           {"label": "pool", "points": [[0, 0], [1, 1], [0, 1]],
                                            "shape_type": "polygon"}],
                                "imagePath": "f.jpg", "imageHeight": 10, "imageWidth": 10}))
    (pose,) = labelme.read(path)
    assert pose.visibility[1] == 2 and pose.keypoints[1, :2].tolist() == [1.0, 2.0]


def test_sequences_malformed(tmp_path):
    (tmp_path / "labels.csv").write_text("name,split\na,train\n")
    with pytest.raises(DatasetError, match=r"labels.csv: missing column score"):
        sequences.read(tmp_path)
    (tmp_path / "labels.csv").write_text("name,score\na,1.0\n")
    np.save(tmp_path / "a.npy", np.zeros((4, 16)))
    with pytest.raises(DatasetError, match=r"a.npy: keypoints must be numbers of shape \(T, J, 2\|3\)"):
        sequences.read(tmp_path)
    np.save(tmp_path / "a.npy", np.zeros((4, 19, 2)))
    with pytest.raises(DatasetError, match="19 joints is no known skeleton"):
        sequences.read(tmp_path)
    (tmp_path / "labels.csv").write_text("name,score\nb,1.0\n")
    with pytest.raises(DatasetError, match="'b' has no b.npy or b.npz"):
        sequences.read(tmp_path)


def test_writers_write_nothing_on_error(tmp_path):
    good = PoseSequence("a", "mpii16", np.zeros((2, 16, 3), np.float32), np.zeros((2, 16), np.uint8),
                        np.full((2, 4), np.nan, np.float32))
    bad = dataclasses.replace(good, name="b", keypoints=np.zeros((2, 16, 2), np.float32))
    with pytest.raises(DatasetError, match="clip b keypoints must be"):
        sequences.write(tmp_path, [good, bad])
    pose = ImagePose("a.jpg", None, None, "coco17", np.zeros((17, 3)), np.zeros(17, np.uint8), np.full(4, np.nan))
    with pytest.raises(DatasetError, match="is coco17; convert it to mpii16"):
        mpii.write(tmp_path / "m.json", [pose])
    with pytest.raises(DatasetError, match="no image size"):
        labelme.write(tmp_path, [pose])
    with pytest.raises(DatasetError, match="mix skeletons"):
        coco.write(tmp_path / "c.json", [pose, dataclasses.replace(pose, schema="mpii16")])
    assert list(tmp_path.iterdir()) == []


def test_dispatcher_lists_valid_names(tmp_path):
    with pytest.raises(DatasetError, match="valid formats: finediving, mtlaqa, mpii, coco, labelme, sequences"):
        datasets.get_format("openpose")
    with pytest.raises(DatasetError, match="read-only"):
        datasets.write(tmp_path, [], "mtlaqa")


def test_real_mtlaqa():
    dives = datasets.read(shared_data("MTL-AQA"), "mtlaqa")
    assert len(dives) == 1412
    assert sum(d.split == "train" for d in dives) == 1059
    first = next(d for d in dives if d.key == "01/1")
    assert (first.action, first.score, first.difficulty) == ("407C", 88.0, 3.2)
    assert first.judge_marks == (9.5, 9.0, 9.5, 9.0, 8.5, 9.5, 8.5)
    assert first.attributes["position_name"] == "tuck" and first.attributes["ss_no"] == 7
    unlv = mtlaqa.read(shared_data("MTL-AQA", "Ready_2_Use", "UNLV_Dive_split_4"))
    assert len(unlv) == 372 and all(d.action is None for d in unlv)


@pytest.mark.parametrize("fmt", ["npy", "npz"])
def test_sequences_all_zero_joint_is_missing(tmp_path, fmt):
    kp = np.random.default_rng(3).uniform(1, 500, (3, 18, 3)).astype(np.float32)
    kp[0, 6] = 0.0  # OpenPose's "not found"
    kp[1, 7, :2] = 0.0  # at the origin with a confidence: a real point
    kp[2, 4, 2] = 0.0  # a point with zero confidence keeps its place
    if fmt == "npy":
        np.save(tmp_path / "a.npy", kp)
    else:
        np.savez(tmp_path / "a.npz", keypoints=kp, visibility=np.full((3, 18), 2, np.uint8))
    (tmp_path / "labels.csv").write_text("name,score\na,1.0\n")
    (seq,) = sequences.read(tmp_path)
    assert seq.schema == "openpose18"
    assert np.isnan(seq.keypoints[0, 6, :2]).all() and seq.keypoints[0, 6, 2] == 0
    assert seq.visibility[0, 6] == 0
    others = np.ones((3, 18), bool)
    others[0, 6] = False
    np.testing.assert_array_equal(seq.keypoints[others], kp[others])
    assert (seq.visibility[others] == 2).all()


def test_sequences_two_channel_zeros_are_points(tmp_path):
    kp = np.ones((2, 16, 2), np.float32)
    kp[0, 3] = 0.0
    np.save(tmp_path / "a.npy", kp)
    (tmp_path / "labels.csv").write_text("name,score\na,1.0\n")
    (seq,) = sequences.read(tmp_path)
    np.testing.assert_array_equal(seq.keypoints[0, 3], (0.0, 0.0, 1.0))
    assert seq.visibility[0, 3] == 2


def test_real_openpose_sequence_zeros_become_nan(tmp_path):
    src = shared_data("pose-trainer", "poses_compressed", "bicep", "bicep_bad_1.npy")
    raw = np.load(src)
    assert raw.ndim == 3 and raw.shape[1:] == (18, 3)
    zero = (raw == 0).all(axis=-1)
    assert zero.any()
    np.save(tmp_path / "bicep_bad_1.npy", raw)
    (tmp_path / "labels.csv").write_text("name,score,action\nbicep_bad_1,0,bicep\n")
    (seq,) = sequences.read(tmp_path, schema="openpose18")
    assert seq.schema == "openpose18" and seq.keypoints.shape == raw.shape
    assert np.isnan(seq.keypoints[zero, :2]).all() and (seq.keypoints[zero, 2] == 0).all()
    assert (seq.visibility[zero] == 0).all() and (seq.visibility[~zero] == 2).all()
    np.testing.assert_allclose(seq.keypoints[~zero], raw[~zero], rtol=1e-6)
