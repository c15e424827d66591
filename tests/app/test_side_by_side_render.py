"""`plumb render --side-by-side`: the clip beside its exemplar, stage-aligned, in one real H.264 file."""

from __future__ import annotations

import av
import numpy as np
import pytest

from app.cli import main as plumb
from app.datasets import project_io
from app.exemplars import mark_exemplar
from app.media.overlay_video import Cancelled, JOINT_COLOR
from app.media.side_by_side_video import EXEMPLAR_COLOR, render_side_by_side
from app.project import Project
from inference.assess.synthetic import synthetic_dive
from tests.helpers.assess_project import as_sequence
from tests.helpers.dive_video import write_dive_video


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("side")
    poor, clean = synthetic_dive(3, 0.15, "105B").sample, synthetic_dive(4, 0.95, "105B").sample
    with Project.create(root / "p") as project:
        for sample in (poor, clean):
            project.add_video(write_dive_video(root / f"{sample.key}.mp4", sample.keypoints), name=sample.key)
        project_io.import_sequences(project, [as_sequence(s, with_score=False) for s in (poor, clean)], fps=30.0)
        project.history.apply(mark_exemplar(1, 2))
    return root / "p", root / f"{clean.key}.mp4", poor, clean


def exemplar_coloured(rgb: np.ndarray) -> int:
    """Pixels of the exemplar's skeleton colour above the stage bar."""
    return int((np.abs(rgb[:-20].astype(int) - EXEMPLAR_COLOR).max(axis=2) < 25).sum())


def decode(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def test_the_clip_and_its_exemplar_meet_at_every_stage_transition(pair, tmp_path):
    project_dir, exemplar_video, poor, clean = pair
    out = tmp_path / "beside.mp4"
    assert plumb(["render", str(project_dir), "--clip", "1", "--out", str(out), "--side-by-side"]) == 0
    frames, theirs = decode(out), decode(exemplar_video)
    assert len(frames) == len(poor.keypoints) and frames[0].shape == (720, 1920, 3)
    for mine, expected in zip(poor.transitions, clean.transitions):
        right = frames[mine][:, 960:].astype(int)
        # The exemplar's frame at its own transition, not a few frames either side of it.
        distance = {f: np.abs(right - theirs[f]).mean() for f in (expected - 6, expected, expected + 6)}
        assert min(distance, key=distance.get) == expected, (mine, expected, distance)
        x, y = clean.keypoints[expected, 2, :2].astype(int)  # the exemplar's hip, with its joint dot
        assert np.abs(right[y, x] - JOINT_COLOR).max() < 60
    blue = exemplar_coloured(frames[poor.transitions[0]][:, :960])
    assert blue > 200  # the exemplar's skeleton drawn on the athlete

    plain = tmp_path / "plain.mp4"
    assert plumb(["render", str(project_dir), "--clip", "1", "--out", str(plain), "--side-by-side", "--with", "2",
                  "--no-overlay", "--first", str(poor.transitions[0]), "--last", str(poor.transitions[0])]) == 0
    (only,) = decode(plain)
    assert exemplar_coloured(only[:, :960]) < blue / 10, (exemplar_coloured(only[:, :960]), blue)


def test_cancel_and_bad_input_leave_nothing(pair, tmp_path, capsys):
    project_dir = pair[0]
    with Project.open(project_dir) as project:
        with pytest.raises(Cancelled):
            render_side_by_side(project, 1, 2, tmp_path / "x.mp4", progress=lambda n, total: None,
                                cancelled=lambda: True)
        calls = []
        with pytest.raises(Cancelled):  # cancelled half way, after frames were encoded
            render_side_by_side(project, 1, 2, tmp_path / "y.mp4", progress=lambda n, total: calls.append(n),
                                cancelled=lambda: len(calls) >= 10)
        assert len(calls) == 10
    assert list(tmp_path.iterdir()) == []
    for args, says in (
        (["--with", "2"], "add --side-by-side"),
        (["--side-by-side", "--with", "1"], "its own exemplar"),
        (["--side-by-side", "--with", "99"], "99"),
        (["--side-by-side", "--blur-faces"], "not available"),
        (["--side-by-side", "--last", "5000"], "not inside"),
    ):
        assert plumb(["render", str(project_dir), "--clip", "1", "--out", str(tmp_path / "z.mp4"), *args]) != 0
        err = capsys.readouterr().err.strip()
        assert says in err and "\n" not in err, (args, err)
    assert plumb(["render", str(project_dir), "--clip", "2", "--out", str(tmp_path / "z.mp4"), "--side-by-side"]) != 0
    assert "no exemplar" in capsys.readouterr().err  # the clean clip: nothing scores higher
    assert list(tmp_path.iterdir()) == []
