"""FineDiving and LabelMe export of a project made of the user's own videos."""

from __future__ import annotations

import json
import pickle

import numpy as np

from app.cli import main
from app.edits import set_clip_fields, set_clip_labels, set_stages
from app.project import Project
from tests.helpers import videos

FRAMES = 20


def make_project(tmp_path, capsys):
    folder = tmp_path / "p"
    assert main(["new", str(folder)]) == 0
    for name, frames in (("dive_a", FRAMES), ("dive_b", FRAMES + 4)):  # two different files
        video = videos.write_numbered_video(tmp_path / f"{name}.mp4", frames=frames, fps=25)
        assert main(["add", str(folder), str(video)]) == 0
    seq = tmp_path / "seq"
    seq.mkdir()
    (seq / "labels.csv").write_text("name,score\ndive_a,\n")
    np.save(seq / "dive_a.npy", np.full((FRAMES, 16, 3), 5.0, np.float32))
    assert main(["import", str(folder), "sequences", str(seq)]) == 0
    with Project.open(folder) as project:
        project.history.apply(set_clip_fields(1, dive_number="107B", difficulty=3.0))
        project.history.apply(set_clip_labels(1, "coach", overall_score=61.5, difficulty=3.0))
        project.history.apply(set_stages(1, ["take-off", "flight", "entry"], [5, 15]))
    capsys.readouterr()
    return folder


def test_finediving_export_keys_own_clips_by_name_and_skips_unlabelled_ones(tmp_path, capsys):
    folder = make_project(tmp_path, capsys)
    out = tmp_path / "fd"
    assert main(["export", str(folder), "finediving", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["clips"] == 1
    assert any("dive_b/0" in note and "no action" in note for note in report["notes"])
    coarse = pickle.loads((out / "FineDiving_coarse_annotation.pkl").read_bytes())
    assert list(coarse) == [("dive_a", 0)]
    assert coarse[("dive_a", 0)]["dive_score"] == 61.5
    fine = pickle.loads((out / "FineDiving_fine-grained_annotation.pkl").read_bytes())[("dive_a", 0)]
    assert np.bincount(fine["frames_labels"]).tolist() == [0, 5, 10, 5], "stage numbers per frame"
    assert list(fine["steps_transit_frames"]) == [4, 14]
    # The pose arrays carry the annotations' keys: <video>/<dive index>.npy, only for exported dives.
    assert sorted(p.relative_to(out / "poses").as_posix() for p in (out / "poses").rglob("*.npy")) == ["dive_a/0.npy"]


def test_labelme_export_of_own_videos(tmp_path, capsys):
    folder = make_project(tmp_path, capsys)
    out = tmp_path / "lm"
    assert main(["export", str(folder), "labelme", str(out)]) == 0
    files = sorted((out / "dive_a").glob("*.json"))
    assert len(files) == FRAMES and len(list((out / "dive_a").glob("*.jpg"))) == FRAMES
    doc = json.loads(files[0].read_text())
    assert (doc["imageWidth"], doc["imageHeight"]) == (320, 240) and len(doc["shapes"]) == 16
