"""Bad input to `plumb`: one line naming the file and what to do, a non-zero exit, nothing written."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from app.cli import build_parser, main
from app.cli.common import print_json
from app.project import Project
from tests.app.test_import_integrity import digest
from tests.conftest import REPO
from tests.helpers import videos

MPII = ["r_ankle", "r_knee", "r_hip", "l_hip", "l_knee", "l_ankle", "pelvis", "thorax", "upper_neck", "head_top",
        "r_wrist", "r_elbow", "r_shoulder", "l_shoulder", "l_elbow", "l_wrist"]


def coco(**changes):
    doc = {"images": [{"id": 1, "file_name": "clip/000003.jpg", "width": 320, "height": 240}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "keypoints": [10, 20, 2] * 16}],
           "categories": [{"id": 1, "name": "person", "keypoints": MPII}]}
    for path, value in changes.items():
        target = doc
        *keys, last = path.split(".")
        for key in keys:
            target = target[int(key) if key.isdigit() else key]
        target[int(last) if last.isdigit() else last] = value
    return doc


def labelme(**changes):
    doc = {"imagePath": "000003.jpg", "imageHeight": 240, "imageWidth": 320,
           "shapes": [{"label": "r_knee", "points": [[10, 20]], "shape_type": "point", "flags": {}}]}
    doc.update(changes)
    return doc


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return videos.write_numbered_video(tmp_path_factory.mktemp("media") / "clip.mp4", frames=20, fps=25)


@pytest.fixture
def project(tmp_path, video, capsys):
    folder = tmp_path / "p"
    assert main(["new", str(folder)]) == 0
    assert main(["add", str(folder), str(video)]) == 0
    capsys.readouterr()
    return folder


def refused(capsys, argv, *words):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code != 0, out
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    return err


COCO_CASES = {
    "categories not a list": (coco(categories=5), "'categories' must be a list"),
    "keypoints an int": (coco(**{"annotations.0.keypoints": 7}), "keypoints"),
    "unhashable image id": (coco(**{"images.0.id": [1], "annotations.0.image_id": [1]}), "'id'"),
    "width abc": (coco(**{"images.0.width": "abc"}), "width"),
    "annotation id a list": (coco(**{"annotations.0.id": []}), "'id' []"),
    "category keypoints an int": (coco(**{"categories.0.keypoints": 3}), "keypoints"),
    "deeply nested": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
}


@pytest.mark.parametrize("case", sorted(COCO_CASES))
def test_malformed_coco_is_refused(tmp_path, project, capsys, case):
    doc, words = COCO_CASES[case]
    path = tmp_path / "coco.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    with Project.open(project) as opened:
        before = digest(opened)
    refused(capsys, ["import", project, "coco", path], "coco.json", words)
    with Project.open(project) as opened:
        assert digest(opened) == before


@pytest.mark.parametrize("doc,words", [
    (labelme(shapes=5), "'shapes' must be a list"),
    (labelme(shapes=[{"label": "r_knee", "points": [[1, 2]], "shape_type": "point", "flags": [1]}]), "'flags'"),
    (labelme(imageWidth="abc"), "imageWidth"),
])
def test_malformed_labelme_is_refused(tmp_path, project, capsys, doc, words):
    folder = tmp_path / "lm" / "clip"
    folder.mkdir(parents=True)
    (folder / "000003.json").write_text(json.dumps(doc))
    refused(capsys, ["import", project, "labelme", folder.parent], "000003.json", words)


def test_non_utf8_labels_csv_is_refused(tmp_path, project, capsys):
    folder = tmp_path / "seq"
    folder.mkdir()
    (folder / "labels.csv").write_bytes(b"name,score\nclip,\xe9\n")
    refused(capsys, ["import", project, "sequences", folder], "labels.csv", "UTF-8")


def test_finediving_end_frame_far_beyond_any_clip_is_refused(tmp_path, project, capsys):
    folder = tmp_path / "fd"
    folder.mkdir()
    entry = {"action_type": "107B", "start_frame": 0, "end_frame": 10**9, "dive_score": 60.0, "difficulty": 3.0,
             "judge_scores": [7.0]}
    (folder / "FineDiving_coarse_annotation.pkl").write_bytes(pickle.dumps({("dive_a", 1): entry}))
    refused(capsys, ["import", project, "finediving", folder], "dive_a/1", "frames")


@pytest.mark.parametrize("fps", ["nan", "0", "-5"])
def test_import_fps_must_be_positive(tmp_path, project, capsys, fps):
    with pytest.raises(SystemExit) as exit_:
        main(["import", str(project), "sequences", str(tmp_path), "--fps", fps])
    assert exit_.value.code == 2
    assert "frame rate" in capsys.readouterr().err


@pytest.mark.parametrize("box,words", [(["999", "1", "1", "50", "50"], "frame 999"),
                                       (["3", "50", "50", "1", "1"], "X1 < X2"),
                                       (["3", "nan", "1", "50", "50"], "X1 < X2")])
def test_pose_athlete_box_is_checked_before_the_clip_runs(project, capsys, box, words):
    refused(capsys, ["pose", project, "--clip", "1", "--athlete-box", *box], "--athlete-box", words)


def test_detect_out_must_be_a_file(tmp_path, video, capsys):
    refused(capsys, ["detect", video, "--out", tmp_path], "is a folder")


def test_export_onto_an_existing_file_is_refused(tmp_path, project, capsys):
    existing = tmp_path / "keep.txt"
    existing.write_text("keep me")
    refused(capsys, ["export", project, "sequences", existing], "keep.txt", "folder")
    assert existing.read_text() == "keep me"


def test_symlink_loop_given_to_add(tmp_path, project, capsys):
    loop = tmp_path / "loop.mp4"
    os.symlink(loop, loop)
    refused(capsys, ["add", project, loop], "loop.mp4", "points back to itself")


def test_pose_all_skips_clips_without_video_and_exits_non_zero(tmp_path, capsys):
    folder = tmp_path / "p"
    main(["new", str(folder)])
    seq = tmp_path / "seq"
    seq.mkdir()
    (seq / "labels.csv").write_text("name,score\nimported,5\n")
    np.save(seq / "imported.npy", np.full((6, 16, 3), 4.0, np.float32))
    assert main(["import", str(folder), "sequences", str(seq)]) == 0
    capsys.readouterr()
    code = main(["pose", str(folder), "--all"])
    out, _ = capsys.readouterr()
    assert code == 1 and "0 clip(s) annotated, 1 skipped" in out and "imported" in out and "relink" in out


def test_an_unforeseen_error_is_one_line_and_debug_shows_the_traceback(tmp_path, monkeypatch, capsys):
    def broken(args):
        raise ZeroDivisionError("division by zero")

    argv = ["info", str(tmp_path)]
    monkeypatch.setattr("app.cli.build_parser", lambda: _with(build_parser(), broken))
    err = refused(capsys, argv, "ZeroDivisionError", "--debug")
    assert err.startswith("plumb info:")
    with pytest.raises(ZeroDivisionError):
        main(["--debug", *argv])
    monkeypatch.setenv("PLUMB_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(argv)


def _with(parser, run):
    parser.set_defaults(run=run)
    for action in parser._subparsers._group_actions:  # the sub-command parsers carry their own default
        for sub in action.choices.values():
            sub.set_defaults(run=run)
    return parser


def test_json_output_is_strict(capsys):
    print_json({"score": float("nan"), "spread": np.float32("inf"), "values": np.array([1.0, np.nan])})
    text = capsys.readouterr().out
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"score": None, "spread": None, "values": [1.0, None]}


def test_the_installed_command_prints_no_traceback(tmp_path):
    """A subprocess, as a user runs it: the exit code and stderr the shell sees."""
    bad = tmp_path / "coco.json"
    bad.write_text(json.dumps(coco(categories=5)))
    main(["new", str(tmp_path / "p")])
    done = subprocess.run([sys.executable, "-m", "app.cli", "import", str(tmp_path / "p"), "coco", str(bad)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1
