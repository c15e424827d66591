"""`plumb exemplar` and `plumb report` on a real project with a real (generated) dive video."""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pytest

from app.cli import main as plumb
from app.datasets import project_io
from app.project import Project
from inference.assess.synthetic import synthetic_dive
from tests.helpers.assess_project import as_sequence
from tests.helpers.dive_video import write_dive_video


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    poor, clean = synthetic_dive(3, 0.15, "105B").sample, synthetic_dive(4, 0.95, "105B").sample
    with Project.create(root / "p") as project:
        project.add_video(write_dive_video(root / "poor.mp4", poor.keypoints), name=poor.key)
        project_io.import_sequences(project, [as_sequence(s, with_score=False, with_stages=False)
                                              for s in (poor, clean)], fps=30.0)
    return root / "p"


def test_exemplar_command_chooses_and_clears(project_dir, capsys):
    assert plumb(["exemplar", str(project_dir), "--clip", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) is None  # nothing scored: nothing to choose from
    assert plumb(["exemplar", str(project_dir), "--clip", "1", "--with", "2"]) == 0
    assert "compared with clip 2" in capsys.readouterr().out
    assert plumb(["exemplar", str(project_dir), "--clip", "1", "--with", "1"]) != 0
    assert "another clip" in capsys.readouterr().err


def test_html_and_pdf_reports_hold_every_section(project_dir, tmp_path, capsys):
    assert plumb(["exemplar", str(project_dir), "--clip", "1", "--with", "2"]) == 0
    started = time.perf_counter()
    assert plumb(["report", str(project_dir), "--clip", "1", "--out", str(tmp_path / "r" / "dive.html")]) == 0
    html_s = time.perf_counter() - started
    page = (tmp_path / "r" / "dive.html").read_text()
    for section in ("score", "key-frames", "skill-dimensions", "feedback", "joint-angles"):
        assert f"id='{section}'" in page
    assert "No score: no trained score model" in page and "Compared with" in page
    images = re.findall(r"<img alt=\"([^\"]+)\" src=\"data:image/png;base64,", page)
    assert images[:3] == ["take-off", "flight", "entry"] and "radar chart" in images and "joint angles" in images
    assert "legs bent" in images  # each feedback item has its thumbnail
    assert plumb(["report", str(project_dir), "--clip", "1", "--out", str(tmp_path / "dive.pdf")]) == 0
    pdf = (tmp_path / "dive.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type /Page\b", pdf)) >= 2
    assert html_s < 15  # the first report includes the analysis


def test_unwritable_or_unknown_outputs_leave_nothing(project_dir, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert plumb(["report", str(project_dir), "--clip", "1", "--out", str(blocker / "dive.html")]) != 0
    assert "is a file" in capsys.readouterr().err
    assert plumb(["report", str(project_dir), "--clip", "1", "--out", str(tmp_path / "dive.docx")]) != 0
    assert ".html or .pdf" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_clip_without_video_gets_a_report_that_says_why_there_are_no_pictures(project_dir, tmp_path):
    assert plumb(["report", str(project_dir), "--clip", "2", "--out", str(tmp_path / "clean.html")]) == 0
    page = (tmp_path / "clean.html").read_text()
    assert "No pictures" in page and "id='feedback'" in page


def test_render_burns_in_the_overlay_and_blurs_the_face(project_dir, tmp_path, capsys):
    import av

    out = tmp_path / "dive.mp4"
    assert plumb(["render", str(project_dir), "--clip", "1", "--out", str(out), "--first", "5", "--last", "34"]) == 0
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 30 and frames[0].shape == (720, 960, 3)
    with Project.open(project_dir) as project:
        from app.store import queries
        with project.store.reading() as session:
            pose = queries.pose_track(session, 1).keypoints[5]
    x, y = (int(v) for v in pose[9, :2])  # the head top of frame 5: the skeleton is drawn there
    assert np.abs(frames[0][y - 3:y + 4, x - 3:x + 4].astype(int) - [205, 225, 240]).max() > 60
    assert frames[0][-5:, :].std() > 5  # the stage bar along the bottom

    blurred = tmp_path / "blurred.mp4"
    assert plumb(["render", str(project_dir), "--clip", "1", "--out", str(blurred), "--first", "5", "--last", "5",
                  "--blur-faces"]) == 0
    with av.open(str(blurred)) as container:
        face = next(iter(container.decode(video=0))).to_ndarray(format="rgb24")
    cx, cy = ((pose[9, :2] + pose[8, :2]) / 2).astype(int)
    patch = lambda img: img[cy - 6:cy + 7, cx - 6:cx + 7].astype(float)  # noqa: E731
    assert patch(face).std() < patch(frames[0]).std()  # the head's edges are gone


def test_render_refuses_bad_ranges_and_paths_and_leaves_nothing(project_dir, tmp_path, capsys):
    assert plumb(["render", str(project_dir), "--clip", "1", "--out", str(tmp_path / "a.mp4"), "--last", "9999"]) != 0
    assert "not inside" in capsys.readouterr().err
    assert plumb(["render", str(project_dir), "--clip", "1", "--out", str(tmp_path / "a.avi")]) != 0
    assert plumb(["render", str(project_dir), "--clip", "2", "--out", str(tmp_path / "b.mp4")]) != 0  # no video
    capsys.readouterr()
    assert plumb(["render", str(project_dir), "--clip", "1", "--out", "/proc/plumb/c.mp4"]) != 0
    assert "cannot be written there" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_render_of_a_clip_without_poses_says_so_and_writes_nothing(tmp_path, capsys):
    root = tmp_path / "p"
    assert plumb(["new", str(root)]) == 0
    video = write_dive_video(tmp_path / "bare.mp4", synthetic_dive(7, 0.8, "105B").sample.keypoints[:20])
    assert plumb(["add", str(root), str(video)]) == 0
    capsys.readouterr()
    assert plumb(["render", str(root), "--clip", "1", "--out", str(tmp_path / "out" / "bare.mp4")]) != 0
    assert "has no poses to draw" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
