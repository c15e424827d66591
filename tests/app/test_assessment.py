"""plumb train / evaluate / analyze on a real project file filled with generated dives."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest
import torch
from sqlalchemy import func, select

from app.assessment.analysis import NO_SCORE_MODEL, analyze
from app.assessment.stored import latest_assessment
from app.assessment.evaluation import evaluate, write_predictions
from app.assessment.registry import latest_model
from app.assessment.training import train
from app.cli import main as plumb
from app.datasets import project_io
from app.errors import AssessmentError
from app.store.models import Assessment, TrainedModel
from inference.assess.training import Cancelled, TrainConfig
from inference.skeletons import convert
from inference.assess.synthetic import synthetic_library
from tests.helpers.assess_project import as_sequence, synthetic_project

FAST = TrainConfig(epochs=8, patience=4, seed=0, device="cpu")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    project = synthetic_project(tmp_path_factory.mktemp("assess") / "p", 30, seed=4)
    stages = train(project, "stages", FAST)
    score = train(project, "score", FAST, method="contrastive")
    yield project, stages, score
    project.close()


def test_training_registers_models_with_test_metrics_and_priors(trained):
    project, stages, score = trained
    assert stages.record.path.is_file() and score.record.path.is_file()
    assert latest_model(project, "score").id == score.record.id
    n_test = sum(1 for c in project.clips() if c.split == "test")
    assert score.metrics["n_test"] == stages.metrics["n_test"] == n_test
    assert -1 <= score.metrics["test"]["srcc"] <= 1 and score.metrics["test"]["r_l2"] >= 0
    assert {"difficulty", "action_mean", "mean"} <= set(score.metrics["priors"])
    assert 0 <= stages.metrics["test"]["aiou@0.5"] <= 1 and "motion_rules_test" in stages.metrics
    with project.store.reading() as session:
        row = session.get(TrainedModel, score.record.id)
        assert row.schema == "mpii16" and row.metrics["method"] == "contrastive" and row.data_fingerprint


def test_evaluate_reports_the_test_split_and_writes_predictions(trained, tmp_path):
    project, _, score = trained
    result = evaluate(project)
    assert result.score["test"] == pytest.approx(score.metrics["test"])
    assert result.stages["n_test"] == score.metrics["n_test"]
    write_predictions(tmp_path / "p.csv", result.predictions)
    rows = list(csv.DictReader(open(tmp_path / "p.csv")))
    assert len(rows) == len(project.clips())
    assert {r["split"] for r in rows} == {"train", "val", "test"}
    assert all(float(r["spread"]) >= 0 for r in rows)


def test_analyze_stores_an_assessment_with_exemplars_dimensions_and_feedback(trained):
    project, _, score = trained
    clip = next(c for c in project.clips() if c.split == "test")
    result = analyze(project, clip.id)
    assert result.stages["source"] == "expert" and len(result.stages["transitions"]) == 2
    assert result.score is not None and result.spread >= 0 and result.grade
    clips = {c.id: c for c in project.clips()}
    used = {e["clip_id"] for e in result.exemplars}
    same_action_train = {c.id for c in clips.values() if c.action == clip.action and c.split == "train"}
    assert len(result.exemplars) == 10 and clip.id not in used
    assert all(clips[i].split != "test" for i in used)
    assert same_action_train <= used, "every training clip of the same action votes before any other"
    assert len(result.dimensions["items"]) == 5 and 0 <= result.dimensions["overall"] <= 1
    assert clip.id not in result.references and result.references
    stored = latest_assessment(project, clip.id)
    assert stored["id"] == result.assessment_id and stored["score"] == pytest.approx(result.score)
    assert json.loads(json.dumps(stored["dimensions"]))["overall"] == pytest.approx(result.dimensions["overall"])


def test_cli_train_evaluate_analyze(trained, tmp_path, capsys):
    project, _, _ = trained
    root = str(project.root)
    assert plumb(["evaluate", root, "--json", "--predictions", str(tmp_path / "out.csv")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["score"]["priors"] and (tmp_path / "out.csv").is_file()
    clip = project.clips()[0]
    assert plumb(["analyze", root, "--clip", str(clip.id)]) == 0
    text = capsys.readouterr().out
    assert "score" in text and "skill" in text and "stages (expert)" in text
    assert plumb(["train", root, "--task", "score", "--epochs", "0"]) == 1
    assert "epochs must be >= 1" in capsys.readouterr().err
    if not torch.cuda.is_available():
        assert plumb(["train", root, "--task", "score", "--device", "cuda"]) == 1
        assert "cuda" in capsys.readouterr().err.lower()


def test_without_models_analysis_says_so_and_finds_stages_from_motion(tmp_path):
    project = synthetic_project(tmp_path / "p", 12, seed=1, with_stages=False)
    with project:
        clip = project.clips()[0]
        result = analyze(project, clip.id)
        assert result.score is None and result.score_note == NO_SCORE_MODEL
        assert result.stages["source"] == "motion rules"
        assert result.dimensions is not None and len(result.dimensions["items"]) == 5


def test_too_few_clips_names_the_count_and_writes_nothing(tmp_path):
    project = synthetic_project(tmp_path / "p", 6, seed=2)
    with project:
        for task, needed in (("score", "12"), ("stages", "8")):
            with pytest.raises(AssessmentError, match=needed):
                train(project, task, FAST)
        assert not (project.root / "models").exists() or not any((project.root / "models").iterdir())
        with project.store.reading() as session:
            assert session.scalar(select(func.count()).select_from(TrainedModel)) == 0


def test_cancelled_training_leaves_no_model(tmp_path):
    project = synthetic_project(tmp_path / "p", 14, seed=3)
    with project:
        with pytest.raises(Cancelled):
            train(project, "score", FAST, cancelled=lambda: True)
        assert latest_model(project, "score") is None


def test_clip_without_poses_and_project_without_poses(tmp_path, trained):
    project = synthetic_project(tmp_path / "p", 3, seed=5)
    with project:
        with project.store.transaction() as tx:
            from app.store.models import PoseFrame
            tx.session.query(PoseFrame).filter(PoseFrame.clip_id == 1).delete()
        with pytest.raises(AssessmentError, match="no poses"):
            analyze(project, 1)
    empty = synthetic_project(tmp_path / "q", 0)
    with empty, pytest.raises(AssessmentError, match="no clip has poses"):
        train(empty, "score", FAST)


def test_model_of_another_schema_or_damaged_is_refused(tmp_path, trained):
    source, _, score = trained
    dives = synthetic_library(4, 6)
    coco = synthetic_project(tmp_path / "coco", 0)
    with coco:
        sequences = []
        for d in dives:
            seq = as_sequence(d.sample)
            kp = convert(seq.keypoints, "mpii16", "coco17").keypoints
            sequences.append(type(seq)(seq.name, "coco17", kp, np.where(np.isfinite(kp[..., 0]), 2, 0).astype(np.uint8),
                                       seq.bbox, labels=seq.labels))
        project_io.import_sequences(coco, sequences, fps=30.0)
        (coco.root / "models").mkdir()
        target = coco.root / "models" / score.record.path.name
        shutil.copy(score.record.path, target)
        from app.assessment.registry import register_model
        register_model(coco, "score", target, "coco17", {}, "x")
        with pytest.raises(AssessmentError, match="mpii16"):
            analyze(coco, coco.clips()[0].id)
        target.write_bytes(target.read_bytes()[:200])
        with pytest.raises(AssessmentError, match="damaged|not a Plumb model"):
            evaluate(coco)
        with coco.store.reading() as session:
            assert session.scalar(select(func.count()).select_from(Assessment)) == 0


def _pool_video(path, frames: int, entry: int, splash_radius: int):
    """A still pool (blue lower third) where white water of ``splash_radius`` px rises from
    ``entry`` on."""
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        stream.options = {"crf": "10", "preset": "veryfast"}
        yy, xx = np.mgrid[0:96, 0:160]
        for i in range(frames):
            rgb = np.zeros((96, 160, 3), np.uint8)
            rgb[64:] = (20, 60, 160)
            if i >= entry and splash_radius:
                r = splash_radius * min(1.0, (i - entry + 1) / 5)
                rgb[((yy - 80) ** 2 + (xx - 80) ** 2 <= r * r) & (yy >= 64)] = 245
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def test_large_splash_is_measured_from_the_video(tmp_path):
    from app.project import Project

    dives = [d for d in synthetic_library(15, 8) if d.sample.action == "105B"][:3]
    with Project.create(tmp_path / "p") as project:
        for i, dive in enumerate(dives):
            video = tmp_path / f"{dive.sample.key}.mp4"
            _pool_video(video, dive.sample.num_frames, dive.sample.transitions[1], 30 if i == 0 else 6)
            project.add_video(video, name=dive.sample.key)
        project_io.import_sequences(project, [as_sequence(d.sample) for d in dives], fps=30.0)
        query = project.clips()[0]
        result = analyze(project, query.id)
        assert result.splash["value"] > 5 * result.splash["reference"] > 0
        assert any(f["name"] == "large splash" for f in result.faults)
        assert any("splash" in item["text"].lower() for item in result.feedback)
        calm = analyze(project, project.clips()[1].id)
        assert not any(f["name"] == "large splash" for f in calm.faults)


def test_analysis_says_when_the_library_changed_since_training(tmp_path):
    from app.edits.edit import set_clip_labels

    project = synthetic_project(tmp_path / "p", 16, seed=9)
    with project:
        train(project, "score", FAST, method="coarse_fine")
        clip = project.clips()[0]
        assert analyze(project, clip.id).score_note is None
        project.history.apply(set_clip_labels(clip.id, "coach", overall_score=12.5))
        assert "changed since this model was trained" in analyze(project, clip.id).score_note
        assert any("changed" in note for note in evaluate(project).notes)


def test_a_dive_grade_reads_on_the_judges_award_scale(trained):
    from app.assessment.analysis import judges_award

    assert judges_award(72.0, 3.0) == "good (about 8 per judge)"
    assert judges_award(85.5, 3.0) == "very good (about 9.5 per judge)"
    assert judges_award(500.0, 3.0).startswith("excellent") and judges_award(50.0, None) is None
    project, _, _ = trained
    clip = project.clips()[0]
    result = analyze(project, clip.id, store=False)
    assert result.grade == judges_award(result.score, clip.difficulty)


def test_a_one_stage_sport_takes_the_whole_clip_as_its_stage(tmp_path):
    from app.project import Project

    with Project.create(tmp_path / "p") as project:
        project.set_setting("sport", "strength")
        project_io.import_sequences(project, [as_sequence(d.sample, with_stages=False)
                                              for d in synthetic_library(25, 12)], fps=30.0)
        outcome = train(project, "score", FAST, method="coarse_fine")
        assert outcome.metrics["n_test"] > 0
        result = analyze(project, project.clips()[0].id)
        assert result.stages == {"names": ["set"], "transitions": [], "source": "single stage", "confidence": 1.0}
        assert result.score is not None and result.faults == []  # diving faults are for dives only


def test_a_lone_dive_gets_its_faults_as_feedback_without_references_or_model(tmp_path):
    from app.project import Project
    from inference.assess.synthetic import synthetic_dive

    dive = synthetic_dive(3, 0.1, "105B")
    with Project.create(tmp_path / "p") as project:
        project_io.import_sequences(project, [as_sequence(dive.sample, with_score=False)], fps=30.0)
        result = analyze(project, project.clips()[0].id)
        assert result.score is None and result.score_note == NO_SCORE_MODEL
        assert result.dimensions is None and "exemplar" in result.dimensions_note
        assert result.faults, "a poor 105B shows faults a judge deducts for"
        assert [item["topic"] for item in result.feedback] == [f["name"] for f in result.faults]
        flight = range(*dive.sample.transitions)
        for item in result.feedback:
            assert item["start_frame"] <= item["end_frame"] and item["text"] and item["fix"]
        knees = [item for item in result.feedback if item["topic"] == "knees apart"]
        assert knees and knees[0]["start_frame"] in flight and "pike" in knees[0]["text"]
        assert latest_assessment(project, result.clip_id)["feedback"] == result.feedback


def test_a_marked_exemplar_is_the_comparison_and_the_found_stages_are_stored(tmp_path):
    from app.edits import EditHistory
    from app.exemplars import CHOSEN, exemplar_of, mark_exemplar
    from app.project import Project
    from app.store import queries
    from inference.assess.synthetic import synthetic_dive

    dives = [synthetic_dive(3, 0.15, "105B"), synthetic_dive(4, 0.95, "105B"), synthetic_dive(5, 0.6, "105B")]
    with Project.create(tmp_path / "p") as project:
        # No scores at all: no labelled library, only the coach's word for which dive is good.
        project_io.import_sequences(project, [as_sequence(d.sample, with_score=False, with_stages=False)
                                              for d in dives], fps=30.0)
        query, good, _ = (c.id for c in project.clips())
        assert exemplar_of(project, query) is None
        before = analyze(project, query)
        assert before.dimensions is None and "Compare with" in before.dimensions_note
        history = EditHistory(project.store)
        history.apply(mark_exemplar(query, good))
        assert exemplar_of(project, query).how == CHOSEN
        result = analyze(project, query)
        assert result.references == [good] and result.exemplar["clip_id"] == good
        assert len(result.dimensions["items"]) == 5
        assert {i["topic"] for i in result.feedback} > {f["name"] for f in result.faults}
        stored = latest_assessment(project, query)
        assert stored["notes"]["exemplar"]["how"] == CHOSEN and stored["notes"]["score"] == NO_SCORE_MODEL
        with project.store.reading() as session:
            predicted = queries.stage_boundaries(session, query, "model")
        assert predicted.transitions == tuple(result.stages["transitions"]) and result.stages["source"] == "motion rules"
        history.undo()
        assert exemplar_of(project, query) is None
        with pytest.raises(Exception, match="same sport|another clip"):
            history.apply(mark_exemplar(query, query))


def test_without_a_mark_the_exemplar_is_the_nearest_higher_scored_clip_of_the_action(tmp_path):
    from app.exemplars import NEAREST_HIGHER, exemplar_of
    from app.project import Project
    from inference.assess.synthetic import synthetic_dive

    dives = [synthetic_dive(i, q, "105B") for i, q in enumerate((0.3, 0.9, 0.5, 0.7))]
    with Project.create(tmp_path / "p") as project:
        project_io.import_sequences(project, [as_sequence(d.sample) for d in dives], fps=30.0)
        ids = [c.id for c in project.clips()]
        scores = [d.sample.score for d in dives]
        order = sorted(range(4), key=scores.__getitem__)
        lowest, second = ids[order[0]], ids[order[1]]
        choice = exemplar_of(project, lowest)
        assert choice.clip_id == second and choice.how == NEAREST_HIGHER
        assert exemplar_of(project, ids[order[-1]]) is None  # nothing scores higher than the best
