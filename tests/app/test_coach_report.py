"""`plumb exemplar` and `plumb report` on a real project with a real (generated) dive video."""

from __future__ import annotations

import json
import re
import time

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
