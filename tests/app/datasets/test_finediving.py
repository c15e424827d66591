"""FineDiving pickles: real files round-trip exactly; the pose-array export resamples to 96."""

from __future__ import annotations

import pickle
import time

import numpy as np
import pytest

from app.datasets import finediving
from app.datasets.errors import DatasetError
from app.datasets.records import DiveLabel, PoseSequence
from tests.conftest import shared_data


def _dive(key="Event_final_r1/1", **kw):
    base = dict(key=key, action="207C", score=81.18, difficulty=3.3,
                judge_marks=(7.5, 9.0, 8.0, 8.0, 8.5), start_frame=10, end_frame=14,
                stage_transitions=(2, 4), frame_labels=np.array([2, 2, 25, 25, 36]),
                sub_action_names={2: "Back", 25: "3.5 Soms.Tuck", 36: "Entry"},
                event=key.rpartition("/")[0], split="train")
    base.update(kw)
    return DiveLabel(**base)


def test_generated_round_trip(tmp_path):
    dives = [_dive(), _dive("Other/3", split="test", judge_marks=(7.0, 7.5, 8.0)),
             _dive("Other/4", split=None)]
    finediving.write(tmp_path, dives)
    assert finediving.read(tmp_path) == dives
    assert pickle.loads((tmp_path / finediving.COARSE).read_bytes())[("Other", 3)]["action_type"] == "207c"


def test_export_refuses_incomplete_dive_and_writes_nothing(tmp_path):
    with pytest.raises(DatasetError, match="Other/2 has no score"):
        finediving.write(tmp_path, [_dive(), _dive("Other/2", score=None)])
    with pytest.raises(DatasetError, match="not '<video name>/<dive index>'"):
        finediving.write(tmp_path, [_dive("no-index")])
    assert list(tmp_path.iterdir()) == []


def test_malformed_files(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        finediving.read(tmp_path)
    (tmp_path / finediving.COARSE).write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(DatasetError, match="expected a dict"):
        finediving.read(tmp_path)
    (tmp_path / finediving.COARSE).write_bytes(pickle.dumps({("v", 1): {"action_type": "1a"}}))
    with pytest.raises(DatasetError, match=r"v/1 lacks one of"):
        finediving.read(tmp_path)
    finediving.write(tmp_path, [_dive()])
    fine = pickle.loads((tmp_path / finediving.FINE).read_bytes())
    fine[("Event_final_r1", 1)]["frames_labels"] = np.zeros((2, 2), dtype=int)
    (tmp_path / finediving.FINE).write_bytes(pickle.dumps(fine))
    with pytest.raises(DatasetError, match="frames_labels must be a 1-D int array"):
        finediving.read(tmp_path)


def test_real_annotations_round_trip_exactly(tmp_path):
    folder = shared_data("FineDiving", "Annotations")
    start = time.perf_counter()
    dives = finediving.read(folder)
    elapsed = time.perf_counter() - start
    assert len(dives) == 3000 and elapsed < 10
    assert {d.split for d in dives} == {"train", "test"}
    assert sum(d.split == "train" for d in dives) == 2251
    first = dives[0]
    assert first.key == "FINAWorldChampionships2019_Men10mSynchronised_final_r4/1"
    assert (first.action, first.score, first.judge_marks) == ("207C", 81.18, (7.5, 9.0, 8.0, 8.0, 8.5))
    assert all(len(d.frame_labels) == d.end_frame - d.start_frame + 1 for d in dives)

    finediving.write(tmp_path, dives)
    assert finediving.read(tmp_path) == dives
    # The written pickles hold the same values as the originals (not the same bytes:
    # protocol 4, judge marks become plain floats, split lists follow the dive order).
    for name in (finediving.COARSE, finediving.SUB_ACTIONS):
        original = pickle.loads((folder / name).read_bytes())
        assert pickle.loads((tmp_path / name).read_bytes()) == original, name
    for name in (finediving.TRAIN, finediving.TEST):
        original = pickle.loads((folder / name).read_bytes())
        assert sorted(pickle.loads((tmp_path / name).read_bytes())) == sorted(original), name
    original = pickle.loads((folder / finediving.AQA).read_bytes())
    written = pickle.loads((tmp_path / finediving.AQA).read_bytes())
    assert written.keys() == original.keys()
    for key, row in original.items():
        assert row[:3] == written[key][:3]
        assert all(np.array_equal(a, b) for a, b in zip(row[3:], written[key][3:]))


def test_hp_mcore_revision_replaces_fine_labels():
    folder = shared_data("FineDiving", "Annotations")
    revised = shared_data("FineDiving", "Annotations_HP-MCoRe_revision")
    original = {d.key: d for d in finediving.read(folder)}
    changed = [d for d in finediving.read(folder, revision=revised) if d != original[d.key]]
    assert len(changed) == 43
    fixed = next(d for d in changed if d.key == "01/17")
    assert fixed.stage_transitions == (51, 54, 63, 89)
    assert original["01/17"].stage_transitions == (47, 63, 87)


def _sequence(t=10, name="Event/1", schema="mpii16"):
    kp = np.zeros((t, 16, 3), dtype=np.float32)
    kp[:, :, 0] = np.arange(t)[:, None]
    kp[:, :, 1] = 2 * np.arange(t)[:, None]
    kp[:, :, 2] = 1.0
    return PoseSequence(name=name, schema=schema, keypoints=kp,
                        visibility=np.full((t, 16), 2, np.uint8), bbox=np.full((t, 4), np.nan))


def test_pose_arrays_resample_to_96(tmp_path):
    seq = _sequence(t=11)
    kp = seq.keypoints.copy()
    kp[4:6, 3, :2] = np.nan   # an inner gap: filled linearly
    kp[:2, 5, :2] = np.nan    # unknown at the start: stays NaN
    seq = PoseSequence(seq.name, seq.schema, kp, seq.visibility, seq.bbox)
    (path,) = finediving.write_pose_arrays(tmp_path, [seq])
    assert path == tmp_path / "Event" / "1.npy"
    arr = np.load(path)
    assert arr.shape == (96, 16, 3) and arr.dtype == np.float32
    expected_x = np.linspace(0, 10, 96)
    np.testing.assert_allclose(arr[:, 0, 0], expected_x, rtol=1e-6)
    np.testing.assert_allclose(arr[:, 3, 1], 2 * expected_x, rtol=1e-6)
    lead = expected_x < 2
    assert np.isnan(arr[lead, 5, 0]).all() and (arr[lead, 5, 2] == 0).all()
    assert np.isfinite(arr[~lead, 5, :]).all()
    (path2,) = finediving.write_pose_arrays(tmp_path / "xy", [seq], channels=2)
    assert np.load(path2).shape == (96, 16, 2)


def test_pose_arrays_refuse_wrong_schema_and_write_nothing(tmp_path):
    bad = _sequence(name="B/1", schema="coco17")
    with pytest.raises(DatasetError, match="B/1 is coco17.*convert"):
        finediving.write_pose_arrays(tmp_path, [_sequence(), bad])
    with pytest.raises(DatasetError, match="cannot be a file name"):
        finediving.write_pose_arrays(tmp_path, [_sequence(name="../up")])
    assert list(tmp_path.iterdir()) == []
