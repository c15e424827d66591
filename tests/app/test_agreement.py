"""Agreement between pose layers: identical layers agree fully, known offsets give hand-computed values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from app.agreement import MPII_OKS_SIGMAS, compare_layers, resolve_layer
from app.errors import PlumbError
from app.project import Project
from tests.app.factories import add_clip_row
from tests.app.test_label_qa import STANDING, add_stages, pose, write_layer

FRAMES = 40
HEAD = 25.0                       # upper_neck (225, 80) to head_top (225, 55)
AREA = (255 - 195) * (230 - 55)   # extent of STANDING's joints: no box stored


@pytest.fixture
def project(tmp_path: Path):
    with Project.create(tmp_path / "agree") as p:
        clip = add_clip_row(p.store, name="dive", frame_count=FRAMES)
        add_stages(p, clip, [5, 12, 30])
        write_layer(p, clip, range(FRAMES), [pose()] * FRAMES)
        yield p


def shifted(dx: float, joints=slice(None)) -> np.ndarray:
    kp = pose()
    kp[joints, 0] += dx
    return kp


def test_identical_layers_agree_fully(project):
    write_layer(project, 1, range(FRAMES), [pose()] * FRAMES, layer="model:mediapipe")
    result = compare_layers(project, "working", "model:mediapipe")
    assert result.frames == FRAMES and result.clips == 1 and result.schema == "mpii16"
    assert result.pckh.overall == 1.0 and np.all(result.pckh.per_joint == 1.0)
    assert result.oks.overall == pytest.approx(1.0) and np.allclose(result.oks.per_joint, 1.0)
    assert result.oks_approximate
    assert [s.stage for s in result.stages] == ["approach", "take-off", "flight", "entry"]
    assert [s.frames for s in result.stages] == [5, 7, 18, 10]


def test_known_offset_gives_hand_computed_values(project):
    write_layer(project, 1, range(FRAMES), [shifted(10.0)] * FRAMES, layer="model:mediapipe")
    result = compare_layers(project, "working", "model:mediapipe")
    assert 10.0 <= 0.5 * HEAD  # every joint within PCKh@0.5
    assert result.pckh.overall == 1.0
    expected = [math.exp(-100.0 / (2 * AREA * (2 * s) ** 2)) for s in MPII_OKS_SIGMAS]
    assert result.oks.per_joint == pytest.approx(expected)
    assert result.oks.overall == pytest.approx(np.mean(expected))
    # the wrists 20 px off: beyond 0.5 × 25 px
    write_layer(project, 1, range(FRAMES), [shifted(20.0, [10, 15])] * FRAMES, layer="model:mediapipe")
    result = compare_layers(project, "working", "model:mediapipe")
    assert result.pckh.per_joint[[10, 15]].tolist() == [0.0, 0.0]
    assert result.pckh.overall == pytest.approx(14 / 16)


def test_per_stage_split(project):
    flight = range(12, 30)
    write_layer(project, 1, range(FRAMES), [shifted(20.0) if f in flight else pose() for f in range(FRAMES)],
                layer="model:x")
    stages = {s.stage: s for s in compare_layers(project, "working", "model:x").stages}
    assert stages["flight"].pckh == 0.0 and stages["flight"].frames == 18
    assert stages["approach"].pckh == stages["take-off"].pckh == stages["entry"].pckh == 1.0
    assert stages["approach"].oks == pytest.approx(1.0) and stages["flight"].oks < 1.0


def test_missing_joint_in_b_is_a_miss_and_a_unlabelled_joint_is_skipped(project):
    b = pose()
    b[0, :2] = np.nan
    write_layer(project, 1, range(FRAMES), [b] * FRAMES, layer="model:x")
    result = compare_layers(project, "model:x", "working")  # A lacks r_ankle: not counted
    assert result.pckh.counted[0] == 0 and np.isnan(result.pckh.per_joint[0]) and result.pckh.overall == 1.0
    result = compare_layers(project, "working", "model:x")  # B lacks it: a miss
    assert result.pckh.per_joint[0] == 0.0


def test_annotator_layers_and_unknown_names(project):
    write_layer(project, 1, range(FRAMES), [pose()] * FRAMES, layer="annotator:ana")
    assert resolve_layer(project, "ana") == "annotator:ana"
    assert compare_layers(project, "working", "ana").pckh.overall == 1.0
    with pytest.raises(PlumbError, match="annotator:ana, working"):
        resolve_layer(project, "bob")


def test_coco_layers_get_oks_without_pckh(project):
    coco = np.ones((17, 3), np.float32)
    coco[:, :2] = STANDING[:1] + np.arange(17)[:, None] * 3
    write_layer(project, 1, range(3), [coco] * 3, layer="annotator:a", schema="coco17")
    write_layer(project, 1, range(3), [coco] * 3, layer="annotator:b", schema="coco17")
    result = compare_layers(project, "a", "b")
    assert result.pckh is None and result.oks.overall == pytest.approx(1.0) and not result.oks_approximate
    with pytest.raises(PlumbError, match="different joint schemas"):
        compare_layers(project, "working", "a")


# --- CLI ------------------------------------------------------------------------------------

@pytest.fixture
def cli(capsys):
    """The real `plumb` entry point, its output captured."""
    import app.cli as cli_module

    def run(*argv):
        code = cli_module.main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_cli_agreement_table_and_json(project, cli):
    import json
    write_layer(project, 1, range(FRAMES), [shifted(20.0, [10, 15])] * FRAMES, layer="model:mediapipe")
    code, out, _ = cli("agreement", project.root, "--a", "working", "--b", "model:mediapipe")
    assert code == 0 and "r_wrist" in out and "flight" in out and "overall" in out and "0.875" in out
    code, out, _ = cli("agreement", project.root, "--a", "working", "--b", "model:mediapipe", "--json")
    data = json.loads(out)
    assert code == 0 and data["pckh"]["overall"] == pytest.approx(0.875) and data["pckh"]["per_joint"]["r_wrist"] == 0
    assert [s["stage"] for s in data["stages"]] == ["approach", "take-off", "flight", "entry"]
    code, out, err = cli("agreement", project.root, "--a", "working", "--b", "nobody")
    assert code == 1 and out == "" and err.count("\n") == 1 and "nobody" in err


def test_cli_check_exit_codes_and_json(project, cli, tmp_path):
    import json
    from app.store.models import Clip
    code, out, _ = cli("check", project.root)
    assert code == 0 and "No problems" in out
    with project.store.transaction() as tx:
        tx.session.get(Clip, 1).dive_number = "409Q"
    code, out, _ = cli("check", project.root)
    assert code == 0 and "dive-number (1)" in out and "409Q" in out
    code, out, _ = cli("check", project.root, "--json", "--clip", 1)
    data = json.loads(out)
    assert code == 0 and data["counts"] == {"dive-number": 1} and data["problems"][0]["clip_id"] == 1
    code, _, err = cli("check", tmp_path / "missing")
    assert code == 1 and "does not exist" in err
