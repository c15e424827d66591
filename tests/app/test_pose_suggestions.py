"""What to correct next, on a real project holding a generated dive (fast somersaults, a camera
zooming in 2.5x) with planted problems: each is found with its reason, corrected and reviewed
frames never are, suggestions spread over the clip and its stages; and `plumb suggest`."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from app.auto_annotate import model_layer
from app.cli import main
from app.edits.edit import set_keypoints, set_reviewed, set_stages
from app.errors import PlumbError
from app.pose_suggestions import Suggestion, rank_frames, suggest_frames
from app.project import Project
from app.store.models import WORKING_LAYER
from app.store.pose_rows import upsert
from app.store.records import PoseTrack
from inference.assess.synthetic import synthetic_dive
from inference.provenance import JointSource
from tests.app.factories import add_clip_row

R_WRIST, R_ELBOW, L_KNEE, L_WRIST = 10, 11, 4, 15
RAW, OTHER = model_layer("mediapipe"), model_layer("onnx")
# Planted problems, by frame (stages: take-off 0-24, flight 25-74, entry 75-96).
UNSURE, STRETCHED, JUMP, LOST, DISAGREE, MILD_ENTRY = 8, 16, 40, 55, 65, 78
CORRECTED, REVIEWED = 30, 48  # planted problems too, but a person has dealt with them


def zoomed_dive() -> tuple[np.ndarray, tuple[str, ...], tuple[int, ...]]:
    """float32 (97, 16, 3) clean generated dive; the last ten frames are under water (no joints)."""
    sample = synthetic_dive(0, 0.9, "105B").sample
    kp = sample.keypoints.copy()
    zoom = np.linspace(1.0, 2.5, len(kp))[:, None, None]
    kp[..., :2] = 600 + (kp[..., :2] - 600) * zoom
    return kp, tuple(sample.stage_names), tuple(sample.transitions)


def torso(kp: np.ndarray, f: int) -> float:
    return float(np.linalg.norm(kp[f, [12, 13], :2].mean(0) - kp[f, [2, 3], :2].mean(0)))


def stretch_forearm(kp: np.ndarray, f: int, factor: float = 2.0) -> None:
    kp[f, R_WRIST, :2] = kp[f, R_ELBOW, :2] + factor * (kp[f, R_WRIST, :2] - kp[f, R_ELBOW, :2])


def planted_layers() -> dict[str, np.ndarray]:
    kp, _, _ = zoomed_dive()
    raw = kp.copy()
    raw[UNSURE, L_KNEE, 2] = 0.12
    stretch_forearm(raw, STRETCHED)
    stretch_forearm(raw, CORRECTED)
    raw[JUMP, L_WRIST, 0] += 1.5 * torso(kp, JUMP)
    raw[REVIEWED, :, 2] = 0.05
    raw[MILD_ENTRY, :, 2] = np.where(np.isfinite(raw[MILD_ENTRY, :, 0]), 0.25, 0.0)
    raw[LOST] = np.nan  # the model found nobody ...
    working = raw.copy()
    working[LOST, :, :2] = (raw[LOST - 1, :, :2] + raw[LOST + 1, :, :2]) / 2  # ... and the gap was filled
    working[LOST, :, 2] = 0.9
    other = kp + np.random.default_rng(0).normal(0, 0.5, kp.shape).astype(np.float32)  # a second backend
    other[..., 2] = 0.9
    other[DISAGREE, :, 0] += torso(kp, DISAGREE)
    return {WORKING_LAYER: working, RAW: raw, OTHER: other}


def write_layer(project: Project, clip_id: int, layer: str, kp: np.ndarray) -> None:
    with project.store.transaction() as tx:
        rows: dict = {}
        for f in range(len(kp)):
            known = np.isfinite(kp[f, :, 0])
            source = np.where(known, JointSource.MODEL, JointSource.NONE).astype(np.uint8)
            if layer == WORKING_LAYER and f == LOST:
                source[:] = JointSource.INTERPOLATED
            upsert(tx.session, rows, clip_id=clip_id, layer=layer, frame=f, schema="mpii16", keypoints=kp[f],
                   visibility=np.where(known, 2, 0).astype(np.uint8), source=source, bbox=None)


@pytest.fixture
def dive_project(tmp_path):
    """(project folder, clip id): the planted dive, its two model runs, expert stages, one
    frame corrected by hand and one reviewed."""
    root = tmp_path / "p"
    project = Project.create(root)
    clip_id = add_clip_row(project.store, frame_count=97)
    layers = planted_layers()
    for layer, kp in layers.items():
        write_layer(project, clip_id, layer, kp)
    _, names, transitions = zoomed_dive()
    fixed = layers[RAW][CORRECTED - 1, R_WRIST, :2] / 2 + layers[RAW][CORRECTED + 1, R_WRIST, :2] / 2
    project.history.apply(set_keypoints(clip_id, CORRECTED, {R_WRIST: tuple(fixed)}, schema="mpii16"))
    project.history.apply(set_reviewed(clip_id, [REVIEWED]))
    project.history.apply(set_stages(clip_id, names, transitions))
    project.close()
    return root, clip_id


def by_frame(suggestions: list[Suggestion]) -> dict[int, Suggestion]:
    return {s.frame: s for s in suggestions}


def test_planted_problems_come_first_with_their_reasons(dive_project) -> None:
    root, clip_id = dive_project
    with Project.open(root) as project:
        suggestions = suggest_frames(project, clip_id, count=6)
    found = by_frame(suggestions)
    assert set(found) == {UNSURE, STRETCHED, JUMP, LOST, DISAGREE, MILD_ENTRY}
    assert suggestions[0].frame == LOST and suggestions[0].score == 1.0
    assert found[LOST].reasons[0] == f"athlete lost by {RAW}"
    assert "left knee confidence 0.12" in found[UNSURE].reasons
    # The stretch is measured in torso lengths: 2x although the camera zoomed in 2.5x since.
    ratio = float(re.fullmatch(r"right forearm (\S+)× its usual length", found[STRETCHED].reasons[0])[1])
    assert ratio == pytest.approx(2.0, abs=0.15)
    assert any(r.startswith("left wrist 1.5 torso lengths off its path") for r in found[JUMP].reasons)
    assert f"apart in the working pose and {OTHER}" in found[DISAGREE].reasons[0]
    assert all(s.stage == ("take-off" if s.frame < 25 else "flight" if s.frame < 75 else "entry") for s in suggestions)
    assert all(0.0 < s.score <= 1.0 for s in suggestions)
    assert [s.score for s in suggestions] == sorted((s.score for s in suggestions), reverse=True)
    assert found[UNSURE].score == pytest.approx(0.5 * (1 - 0.12 / 0.3), abs=1e-3)  # one joint, alone
    assert found[MILD_ENTRY].reasons[0].endswith("confidence 0.25 (and 8 more unsure joints)")


def test_corrected_and_reviewed_frames_and_the_dive_under_water_are_never_suggested(dive_project) -> None:
    root, clip_id = dive_project
    with Project.open(root) as project:
        frames = {s.frame for s in suggest_frames(project, clip_id, count=97)}
    assert CORRECTED not in frames and REVIEWED not in frames
    # The raw run finds nobody once the diver is under water: not lost, just gone.
    assert not frames & set(range(87, 97))


def test_each_stage_gets_a_suggestion_before_a_second_one_in_the_flight(dive_project) -> None:
    root, clip_id = dive_project
    with Project.open(root) as project:
        suggestions = suggest_frames(project, clip_id, count=3)
    assert [s.stage for s in sorted(suggestions, key=lambda s: s.frame)] == ["take-off", "flight", "entry"]
    assert by_frame(suggestions).keys() == {STRETCHED, LOST, MILD_ENTRY}  # each stage's strongest


def walking_track(frames: int) -> PoseTrack:
    """A slow, steady walk (no findings), 40 px torso."""
    body = np.array([[0, 100], [0, 70], [0, 40], [20, 40], [20, 70], [20, 100], [10, 40], [10, 0],
                     [10, -10], [10, -25], [-20, 40], [-10, 20], [0, 0], [20, 0], [30, 20], [40, 40]], float)
    kp = np.empty((frames, 16, 3), np.float32)
    kp[..., :2] = body + np.array([100.0, 50.0]) + np.arange(frames)[:, None, None] * np.array([1.0, 0.0])
    kp[..., 2] = 0.9
    n = frames
    return PoseTrack(1, WORKING_LAYER, "mpii16", np.arange(n), kp, np.full((n, 16), 2, np.uint8),
                     np.full((n, 16), JointSource.MODEL, np.uint8), np.full((n, 4), np.nan, np.float32),
                     np.zeros(n, bool))


def test_a_bad_stretch_is_sampled_not_crowded() -> None:
    track = walking_track(200)
    track.keypoints[100:130, :, 2] = 0.05  # thirty unsure frames in a row
    track.keypoints[20, L_KNEE, 2] = 0.2   # one milder elsewhere
    frames = sorted(s.frame for s in rank_frames(track, 200, count=8))
    window = 4  # 2 % of 200 frames either side of a pick
    assert frames == [20, 100, 105, 110, 115, 120, 125]  # then nothing is left unsuppressed
    assert all(b - a > window for a, b in zip(frames, frames[1:]))


def test_a_clean_clip_gives_nothing() -> None:
    assert rank_frames(walking_track(60), 60) == []
    kp, _, _ = zoomed_dive()
    dive = walking_track(len(kp))
    dive.keypoints[:] = kp
    assert all(s.score < 0.1 for s in rank_frames(dive, len(kp)))


def test_errors_say_what_to_do(tmp_path) -> None:
    with Project.create(tmp_path / "p") as project:
        clip_id = add_clip_row(project.store, frame_count=40)
        with pytest.raises(PlumbError, match="There is no clip 99"):
            suggest_frames(project, 99)
        with pytest.raises(PlumbError, match=r"run `plumb pose PROJECT --clip \d+` first"):
            suggest_frames(project, clip_id)
        with pytest.raises(PlumbError, match="--count"):
            suggest_frames(project, clip_id, count=0)


def test_plumb_suggest_prints_json_and_one_line_errors(dive_project, capsys) -> None:
    root, clip_id = dive_project
    capsys.readouterr()
    assert main(["suggest", str(root), "--clip", str(clip_id), "--count", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [r["frame"] for r in result] == [LOST, STRETCHED]  # the two strongest stages' best frames
    assert result[0]["score"] == 1.0 and result[0]["stage"] == "flight"
    assert result[0]["reasons"][0] == f"athlete lost by {RAW}"

    assert main(["suggest", str(root), "--clip", str(clip_id), "--count", "1"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"frame    {LOST} [flight]  1.00  athlete lost by {RAW}")

    assert main(["suggest", str(root), "--clip", "99"]) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
    assert "There is no clip 99" in captured.err
