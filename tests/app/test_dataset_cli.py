"""`plumb import / export / split / stats` against real temporary projects."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from app.cli.common import EXIT_ERROR
from app.datasets import finediving, project_io
from app.datasets.records import PoseSequence
from app.project import Project
from tests.app.test_project_io import small_dives


def plumb(*argv) -> int:
    """Run `plumb` through its real entry point."""
    return main([str(a) for a in argv])


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


def test_errors_exit_nonzero(tmp_path, project_dir, capsys):
    (tmp_path / "empty").mkdir()
    for argv, word in [(("import", project_dir, "finediving", tmp_path / "empty"), "empty"),
                       (("split", project_dir, "--test", "0.3"), "clip"),
                       (("stats", tmp_path / "nothing"), "nothing")]:
        assert plumb(*argv) == EXIT_ERROR
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and word in err and "Traceback" not in err, err
    with pytest.raises(SystemExit):
        plumb("import", project_dir, "nosuchformat", tmp_path)


def test_coco_export_extracts_the_labelled_frames_and_reimports(tmp_path, capsys):

    import numpy as np
    from PIL import Image

    from app.cli import main
    from app.edits import set_keypoints
    from app.project import Project
    from tests.helpers.videos import read_frame_number, write_numbered_video

    video = write_numbered_video(tmp_path / "dive.mp4", frames=30, fps=25)
    with Project.create(tmp_path / "p") as project:
        clip = project.add_video(video)
        rng = np.random.default_rng(3)
        for frame in (4, 11, 23):
            kp = np.column_stack([rng.uniform(10, 300, 17), rng.uniform(10, 220, 17), np.ones(17)])
            project.history.apply(set_keypoints(clip.id, frame, kp, schema="coco17", visibility=2))
    assert main(["export", str(tmp_path / "p"), "coco", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    document = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    files = sorted(image["file_name"] for image in document["images"])
    assert len(files) == 3 and all(name.startswith("images/dive/") for name in files)
    for name in files:
        frame = int(Path(name).stem)
        rgb = np.asarray(Image.open(tmp_path / "out" / name).convert("RGB"))
        assert read_frame_number(rgb) == frame, "the exported image is the labelled frame"
    assert main(["new", str(tmp_path / "q")]) == 0
    assert main(["import", str(tmp_path / "q"), "coco", str(next((tmp_path / "out").glob("*.json")))]) == 0
    from app.store import queries

    with Project.open(tmp_path / "p") as original, Project.open(tmp_path / "q") as imported:
        with original.store.reading() as a, imported.store.reading() as b:
            [clip_b] = imported.clips()
            before, after = queries.pose_track(a, clip.id), queries.pose_track(b, clip_b.id)
    assert clip_b.name == "dive" and after.frames.tolist() == [4, 11, 23]
    np.testing.assert_allclose(after.keypoints[..., :2], before.keypoints[..., :2], atol=0.01)

    # The same file as a second annotator's layer of the original project: full agreement.
    exported = str(next((tmp_path / "out").glob("*.json")))
    assert main(["import", str(tmp_path / "p"), "coco", exported, "--layer", "annotator:second"]) == 0
    capsys.readouterr()
    assert main(["agreement", str(tmp_path / "p"), "--a", "working", "--b", "annotator:second", "--json"]) == 0
    agreement = json.loads(capsys.readouterr().out)
    assert agreement["oks"]["overall"] == pytest.approx(1.0, abs=1e-3)
