"""The project's pose model: fine-tuned on corrected frames of a real project (real SQLite file,
real decoded video, the real bundled network), registered, measured, refused when it cannot be."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.pose_model import MIN_CORRECTED_FRAMES, corrections, latest_pose_model
from app.project import Project
from inference.pose.landmark_finetune import load_landmark_model, save_landmark_model
from inference.pose.base import PoseBackendError
from tests.helpers.corrected_project import correct, new_project


@pytest.fixture
def project(tmp_path):
    return new_project(tmp_path)


def test_too_few_corrected_frames_says_how_many_and_writes_nothing(project, capsys):
    correct(project, range(5))
    correct(project, range(5, 40), manual_joints=2)  # two hand-moved joints do not make a correction
    assert main(["train", str(project), "--task", "pose", "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert f"has 5 corrected frames; fine-tuning needs at least {MIN_CORRECTED_FRAMES}" in err
    assert not (project / "models").exists() or not list((project / "models").iterdir())
    with Project.open(project) as p:
        assert latest_pose_model(p) is None


def test_train_registers_a_model_with_both_validation_figures_and_evaluate_reads_it(project, capsys):
    correct(project, range(0, 60, 2))  # 30 corrected frames, blocks of 10 held out in turn
    with Project.open(project) as p:
        found = corrections(p)
    assert len(found) == 30 and {c.held_out for c in found} == {False, True}
    assert main(["train", str(project), "--task", "pose", "--epochs", "4", "--device", "cpu", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    metrics = result["metrics"]
    # frames 40-48 held out; 38 and 50, their near-twins, are in neither set
    assert (metrics["n_train"], metrics["n_val"]) == (23, 5)
    # the bundled network cannot read the drawn figure; a few epochs on its labels can
    assert metrics["bundled_val_pckh"] < 0.3 and metrics["val_pckh"] > metrics["bundled_val_pckh"] + 0.2
    from inference.pose.landmark_models import heavy_model

    # BlazePose heavy, which reads the bundled model's poses, measured on the same frames
    assert ("heavy_val_pckh" in metrics) == (heavy_model() is not None)
    with Project.open(project) as p:
        path = latest_pose_model(p)
    assert path is not None and path.is_file()
    net, extra = load_landmark_model(path, schema="mpii16")
    assert len(extra["val_frames"]) == metrics["n_val"]
    assert net.located_by_heatmaps  # its heatmaps were taught with its points

    assert main(["evaluate", str(project), "--task", "pose", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    if "heavy" in report:
        assert report["heavy"]["pckh"] == pytest.approx(metrics["heavy_val_pckh"], abs=1e-3)
    assert report["frames"] == metrics["n_val"]
    assert set(report) >= {"project", "bundled"}
    from inference.pose.landmark_models import heavy_model

    assert ("heavy" in report) == (heavy_model() is not None)
    assert report["project"]["pckh"] == pytest.approx(metrics["val_pckh"], abs=1e-3)
    assert report["project"]["error"] == pytest.approx(metrics["val_error"], abs=1e-3)
    assert report["project"]["error"] < report["bundled"]["error"]


def test_one_frame_in_ten_of_a_clip_corrected_is_enough_to_learn_from(tmp_path, capsys):
    root = new_project(tmp_path, frames=101)
    correct(root, range(0, 101, 10))  # 11 corrections; frames 40 and 90 fall in held-out blocks
    capsys.readouterr()
    assert main(["train", str(root), "--task", "pose", "--epochs", "6", "--device", "cpu", "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)["metrics"]
    assert (metrics["n_train"], metrics["n_val"]) == (9, 2)
    assert metrics["val_pckh"] > metrics["bundled_val_pckh"]  # saved only when it beats the bundled one
    with Project.open(root) as p:
        assert latest_pose_model(p) is not None


def test_cancelled_fine_tune_leaves_the_models_as_they_were(project):
    from app.errors import PlumbError
    from app.pose_model import train_pose_model
    from inference.pose.landmark_finetune import FinetuneConfig

    correct(project, range(0, 60, 2))
    with Project.open(project) as p, pytest.raises(PlumbError, match="cancelled"):
        train_pose_model(p, FinetuneConfig(epochs=2), cancelled=lambda: True)
    assert not (project / "models").exists() or not list((project / "models").glob("*.pt"))


def test_a_fine_tune_no_better_than_the_bundled_model_is_not_saved(project):
    from app.errors import PlumbError
    from app.pose_model import train_pose_model
    from inference.pose.landmark_finetune import FinetuneConfig

    correct(project, range(0, 60, 2))
    with Project.open(project) as p, pytest.raises(PlumbError, match="did not beat the bundled model on the 5 held-out"):
        train_pose_model(p, FinetuneConfig(epochs=1, learning_rate=0.0))  # the network cannot change
    assert not (project / "models").exists() or not list((project / "models").glob("*.pt"))


def test_model_files_of_another_kind_or_skeleton_or_damaged_are_refused(tmp_path):
    from inference.pose.blazepose import LandmarkNet

    path = save_landmark_model(tmp_path / "pose.pt", LandmarkNet(), "mpii16")
    with pytest.raises(PoseBackendError, match="coco17"):
        load_landmark_model(path, schema="coco17")
    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(PoseBackendError, match="not a Plumb model file or is damaged"):
        load_landmark_model(damaged)
    text = tmp_path / "notes.pt"
    text.write_text("judges' notes")
    with pytest.raises(PoseBackendError):
        load_landmark_model(text)


def test_backend_project_without_a_model_is_a_one_line_error(project, capsys):
    assert main(["pose", str(project), "--clip", "1", "--backend", "project"]) == 1
    err = capsys.readouterr().err.strip()
    assert "no fine-tuned pose model yet" in err and len(err.splitlines()) == 1


def test_the_outcome_names_heavy_when_it_reads_the_held_out_frames_better():
    from app.pose_model import heavy_clause

    base = {"val_pckh": 0.70, "bundled_val_pckh": 0.60, "n_val": 5}
    assert heavy_clause(base) == ""
    assert heavy_clause({**base, "heavy_val_pckh": 0.65}) == " and 0.650 for BlazePose heavy"
    assert heavy_clause({**base, "heavy_val_pckh": 0.75}).endswith("which reads these frames better")
