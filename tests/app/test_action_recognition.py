"""plumb analyze recognises the dive, stores it, and plumb check flags a typed number it
confidently contradicts; real project files, generated dives, a real panning video."""

from __future__ import annotations

import json
from dataclasses import replace

from app.action_labels import disagreement
from app.action_recognition import read_clip_dive
from app.assessment.library import load_library
from app.assessment.analysis import analyze
from app.assessment.stored import latest_assessment
from app.cli import main as plumb
from app.datasets import project_io
from app.label_qa import check_project
from app.project import Project
from inference.action.synthetic_dives import generate_dive
from tests.helpers.assess_project import as_sequence
from tests.helpers.dive_video import write_panning_dive_video


def _project(folder, dives, typed):
    project = Project.create(folder)
    samples = [replace(d.sample, key=f"dive{i}", action=label, split=None)
               for i, (d, label) in enumerate(zip(dives, typed))]
    project_io.import_sequences(project, [as_sequence(s, with_score=False) for s in samples], fps=30.0)
    return project


def _panned_project(tmp_path, dive, *, with_stages: bool) -> Project:
    """A project holding ``dive`` with its poses and a real video filmed by a panning camera."""
    sample = replace(dive.sample, key="panned", split=None)
    project = Project.create(tmp_path / "p")
    project.add_video(write_panning_dive_video(tmp_path / "panned.mp4", sample.keypoints, dive.camera),
                      name="panned")
    project_io.import_sequences(project, [as_sequence(sample, with_score=False, with_stages=with_stages)], fps=30.0)
    return project


def test_analysis_reads_the_dive_and_check_flags_a_wrong_number(tmp_path, capsys):
    dives = [generate_dive("405B", seed=1), generate_dive("107C", seed=2),
             generate_dive("305C", seed=3, lost_frames=0.7)]
    with _project(tmp_path / "p", dives, ["405B", "105C", "305C"]) as project:
        clips = {c.name: c.id for c in project.clips()}
        right = analyze(project, clips["dive0"])
        assert right.action["label"] == "405B" and right.action["source"] == "dive reading"
        assert right.action["dive"]["parts"]["somersaults"]["value"] == 5
        assert latest_assessment(project, clips["dive0"])["action"]["label"] == "405B"
        wrong = analyze(project, clips["dive1"])
        assert wrong.action["label"] == "107C"
        poor = analyze(project, clips["dive2"])
        assert poor.action["label"] is None and poor.action["unsure"]

        problems = [p for p in check_project(project) if p.kind == "action-disagrees"]
        assert [p.clip_name for p in problems] == ["dive1"]
        assert "half somersaults: 7 read" in problems[0].message and "5 typed" in problems[0].message
        take_off, flight_end = dives[1].sample.transitions
        assert problems[0].frames[0] <= take_off and problems[0].frames[1] >= flight_end - 1

    assert plumb(["analyze", str(tmp_path / "p"), "--clip", str(clips["dive1"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["action"]["label"] == "107C"
    assert plumb(["analyze", str(tmp_path / "p"), "--clip", str(clips["dive2"])]) == 0
    assert "Action unsure" in capsys.readouterr().out
    assert plumb(["check", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    assert "action-disagrees (1)" in out and "typed 105C" in out


def test_the_camera_pan_is_measured_on_the_video(tmp_path):
    dive = generate_dive("205B", seed=5, camera_follow=True)
    with _panned_project(tmp_path, dive, with_stages=True) as project:
        clip = project.clips()[0]
        result = analyze(project, clip.id)
        assert result.action["dive"]["camera"] == "camera motion measured on the video"
        assert result.action["label"] == "205B"
        # The same poses without their video: the pan hides which way the diver travelled.
        loaded = load_library(project, [clip.id]).samples[0]
        reading, note = read_clip_dive(project, project.clip(clip.id), loaded, dive.sample.transitions,
                                       with_video=False)
        assert note == "camera motion not measured" and reading.code is None
        assert reading.parts["group"].confidence < result.action["dive"]["parts"]["group"]["confidence"]


def test_disagreement_needs_a_confident_reading():
    action = {"dive": {"label": "107C", "guess": "107C", "parts": {
        "group": {"value": "forward", "confidence": 0.95, "sure": True, "frames": [10, 40]},
        "somersaults": {"value": 7, "confidence": 0.6, "sure": True, "frames": [10, 60]},
        "twists": {"value": 0, "confidence": 0.9, "sure": True, "frames": [20, 60]},
        "position": {"value": "C", "confidence": 0.9, "sure": True, "frames": [30, 50]}}}, "classifier": None}
    assert disagreement("105C", action) is None  # the somersaults are read, but not surely enough
    found = disagreement("205C", action)
    assert found is not None and "group: forward read" in found.message and found.frames == (10, 40)
    assert disagreement("not a number", action) is None
    assert disagreement(None, action) is None and disagreement("107C", None) is None
    classifier = {"dive": None, "classifier": {"label": "squat", "confidence": 0.9}}
    assert "squat" in disagreement("lunge", classifier).message
    assert disagreement("lunge", {"dive": None, "classifier": {"label": "squat", "confidence": 0.5}}) is None


def test_a_clip_without_a_typed_number_is_compared_with_clips_of_the_recognised_dive(tmp_path):
    made = [generate_dive("405B", seed=11), generate_dive("405B", seed=12), generate_dive("107C", seed=13),
            generate_dive("405B", seed=14)]
    typed = ["405B", "405B", "107C", None]
    scores = [60.0, 80.0, 95.0, None]
    samples = [replace(d.sample, key=f"dive{i}", action=a, score=s, split=None)
               for i, (d, a, s) in enumerate(zip(made, typed, scores))]
    with Project.create(tmp_path / "p") as project:
        project_io.import_sequences(project, [as_sequence(s, with_score=s.score is not None) for s in samples],
                                    fps=30.0)
        ids = {c.name: c.id for c in project.clips()}
        result = analyze(project, ids["dive3"])
        assert result.action["label"] == "405B"
        assert result.exemplar["clip_id"] == ids["dive1"]
        assert result.exemplar["how"] == "nearest higher-scored clip of the action recognised in it"
        assert ids["dive2"] not in result.references


def test_stages_from_motion_are_found_in_the_scene_when_the_camera_pans(tmp_path):
    dive = generate_dive("107B", seed=6, camera_follow=True)
    with _panned_project(tmp_path, dive, with_stages=False) as project:
        result = analyze(project, project.clips()[0].id)
    assert result.stages["source"] == "motion rules"
    found, truth = result.stages["transitions"], dive.sample.transitions
    assert all(abs(a - b) <= 3 for a, b in zip(found, truth)), (found, truth)
    assert result.action["label"] == "107B"
