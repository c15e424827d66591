"""Random and mutated files fed to every importer and to the video probe.

Whatever the bytes, a reader returns records or raises its typed error (DatasetError,
MediaError), never anything else, and an import that is refused leaves the project as it was.
"""

from __future__ import annotations

import json
import pickle
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.datasets import coco, finediving, labelme, mpii, project_io, sequences
from app.datasets.errors import DatasetError
from app.errors import MediaError
from app.media.probe import probe
from app.project import Project
from tests.app.test_import_integrity import digest
from tests.helpers.videos import write_numbered_video

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MPII = ("r_ankle", "r_knee", "r_hip", "l_hip", "l_knee", "l_ankle", "pelvis", "thorax", "upper_neck", "head_top",
        "r_wrist", "r_elbow", "r_shoulder", "l_shoulder", "l_elbow", "l_wrist")

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                             st.dictionaries(st.text(max_size=8), inner, max_size=5)),
                           max_leaves=30)


def valid_docs():
    return {
        "coco": {"images": [{"id": 1, "file_name": "clip/000003.jpg", "width": 320, "height": 240}],
                 "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "keypoints": [10, 20, 2] * 16,
                                  "bbox": [1, 2, 30, 40]}],
                 "categories": [{"id": 1, "name": "person", "keypoints": list(MPII)}]},
        "mpii": [{"image": "clip/000003.jpg", "joints": [[10, 20]] * 16, "joints_vis": [1] * 16,
                  "center": [50, 50], "scale": 1.0}],
        "labelme": {"imagePath": "000003.jpg", "imageHeight": 240, "imageWidth": 320,
                    "shapes": [{"label": "r_knee", "points": [[10, 20]], "shape_type": "point", "flags": {}},
                               {"label": "athlete", "points": [[1, 2], [30, 40]], "shape_type": "rectangle"}]},
    }


def paths_into(node, path=()):
    """Every place inside a document: the document itself, each value and each item."""
    yield path
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield from paths_into(child, (*path, key))


@st.composite
def mutated(draw, fmt: str):
    """A valid document with one value somewhere inside replaced by an arbitrary JSON value.
    The place is one draw from a fixed list, so the draws never depend on the document's shape."""
    doc = valid_docs()[fmt]
    path = draw(st.sampled_from(list(paths_into(doc))))
    value = draw(json_values)
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return doc


def read_file(fmt: str, folder: Path, text: str | bytes):
    """Write the document where the format expects it and read it back."""
    clip = folder / "clip"
    clip.mkdir(parents=True, exist_ok=True)
    name = "000003.json" if fmt == "labelme" else "doc.json"
    path = clip / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    if fmt == "labelme":
        return [pose.__class__(**{**pose.__dict__, "image": f"clip/{pose.image}"}) for pose in labelme.read(clip)]
    return {"coco": coco, "mpii": mpii}[fmt].read(path)


def check_import(fmt: str, text: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp, Project.create(Path(tmp) / "p") as project:
        try:
            poses = read_file(fmt, Path(tmp) / "in", text)
        except DatasetError:
            return
        before = digest(project)
        try:
            project_io.import_image_poses(project, poses)
        except DatasetError:
            assert digest(project) == before, "a refused import wrote to the project"


@pytest.mark.parametrize("fmt", ["coco", "mpii", "labelme"])
def test_mutated_json_is_read_or_refused_with_a_dataset_error(fmt):
    @FUZZ
    @given(doc=mutated(fmt))
    def run(doc):
        check_import(fmt, json.dumps(doc))

    run()


@pytest.mark.parametrize("fmt", ["coco", "mpii", "labelme"])
def test_random_bytes_are_refused_with_a_dataset_error(fmt):
    @FUZZ
    @given(data=st.one_of(st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode())))
    def run(data):
        check_import(fmt, data)

    run()


@FUZZ
@given(entry=st.one_of(json_values, st.dictionaries(
    st.sampled_from(["action_type", "start_frame", "end_frame", "dive_score", "difficulty", "judge_scores"]),
    scalars, min_size=6)), key=st.one_of(st.tuples(st.text(max_size=5), st.integers(-3, 3)), json_values.filter(
        lambda v: v is None or isinstance(v, (int, str)))))
def test_finediving_pickles_of_any_shape_are_refused_cleanly(entry, key):
    with tempfile.TemporaryDirectory() as tmp, Project.create(Path(tmp) / "p") as project:
        folder = Path(tmp) / "fd"
        folder.mkdir()
        (folder / finediving.COARSE).write_bytes(pickle.dumps({key: entry}))
        before = digest(project)
        try:
            project_io.import_dives(project, finediving.read(folder))
        except DatasetError:
            assert digest(project) == before


@FUZZ
@given(csv=st.binary(max_size=200), arr=st.sampled_from([np.zeros((3, 16, 3)), np.zeros((2, 5)), np.array(["a"]),
                                                         np.full((4, 16, 2), np.nan), np.zeros((0, 16, 3))]))
def test_sequence_folders_of_any_content_are_refused_cleanly(csv, arr):
    with tempfile.TemporaryDirectory() as tmp, Project.create(Path(tmp) / "p") as project:
        folder = Path(tmp) / "seq"
        folder.mkdir()
        (folder / "labels.csv").write_bytes(b"name,score\n" + csv)
        for name in ("a", "clip", "x"):
            np.save(folder / f"{name}.npy", arr)
        before = digest(project)
        try:
            project_io.import_sequences(project, sequences.read(folder))
        except DatasetError:
            assert digest(project) == before


@pytest.fixture(scope="module")
def video_bytes(tmp_path_factory):
    return write_numbered_video(tmp_path_factory.mktemp("v") / "clip.mp4", frames=12, gop=4).read_bytes()


def test_damaged_videos_are_probed_or_refused_with_a_media_error(video_bytes):
    @settings(max_examples=40, deadline=None)
    @given(cut=st.integers(0, len(video_bytes)), flips=st.lists(st.tuples(st.integers(0, len(video_bytes) - 1),
                                                                          st.integers(1, 255)), max_size=8),
           noise=st.binary(max_size=64))
    def run(cut, flips, noise):
        data = bytearray(video_bytes[:cut] + noise)
        for at, bits in flips:
            if at < len(data):
                data[at] ^= bits
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "clip.mp4"
            path.write_bytes(bytes(data))
            try:
                info = probe(path)
            except MediaError:
                return
            assert info.frame_count >= 1

    run()


@pytest.mark.parametrize("value", [1e300, -1e39])
def test_a_coordinate_too_large_to_store_is_refused_and_nothing_is_written(tmp_path, value):
    doc = valid_docs()["coco"]
    doc["annotations"][0]["keypoints"][3] = value
    poses = read_file("coco", tmp_path / "in", json.dumps(doc))
    with Project.create(tmp_path / "p") as project:
        before = digest(project)
        with pytest.raises(DatasetError, match="too large"):
            project_io.import_image_poses(project, poses)
        assert digest(project) == before
