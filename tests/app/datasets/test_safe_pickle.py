"""The restricted unpickler loads plain data and arrays and refuses everything else unrun."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from app.datasets.errors import DatasetError
from app.datasets.safe_pickle import load_pickle, loads_pickle
from tests.conftest import shared_data


class _Hostile:
    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _touch_via(tmp_path, func_and_args):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pkl"
    func, args = func_and_args(marker)
    path.write_bytes(pickle.dumps({"ok": 1, "payload": _Hostile(func, *args)}))
    return path, marker


@pytest.mark.parametrize("make", [
    lambda m: (os.system, (f"touch {m}",)),
    lambda m: (eval, (f"open({str(m)!r}, 'w').close()",)),
    lambda m: (__import__("subprocess").call, (["touch", str(m)],)),
    lambda m: (open, (str(m), "w")),
], ids=["os.system", "builtins.eval", "subprocess.call", "builtins.open"])
def test_hostile_pickle_is_refused_and_not_run(tmp_path, make):
    path, marker = _touch_via(tmp_path, make)
    with pytest.raises(DatasetError) as err:
        load_pickle(path)
    assert not marker.exists()
    message = str(err.value)
    assert str(path) in message and "refused" in message and "only plain data" in message


def test_refusal_names_the_forbidden_global(tmp_path):
    path, _ = _touch_via(tmp_path, lambda m: (os.system, ("true",)))
    with pytest.raises(DatasetError, match=r"asks for (posix|os|nt)\.system"):
        load_pickle(path)


def test_plain_data_and_arrays_load():
    obj = {("a", 1): [1.5, np.float64(2.0), "x", None, True, {1, 2}, frozenset([3]), b"by"],
           "arr": np.arange(6, dtype=np.int64).reshape(2, 3), "f32": np.float32(1.5),
           "obj": np.array([1, "x"], dtype=object)}
    for protocol in range(0, pickle.HIGHEST_PROTOCOL + 1):
        back = loads_pickle(pickle.dumps(obj, protocol=protocol))
        assert np.array_equal(back["arr"], obj["arr"]) and back["arr"].dtype == np.int64
        assert back[("a", 1)] == obj[("a", 1)] and back["f32"] == obj["f32"]
        assert list(back["obj"]) == [1, "x"]


def test_numpy2_module_names_load_here():
    data = pickle.dumps(np.arange(3), protocol=2)
    assert b"numpy.core.multiarray" in data
    renamed = data.replace(b"numpy.core.multiarray", b"numpy._core.multiarray")
    assert np.array_equal(loads_pickle(renamed), np.arange(3))


def test_truncated_and_missing_files_give_clear_errors(tmp_path):
    path = tmp_path / "cut.pkl"
    path.write_bytes(pickle.dumps({"a": list(range(100))})[:-20])
    with pytest.raises(DatasetError, match=r"cut\.pkl: not a readable pickle.*truncated"):
        load_pickle(path)
    with pytest.raises(DatasetError, match="nothere.pkl: cannot read"):
        load_pickle(tmp_path / "nothere.pkl")


def test_real_dataset_pickles_load():
    for folder in (shared_data("FineDiving"), shared_data("MTL-AQA")):
        paths = sorted(folder.rglob("*.pkl"))
        assert paths
        for path in paths:
            data = load_pickle(path)
            # Annotation files are dicts of dives keyed by (video, index); split files are
            # lists of those keys; FineDiving's sub-action table maps ids to names.
            assert isinstance(data, (dict, list)) and len(data) > 0, path
            keys = list(data) if isinstance(data, dict) else data
            if "Sub_action" in path.name:
                assert all(isinstance(k, int) and isinstance(v, str) for k, v in data.items()), path
            else:
                assert all(isinstance(k, tuple) and len(k) == 2 for k in keys), path
