"""`plumb import / export / split / stats` against real temporary projects."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from app.cli import dataset_commands
from app.cli.common import EXIT_ERROR
from app.datasets import finediving, project_io
from app.datasets.records import PoseSequence
from app.errors import PlumbError
from app.project import Project
from tests.app.test_project_io import small_dives


def plumb(*argv) -> int:
    """Run a dataset command the way app.cli.main does (one-line error, exit 1)."""
    parser = argparse.ArgumentParser(prog="plumb")
    dataset_commands.add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args([str(a) for a in argv])
    try:
        return args.run(args)
    except PlumbError:
        return EXIT_ERROR


@pytest.fixture
def project_dir(tmp_path):
    Project.create(tmp_path / "p").close()
    return tmp_path / "p"


def test_import_export_split_stats(tmp_path, project_dir, capsys):
    finediving.write(tmp_path / "Annotations", small_dives(6))
    assert plumb("import", project_dir, "finediving", tmp_path / "Annotations", "--json") == 0
    assert json.loads(capsys.readouterr().out)["added"] == 6
    with Project.open(project_dir) as project:
        kp = np.full((30, 16, 3), 10.0, np.float32)
        project_io.import_sequences(project, [PoseSequence("Meet0_final/0", "mpii16", kp, np.full((30, 16), 2, np.uint8),
                                                           np.full((30, 4), np.nan, np.float32))])
    assert plumb("export", project_dir, "finediving", tmp_path / "out", "--json") == 0
    assert json.loads(capsys.readouterr().out)["clips"] == 6
    assert np.load(tmp_path / "out" / "poses" / "Meet0_final" / "0.npy").shape == (96, 16, 3)
    assert plumb("export", project_dir, "coco", tmp_path / "coco", "--json") == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert "no video attached yet" in notes[0]
    assert plumb("split", project_dir, "--test", "0.5", "--group", "event", "--json") == 0
    assert sum(json.loads(capsys.readouterr().out)["splits"].values()) == 6
    assert plumb("stats", project_dir, "--json") == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["clips"] == 6 and stats["with_video"] == 0 and stats["per_action"] == {"207C": 6}
    assert stats["score"]["min"] == 60.0 and stats["score"]["max"] == 65.0 and stats["score"]["mean"] == 62.5
    assert stats["labelled_frames"] == 30 and stats["coverage"] == pytest.approx(30 / 180)
    assert plumb("stats", project_dir) == 0
    assert "pose coverage: 30/180" in capsys.readouterr().out


def test_errors_exit_nonzero(tmp_path, project_dir):
    (tmp_path / "empty").mkdir()
    assert plumb("import", project_dir, "finediving", tmp_path / "empty") == EXIT_ERROR
    assert plumb("split", project_dir, "--test", "0.3") == EXIT_ERROR  # no clips
    assert plumb("stats", tmp_path / "nothing") == EXIT_ERROR
    with pytest.raises(SystemExit):
        plumb("import", project_dir, "nosuchformat", tmp_path)
