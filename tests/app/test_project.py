"""Projects on real folders with real (generated) videos: create, open, add, refuse, relink."""

from __future__ import annotations

import shutil

import pytest

from app.errors import MediaError, PlumbError, ProjectError
from app.project import Project
from tests.helpers import videos


@pytest.fixture
def project(tmp_path):
    project = Project.create(tmp_path / "proj")
    yield project
    project.close()


@pytest.fixture(scope="module")
def clip_video(tmp_path_factory):
    return videos.write_numbered_video(tmp_path_factory.mktemp("media") / "dive.mp4", frames=40, fps=25)


def test_create_and_reopen(tmp_path):
    with Project.create(tmp_path / "p", name="Worlds 2026") as project:
        assert (tmp_path / "p" / "project.sqlite").is_file()
    with Project.open(tmp_path / "p") as project:
        assert project.name == "Worlds 2026"
        assert project.setting("schema") == "mpii16"
    with pytest.raises(ProjectError, match="already holds a Plumb project"):
        Project.create(tmp_path / "p")


def test_open_refuses_what_is_not_a_project(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        Project.open(tmp_path / "nowhere")
    (tmp_path / "plain").mkdir()
    with pytest.raises(ProjectError, match="not a Plumb project"):
        Project.open(tmp_path / "plain")
    assert list((tmp_path / "plain").iterdir()) == []
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ProjectError, match="is a file"):
        Project.open(tmp_path / "file.txt")
    with pytest.raises(ProjectError, match="is a file"):
        Project.create(tmp_path / "file.txt")


def test_add_video_probes_and_stores_relative_path(project, clip_video):
    clip = project.add_video(clip_video)
    assert (clip.frame_count, clip.fps, clip.width, clip.height) == (40, 25, 320, 240)
    assert clip.codec == "h264" and not clip.is_vfr and clip.name == "dive"
    assert not clip.path.startswith("/")
    assert project.video_path(clip) == clip_video.resolve()
    assert project.media_problem(clip) is None
    with pytest.raises(ProjectError, match="already in this project"):
        project.add_video(clip_video)
    assert len(project.clips()) == 1


BAD_FILES = {
    "zero.mp4": lambda p, good: videos.write_zero_byte(p),
    "notes.mp4": lambda p, good: videos.write_text_file(p),
    "cut.mp4": lambda p, good: videos.write_truncated_copy(good, p, keep=0.5),
    "sound.mp4": lambda p, good: videos.write_audio_only(p),
    "alien.avi": lambda p, good: videos.write_unknown_codec_avi(p),
    "huge.y4m": lambda p, good: videos.write_y4m_header_only(p, 100_000, 100_000),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_videos_are_refused_and_nothing_is_written(project, clip_video, tmp_path, name):
    bad = BAD_FILES[name](tmp_path / name, clip_video)
    with pytest.raises(MediaError) as error:
        project.add_video(bad)
    assert name in str(error.value) and "\n" not in str(error.value)
    assert project.clips() == []


def test_missing_file_and_directory_are_refused(project, tmp_path):
    with pytest.raises(MediaError, match="gone.mp4"):
        project.add_video(tmp_path / "gone.mp4")
    (tmp_path / "folder.mp4").mkdir()
    with pytest.raises(MediaError, match="folder.mp4"):
        project.add_video(tmp_path / "folder.mp4")
    assert project.clips() == []


def test_add_videos_keeps_the_good_ones(project, clip_video, tmp_path):
    bad = videos.write_text_file(tmp_path / "bad.mp4")
    added, problems = project.add_videos([bad, clip_video])
    assert [c.name for c in added] == ["dive"]
    assert len(problems) == 1 and "bad.mp4" in problems[0]


def test_project_moved_with_its_videos_still_finds_them(tmp_path, clip_video):
    root = tmp_path / "before"
    (root / "videos").mkdir(parents=True)
    shutil.copy(clip_video, root / "videos" / "dive.mp4")
    with Project.create(root) as project:
        project.add_video(root / "videos" / "dive.mp4")
    moved = shutil.move(root, tmp_path / "after")
    with Project.open(moved) as project:
        [clip] = project.clips()
        assert clip.path == "videos/dive.mp4"
        assert project.media_problem(clip) is None


def test_moved_video_is_found_and_relinked(project, clip_video, tmp_path):
    video = shutil.copy(clip_video, tmp_path / "dive.mp4")
    clip = project.add_video(video)
    elsewhere = tmp_path / "archive" / "2026"
    elsewhere.mkdir(parents=True)
    moved = shutil.move(video, elsewhere / "renamed.mp4")
    assert "missing" in project.media_problem(clip)
    assert project.find_moved_video(clip, [tmp_path / "archive"]) == moved
    other = videos.write_numbered_video(tmp_path / "other.mp4", frames=12)
    with pytest.raises(PlumbError, match="content differs"):
        project.relink(clip.id, other)
    assert project.clip(clip.id).path == clip.path
    relinked = project.relink(clip.id, moved)
    assert project.media_problem(relinked) is None and relinked.path.endswith("renamed.mp4")


def test_replaced_video_content_is_reported(project, clip_video, tmp_path):
    video = shutil.copy(clip_video, tmp_path / "dive.mp4")
    clip = project.add_video(video)
    videos.write_numbered_video(tmp_path / "dive.mp4", frames=12)
    assert "not the file that was added" in project.media_problem(clip)
