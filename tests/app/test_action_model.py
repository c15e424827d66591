"""plumb train/evaluate --task action and one clip's answer, on real project files filled
with generated exercises (and on the real Pose Trainer skeletons when they are present)."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest
import torch
from sqlalchemy import func, select

from app.assessment.action import evaluate_action, recognise_action
from app.assessment.registry import MODELS_DIR, latest_model, register_model
from app.cli import main as plumb
from app.errors import AssessmentError
from app.project import Project
from app.store.models import TrainedModel
from inference.action.classifier import load_action_classifier
from inference.skeletons import convert
from tests.conftest import shared_data
from tests.helpers.action_poses import ACTIONS, action_project, exercise, sequence

TRAIN = ["--epochs", "12", "--patience", "6", "--seed", "0", "--device", "cpu"]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def short_clip():
    kp = exercise("curl", 999, frames=50)
    kp[5:, :, :2] = np.nan                           # the athlete posed in 5 frames only
    return sequence("short", kp, action="curl")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("action") / "p"
    action_project(folder, 8, athletes=4, extra=[short_clip()]).close()
    with pytest.MonkeyPatch.context() as patch:
        lines = []
        patch.setattr("app.cli.action_commands.print_json", lines.append)
        assert plumb(["train", str(folder), "--task", "action", *TRAIN, "--json"]) == 0
    project = Project.open(folder)
    yield project, lines[0]
    project.close()


def models_written(folder) -> tuple[int, list[str]]:
    with Project.open(folder) as project:
        with project.store.reading() as session:
            rows = session.scalar(select(func.count()).select_from(TrainedModel))
    files = sorted(p.name for p in (folder / MODELS_DIR).glob("*")) if (folder / MODELS_DIR).exists() else []
    return rows, files


def test_training_holds_out_whole_athletes_and_beats_the_majority_prior(trained):
    project, out = trained
    metrics = out["metrics"]
    assert metrics["classes"] == sorted(ACTIONS) and metrics["n_test"] == 6
    assert metrics["accuracy"] >= metrics["prior"]["accuracy"] + 0.4
    assert set(metrics["per_action"]) == set(ACTIONS) and len(metrics["confusion"]["matrix"]) == 3
    assert "posed frame" in out["left_out"]["short"]
    _, extra = load_action_classifier(out["file"], "coco17")
    athletes = {str(c.id): c.athlete for c in project.clips()}
    by_split = {s: {athletes[k] for k, v in extra["split"].items() if v == s} for s in ("train", "val", "test")}
    assert by_split["test"] and not by_split["test"] & (by_split["train"] | by_split["val"])
    assert latest_model(project, "action").id == out["model_id"]


def test_evaluate_prints_the_figures_and_writes_one_prediction_per_test_clip(trained, tmp_path, capsys):
    project, out = trained
    target = tmp_path / "predictions.csv"
    assert plumb(["evaluate", str(project.root), "--task", "action", "--predictions", str(target)]) == 0
    text = capsys.readouterr().out
    assert "majority-class prior" in text and "recall per action" in text and "confusion" in text
    with open(target, newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames == ["name", "action", "predicted", "confidence"]
    assert len(rows) == out["metrics"]["n_test"]
    names = {c.name: c for c in project.clips()}
    assert all(r["name"] in names and r["action"] == names[r["name"]].action for r in rows)
    assert all(r["predicted"] in ACTIONS and 0 < float(r["confidence"]) <= 1 for r in rows)
    assert evaluate_action(project).metrics["accuracy"] == pytest.approx(out["metrics"]["accuracy"])


def test_one_clip_gets_the_label_with_alternatives_or_says_why_it_is_unsure(trained):
    project, out = trained
    clips = {c.name: c for c in project.clips()}
    answer = recognise_action(project, clips["squat-0"].id)
    assert answer["source"] == "classifier" and answer["model_id"] == out["model_id"]
    assert answer["label"] == "squat" and answer["unsure"] is None and answer["confidence"] >= 0.5
    assert len(answer["alternatives"]) == 3 and answer["alternatives"][0]["label"] == "squat"
    confidences = [a["confidence"] for a in answer["alternatives"]]
    assert confidences == sorted(confidences, reverse=True)
    short = recognise_action(project, clips["short"].id)
    assert short["label"] is None and "posed frame" in short["unsure"]


def test_without_an_action_model_there_is_no_answer_and_nothing_to_evaluate(tmp_path):
    with action_project(tmp_path / "p", 1) as project:
        assert recognise_action(project, project.clips()[0].id) is None
        with pytest.raises(AssessmentError, match="no trained action model"):
            evaluate_action(project)


@pytest.mark.parametrize("build, words", [
    (lambda f: action_project(f, 0, extra=[sequence(f"clip-{i}", exercise("curl", i)) for i in range(3)]),
     "no clip with poses has an action label"),
    (lambda f: action_project(f, 5, actions=("curl",)), "every labelled clip is 'curl'"),
    (lambda f: action_project(f, 5, actions=("curl", "raise"), extra=[
        sequence(f"squat-{i}", exercise("squat", i), action="squat") for i in range(2)]),
     "too few clips per action: 'squat' has 2"),
    (lambda f: action_project(f, 5, split=lambda i: "train"), "no labelled clip is in the test split"),
    (lambda f: action_project(f, 5, split=lambda i: "val" if i == 0 else "test"),
     "no training clip of"),
], ids=["unlabelled", "one-action", "too-few", "no-test", "no-train"])
def test_bad_libraries_are_refused_with_nothing_written(tmp_path, capsys, build, words):
    folder = tmp_path / "p"
    build(folder).close()
    assert plumb(["train", str(folder), "--task", "action", *TRAIN]) != 0
    error = capsys.readouterr().err
    assert words in error and "\n" not in error.strip()
    assert models_written(folder) == (0, [])


def test_a_model_of_another_skeleton_is_refused_with_nothing_written(trained, tmp_path, capsys):
    _, out = trained
    folder = tmp_path / "mpii"
    seqs = [sequence(f"{a}-{i}", convert(exercise(a, 100 * k + i), "coco17", "mpii16").keypoints, "mpii16",
                     action=a, split="test" if i == 0 else "train")
            for k, a in enumerate(ACTIONS) for i in range(4)]
    with action_project(folder, 0, extra=seqs) as project:
        copied = project.root / MODELS_DIR / "action-copied.pt"
        copied.parent.mkdir()
        shutil.copy(out["file"], copied)
        register_model(project, "action", copied, "coco17", {}, "elsewhere")
        with pytest.raises(AssessmentError, match="trained on 'coco17' poses but these poses are 'mpii16'"):
            recognise_action(project, project.clips()[0].id)
    target = tmp_path / "predictions.csv"
    assert plumb(["evaluate", str(folder), "--task", "action", "--predictions", str(target)]) != 0
    assert "coco17" in capsys.readouterr().err and not target.exists()


def test_pose_trainer_exercises_are_told_apart_far_above_the_prior(tmp_path):
    source = shared_data("pose-trainer", "poses_compressed")
    folder = tmp_path / "seqs"
    rows = []
    for path in sorted(source.glob("*/*.npy")):
        (folder / path.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / path.parent.name / path.name)
        rows.append(f"{path.parent.name}/{path.stem},,{path.parent.name}")
    (folder / "labels.csv").write_text("name,score,action\n" + "\n".join(rows) + "\n")
    project = tmp_path / "project"
    assert plumb(["new", str(project), "--sport", "strength"]) == 0
    assert plumb(["import", str(project), "sequences", str(folder), "--schema", "openpose18", "--fps", "30"]) == 0
    with pytest.MonkeyPatch.context() as patch:
        lines = []
        patch.setattr("app.cli.action_commands.print_json", lines.append)
        assert plumb(["train", str(project), "--task", "action", "--epochs", "40", "--seed", "0",
                      "--device", "cpu", "--json"]) == 0
    metrics = lines[0]["metrics"]
    assert metrics["n_test"] >= 20 and len(metrics["classes"]) == 4
    assert metrics["accuracy"] >= metrics["prior"]["accuracy"] + 0.4, json.dumps(metrics)


def test_analysis_stores_the_classifier_answer_and_check_flags_a_mistyped_action(trained, tmp_path):
    from app.assessment.analysis import analyze
    from app.edits import set_clip_fields
    from app.label_qa import check_project

    project, _ = trained
    shutil.copytree(project.root, tmp_path / "copy")
    with Project.open(tmp_path / "copy") as copy:
        clip = next(c for c in copy.clips() if c.name == "squat-0")
        copy.history.apply(set_clip_fields(clip.id, action="curl"))
        result = analyze(copy, clip.id)
        answer = result.action["classifier"]
        assert answer["source"] == "classifier" and answer["label"] == "squat" and answer["confidence"] >= 0.7
        assert result.action["label"] == "squat" or result.action["source"] == "dive reading"
        flagged = [p for p in check_project(copy) if p.kind == "action-disagrees"]
        assert [p.clip_id for p in flagged] == [clip.id]
        assert "action classifier reads squat" in flagged[0].message
