"""The `plumb` command: real projects, real videos, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.cli import main
from tests.conftest import REPO
from tests.helpers import videos


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return videos.write_numbered_video(tmp_path_factory.mktemp("media") / "front.mp4", frames=30, fps=30)


def test_new_add_info(tmp_path, capsys, video):
    project = tmp_path / "meet"
    code, out, _ = run(capsys, "new", str(project), "--json")
    assert code == 0 and json.loads(out)["name"] == "meet"
    code, out, _ = run(capsys, "add", str(project), str(video), "--json")
    assert code == 0
    added = json.loads(out)["added"]
    assert [c["frame_count"] for c in added] == [30]
    code, out, _ = run(capsys, "info", str(project), "--json")
    info = json.loads(out)
    [clip] = info["clips"]
    assert (clip["frame_count"], clip["fps"], clip["width"], clip["height"], clip["is_vfr"]) == (30, 30, 320, 240, False)
    assert (clip["pose_frames"], clip["clip_labels"], clip["stage_labels"], clip["media_problem"]) == (0, 0, 0, None)
    code, out, _ = run(capsys, "info", str(project))
    assert code == 0 and "front" in out and "30 frames" in out


def test_vfr_clip_is_flagged(tmp_path, capsys):
    vfr = videos.write_numbered_video(tmp_path / "vfr.mkv", frames=40, vfr=True)
    run(capsys, "new", str(tmp_path / "p"))
    code, out, _ = run(capsys, "add", str(tmp_path / "p"), str(vfr))
    assert code == 0 and "variable frame rate" in out
    _, out, _ = run(capsys, "info", str(tmp_path / "p"), "--json")
    assert json.loads(out)["clips"][0]["is_vfr"] is True


def test_errors_are_one_line_and_non_zero(tmp_path, capsys, video):
    code, _, err = run(capsys, "info", str(tmp_path / "nothing"))
    assert code == 1 and err.count("\n") == 1 and "does not exist" in err
    run(capsys, "new", str(tmp_path / "p"))
    bad = videos.write_text_file(tmp_path / "notes.mp4")
    code, out, err = run(capsys, "add", str(tmp_path / "p"), str(bad), str(video))
    assert code == 1 and "notes.mp4" in err and err.count("\n") == 1
    assert "Added clip 1: front" in out
    _, out, _ = run(capsys, "info", str(tmp_path / "p"), "--json")
    assert [c["name"] for c in json.loads(out)["clips"]] == ["front"]


def test_history_undo_redo(tmp_path, capsys, video):
    from app.edits import set_clip_fields
    from app.project import Project

    run(capsys, "new", str(tmp_path / "p"))
    run(capsys, "add", str(tmp_path / "p"), str(video))
    with Project.open(tmp_path / "p") as project:
        project.history.apply(set_clip_fields(1, athlete="A. Diver"))
    code, out, _ = run(capsys, "history", str(tmp_path / "p"), "--undo")
    assert code == 0 and "Undid: Set clip athlete" in out
    code, _, err = run(capsys, "history", str(tmp_path / "p"), "--undo")
    assert code == 1 and "Nothing to undo" in err
    code, out, _ = run(capsys, "history", str(tmp_path / "p"), "--json")
    assert json.loads(out)[0]["state"] == "undone"


def test_installed_entry_point_help():
    plumb = [sys.executable, "-m", "app.cli"]
    for command in ([], ["new"], ["add"], ["info"], ["relink"], ["history"], ["gui"]):
        result = subprocess.run(plumb + command + ["--help"], cwd=REPO, capture_output=True, text=True)
        assert result.returncode == 0 and "usage: plumb" in result.stdout
    missing = subprocess.run(plumb + ["add"], cwd=REPO, capture_output=True, text=True)
    assert missing.returncode == 2 and "required" in missing.stderr


def test_pose_commands_refuse_bad_input(tmp_path, capsys, video):
    code, _, err = run(capsys, "detect", str(video), "--out", str(tmp_path / "o.json"), "--backend", "onnx")
    assert code == 1 and "needs a model file" in err and err.count("\n") == 1
    code, _, err = run(capsys, "detect", str(video), "--out", str(tmp_path / "o.json"), "--backend", "onnx",
                       "--model", str(tmp_path / "missing.onnx"))
    assert code == 1 and "missing.onnx" in err
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "a.txt").write_text("not an image")
    code, _, err = run(capsys, "detect", str(folder), "--out", str(tmp_path / "o.json"))
    assert code == 1 and "a.txt: is not an image" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["detect", str(video), "--out", str(tmp_path / "o.json"), "--schema", "body25"])
    assert exit_info.value.code == 2 and "invalid choice" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()
    run(capsys, "new", str(tmp_path / "p"))
    code, _, err = run(capsys, "pose", str(tmp_path / "p"), "--clip", "7")
    assert code == 1 and "no clip 7" in err
    code, _, err = run(capsys, "pose", str(tmp_path / "p"))
    assert code == 1 and "--all" in err


def test_detect_on_a_video_without_people_with_the_real_model(tmp_path, capsys):
    empty = videos.write_numbered_video(tmp_path / "empty.mp4", frames=12, fps=25)
    out = tmp_path / "poses.json"
    code, _, err = run(capsys, "detect", str(empty), "--out", str(out))
    assert code == 1 and "no person was found" in err
    assert not out.exists()


def test_add_builds_the_seek_index_only_for_long_gop_videos(tmp_path, capsys):
    from app.media.probe import probe
    from app.media.access_proxy import needs_access_proxy
    from app.project import Project

    long_gop = videos.write_numbered_video(tmp_path / "long.mp4", frames=400, gop=400, size=(320, 240))
    short_gop = videos.write_numbered_video(tmp_path / "short.mp4", frames=40, gop=10, size=(320, 240))
    assert needs_access_proxy(probe(long_gop)) and not needs_access_proxy(probe(short_gop))
    run(capsys, "new", str(tmp_path / "p"))
    code, _, _ = run(capsys, "add", str(tmp_path / "p"), str(long_gop), str(short_gop))
    assert code == 0
    with Project.open(tmp_path / "p") as project:
        long_clip, short_clip = project.clips()
        assert project.access_proxy_path(long_clip).is_file()
        assert not project.access_proxy_path(short_clip).exists()
    run(capsys, "new", str(tmp_path / "q"))
    run(capsys, "add", str(tmp_path / "q"), str(long_gop), "--no-proxy")
    with Project.open(tmp_path / "q") as project:
        assert not project.access_proxy_path(project.clips()[0]).exists()


def test_output_cut_short_by_the_reader_is_not_a_traceback(tmp_path, monkeypatch):
    """`plumb info ... | head`: the reader closed the pipe; plumb stops quietly with status 1."""
    import os

    from app.project import Project

    Project.create(tmp_path / "p").close()
    read_end, write_end = os.pipe()
    os.close(read_end)

    class ClosedPipe:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

        def fileno(self):
            return write_end

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    try:
        assert main(["info", str(tmp_path / "p"), "--json"]) == 1
    finally:
        os.close(write_end)
