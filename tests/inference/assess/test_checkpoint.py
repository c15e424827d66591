"""Model files: round trip, atomic writes and a clear refusal for every wrong file."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
import torch

from inference.assess import checkpoint as checkpoint_module
from inference.assess.checkpoint import (
    FORMAT,
    VERSION,
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)


class _Payload:
    """An arbitrary object: unpickling it would be allowed to run code."""

    def __init__(self) -> None:
        self.value = 3


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 1))


def _save(path, **overrides):
    arguments = dict(kind="scorer", schema="mpii16", config={"hidden": 3, "levels": (0, 1, 2)},
                     state_dict=_model().state_dict(), extra={})
    arguments.update(overrides)
    return save_checkpoint(path, **arguments)


def _rewrite_header(path, **changes):
    payload = torch.load(path, weights_only=True)
    payload["header"].update(changes)
    torch.save(payload, path)


def test_round_trip_restores_weights_config_and_extra(tmp_path):
    model = _model()
    extra = {"exemplar_scores": np.array([7.5, 8.0, 9.5], np.float32), "name": "v1",
             "count": np.int64(12), "nested": {"ok": True, "values": [1, 2.5, None]}}
    written = save_checkpoint(tmp_path / "model.pt", kind="scorer", schema="mpii16",
                              config={"hidden": 3, "stages": ("take-off", "flight", "entry")},
                              state_dict=model.state_dict(), extra=extra)
    loaded = load_checkpoint(written, kind="scorer", schema="mpii16")
    assert (loaded.kind, loaded.schema, loaded.version) == ("scorer", "mpii16", VERSION)
    assert loaded.torch_version == torch.__version__
    assert loaded.config == {"hidden": 3, "stages": ("take-off", "flight", "entry")}
    rebuilt = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 1))
    rebuilt.load_state_dict(loaded.state_dict)
    for name, tensor in model.state_dict().items():
        assert torch.equal(rebuilt.state_dict()[name], tensor), name
    assert isinstance(loaded.extra["exemplar_scores"], torch.Tensor)
    np.testing.assert_array_equal(loaded.extra["exemplar_scores"].numpy(), extra["exemplar_scores"])
    assert loaded.extra["count"] == 12 and type(loaded.extra["count"]) is int
    assert loaded.extra["nested"] == {"ok": True, "values": [1, 2.5, None]}
    assert load_checkpoint(written, kind="scorer", schema=None).schema == "mpii16"


def test_file_loads_with_weights_only(tmp_path):
    path = _save(tmp_path / "m.pt", extra={"a": np.zeros(3)})
    payload = torch.load(path, weights_only=True)
    assert payload["header"]["format"] == FORMAT


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="no model file"):
        load_checkpoint(tmp_path / "absent.pt", kind="scorer")


def test_truncated_file_is_refused(tmp_path):
    path = _save(tmp_path / "m.pt")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="not a Plumb model file or is damaged"):
        load_checkpoint(path, kind="scorer")


def test_text_file_is_refused(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("these are not weights\n")
    with pytest.raises(CheckpointError, match="not a Plumb model file"):
        load_checkpoint(path, kind="scorer")


class _SideEffect:
    """Unpickling this creates a folder: proof that loading ran code from the file."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_pickle_of_an_object_is_refused_without_running_it(tmp_path):
    path = tmp_path / "evil.pt"
    marker = tmp_path / "code-ran"
    with path.open("wb") as stream:
        pickle.dump({"header": {"format": FORMAT}, "obj": _SideEffect(marker)}, stream)
    pickle.loads(path.read_bytes())
    assert marker.is_dir(), "the payload runs when unpickled plainly"
    marker.rmdir()
    with pytest.raises(CheckpointError, match="not a Plumb model file") as info:
        load_checkpoint(path, kind="scorer")
    assert isinstance(info.value.__cause__, pickle.UnpicklingError)
    assert not marker.exists(), "loading the checkpoint ran code from the file"


def test_plain_torch_state_dict_is_not_a_plumb_file(tmp_path):
    path = tmp_path / "raw.pt"
    torch.save(_model().state_dict(), path)
    with pytest.raises(CheckpointError, match="not a Plumb model file"):
        load_checkpoint(path, kind="scorer")


def test_other_kind_and_other_schema_are_refused(tmp_path):
    path = _save(tmp_path / "m.pt")
    with pytest.raises(CheckpointError, match="holds a 'scorer' model, not a 'segmenter' model"):
        load_checkpoint(path, kind="segmenter")
    with pytest.raises(CheckpointError, match="trained on 'mpii16' poses but these poses are 'coco17'"):
        load_checkpoint(path, kind="scorer", schema="coco17")


def test_newer_version_asks_for_an_update(tmp_path):
    path = _save(tmp_path / "m.pt")
    _rewrite_header(path, version=VERSION + 1)
    with pytest.raises(CheckpointError, match="made by a newer Plumb.*update Plumb"):
        load_checkpoint(path, kind="scorer")


def test_broken_version_is_refused(tmp_path):
    path = _save(tmp_path / "m.pt")
    _rewrite_header(path, version="one")
    with pytest.raises(CheckpointError, match="damaged"):
        load_checkpoint(path, kind="scorer")


def test_save_creates_missing_folders(tmp_path):
    path = _save(tmp_path / "models" / "diving" / "m.pt")
    assert path.is_file()
    assert load_checkpoint(path, kind="scorer").config["hidden"] == 3


def test_unsupported_values_are_refused_before_writing(tmp_path):
    with pytest.raises(ValueError, match=r"extra\['obj'\] is a _Payload"):
        _save(tmp_path / "m.pt", extra={"obj": _Payload()})
    assert list(tmp_path.iterdir()) == []


def test_failure_during_save_leaves_no_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    path = _save(tmp_path / "m.pt")
    before = path.read_bytes()

    def broken_save(obj, stream):
        stream.write(b"half a model")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint_module.torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        _save(tmp_path / "m.pt", config={"hidden": 99})
    with pytest.raises(OSError, match="disk full"):
        _save(tmp_path / "new.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt"]
    assert path.read_bytes() == before
