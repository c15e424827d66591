"""Datasets into a real (temporary) SQLite project and back."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from app.datasets import DatasetError, finediving, project_io, sequences
from app.datasets.records import DiveLabel, PoseSequence
from app.errors import ProjectError
from app.project import Project
from app.store.database import create_database
from app.store.queries import clip_labels, stage_boundaries
from app.store.store import Store
from tests.conftest import shared_data
from tests.helpers.videos import write_numbered_video


@pytest.fixture(scope="module")
def real_dives():
    return finediving.read(shared_data("FineDiving", "Annotations"))


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "p") as p:
        yield p


def snapshot(project):
    """Everything an import writes, as plain values (for 'unchanged' checks)."""
    with project.store.reading() as session:
        stages = [stage_boundaries(session, c.id) for c in project.clips()]
        labels = [clip_labels(session, c.id) for c in project.clips()]
    return project.clips(), stages, labels, project.setting(project_io.EXTRAS_SETTING)


def small_dives(n=4):
    out = []
    for i in range(n):
        labels = np.array([2] * 10 + [25] * 12 + [36] * 8, np.int64)
        out.append(DiveLabel(key=f"Meet{i % 2}_final/{i}", action="207c".upper(), score=60.0 + i, difficulty=3.3,
                             judge_marks=(7.0, 7.5, 8.0), start_frame=100, end_frame=129,
                             stage_transitions=(9, 21), frame_labels=labels,
                             sub_action_names={2: "Back", 25: "3.5 Soms.Tuck", 36: "Entry"},
                             event=f"Meet{i % 2}_final", split="train" if i % 2 else "test"))
    return out


def test_real_finediving_import(project, real_dives):
    summary = project_io.import_dives(project, real_dives, "import:finediving")
    assert (summary.added, summary.updated, summary.stage_labels, summary.clip_labels) == (3000, 0, 3000, 3000)
    clips = project.clips()
    assert len(clips) == 3000
    assert sum(c.split == "train" for c in clips) == 2251 and sum(c.split == "test" for c in clips) == 749
    first = clips[0]
    assert first.name == "FINAWorldChampionships2019_Men10mSynchronised_final_r4/1"
    assert (first.dive_number, first.difficulty, first.frame_count, first.path) == ("207C", 3.3, 101, None)
    with project.store.reading() as session:
        stages = stage_boundaries(session, first.id)
        label, = clip_labels(session, first.id)
    assert stages.stage_names == ("take-off", "flight", "entry") and stages.transitions == (29, 68)
    assert (label.overall_score, label.judge_marks) == (81.18, (7.5, 9.0, 8.0, 8.0, 8.5))
    # a dive with 4 transitions keeps its own step names
    four = next(d for d in real_dives if len(d.stage_transitions) == 4)
    clip = next(c for c in clips if c.name == four.key)
    with project.store.reading() as session:
        assert len(stage_boundaries(session, clip.id).stage_names) == 5
    # re-import: updates, never duplicates
    before = snapshot(project)
    again = project_io.import_dives(project, real_dives, "import:finediving")
    assert (again.added, again.updated) == (0, 3000)
    after = snapshot(project)
    assert [c.id for c in after[0]] == [c.id for c in before[0]] and after[1:] == before[1:]
    # export gives the files' values back exactly
    assert project_io.export_dives(project) == real_dives


def test_round_trip_through_files(tmp_path, project):
    dives = small_dives()
    project_io.import_dives(project, dives, "import:finediving")
    finediving.write(tmp_path / "out", project_io.export_dives(project))
    back = finediving.read(tmp_path / "out")
    assert back == dives
    with Project.create(tmp_path / "q") as other:
        project_io.import_dives(other, back, "import:finediving")
        strip = lambda snap: ([(c.name, c.frame_count, c.dive_number, c.split, c.event) for c in snap[0]],
                              [(s.stage_names, s.transitions) for s in snap[1]],
                              [[(l.overall_score, l.judge_marks, l.difficulty) for l in ls] for ls in snap[2]],
                              snap[3])
        assert strip(snapshot(other)) == strip(snapshot(project))


def test_hostile_pickle_refused_project_unchanged(tmp_path, project):
    project_io.import_dives(project, small_dives(), "import:finediving")
    before = snapshot(project)
    folder = tmp_path / "Annotations"
    finediving.write(folder, small_dives(6))
    marker = tmp_path / "ran"
    (folder / finediving.COARSE).write_bytes(pickle.dumps(_Evil(str(marker))))
    with pytest.raises(DatasetError):
        project_io.import_dives(project, finediving.read(folder), "import:finediving")
    assert not marker.exists() and snapshot(project) == before


class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_malformed_csv_names_file_and_changes_nothing(tmp_path, project):
    seq = PoseSequence("clip/a", "mpii16", np.ones((3, 16, 3), np.float32), np.full((3, 16), 2, np.uint8),
                       np.full((3, 4), np.nan, np.float32), labels={"score": 50.0})
    sequences.write(tmp_path / "seqs", [seq])
    project_io.import_sequences(project, sequences.read(tmp_path / "seqs"))
    before = snapshot(project)
    (tmp_path / "seqs" / "labels.csv").write_text("name,schema\n\"unterminated\n")
    with pytest.raises(DatasetError, match="labels.csv"):
        project_io.import_sequences(project, sequences.read(tmp_path / "seqs"))
    assert snapshot(project) == before


def test_a_refused_dive_rolls_back_the_whole_import(project):
    dives = small_dives()
    bad = DiveLabel(key="Meet9/1", action="107B")  # no frame range
    with pytest.raises(DatasetError, match="Meet9/1"):
        project_io.import_dives(project, [*dives, bad])
    assert project.clips() == []


def test_sequences_round_trip_and_pose_rows(project):
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 300, (30, 16, 3)).astype(np.float32)
    kp[..., 2] = 1.0
    kp[5, 3] = [np.nan, np.nan, 0.0]
    vis = np.full((30, 16), 2, np.uint8)
    vis[5, 3] = 0
    seq = PoseSequence("Meet0_final/0", "mpii16", kp, vis, np.full((30, 4), np.nan, np.float32))
    project_io.import_dives(project, small_dives(1), "import:finediving")
    summary = project_io.import_sequences(project, [seq])
    assert (summary.added, summary.updated, summary.pose_frames) == (0, 1, 30)
    out, = project_io.export_sequences(project)
    assert out.name == seq.name and out.labels["score"] == 60.0 and out.labels["transitions"] == [10, 22]
    np.testing.assert_array_equal(out.keypoints, kp)
    np.testing.assert_array_equal(out.visibility, vis)
    project_io.import_sequences(project, [seq])  # idempotent
    assert project.counts()[1].pose_frames == 30 and project.counts()[1].manual_frames == 30


def test_image_location():
    assert project_io.image_location("images/Meet/3/000012.jpg") == ("Meet/3", 12)
    with pytest.raises(DatasetError, match="frame number"):
        project_io.image_location("photo.jpg")


def test_clip_without_video_then_attach(tmp_path, project):
    project_io.import_dives(project, small_dives(2), "import:finediving")
    clip = project.clips()[0]
    assert "no video attached yet" in project.media_problem(clip)
    wrong = write_numbered_video(tmp_path / "wrong.mp4", frames=12)
    with pytest.raises(ProjectError, match="has 12 frames but clip"):
        project.relink(clip.id, wrong)
    videos = tmp_path / "videos" / "Meet0_final"
    videos.mkdir(parents=True)
    write_numbered_video(videos / "0.mp4", frames=30)
    attached, problems = project.attach_videos_by_name(tmp_path / "videos")
    assert [c.id for c in attached] == [clip.id] and problems == []
    clip = project.clip(clip.id)
    assert (clip.width, clip.height, clip.frame_count) == (320, 240, 30) and clip.fingerprint
    assert project.media_problem(clip) is None


def test_migration_0003_keeps_data(tmp_path):
    path = tmp_path / "project.sqlite"
    create_database(path, revision="0003").dispose()
    import sqlite3
    con = sqlite3.connect(path)
    con.execute("INSERT INTO clip (name, path, fingerprint, size_bytes, frame_count, fps, width, height, codec, "
                "is_vfr, sport, added_at) VALUES ('d', 'v.mp4', 'fp', 10, 96, 25.0, 320, 240, 'h264', 0, "
                "'diving', '2024-01-01')")
    con.commit()
    con.close()
    store = Store.open(path)
    project = Project(tmp_path, store)
    clip, = project.clips()
    assert (clip.name, clip.path, clip.fingerprint, clip.size_bytes, clip.codec) == ("d", "v.mp4", "fp", 10, "h264")
    project_io.import_dives(project, small_dives(1))
    assert project.clips()[1].path is None
    store.close()


def test_sequences_with_actions_and_transitions(project):
    kp = np.random.default_rng(1).uniform(0, 300, (40, 16, 3)).astype(np.float32)
    box = np.full((40, 4), np.nan, np.float32)
    vis = np.full((40, 16), 2, np.uint8)
    staged = PoseSequence("curl_1", "mpii16", kp, vis, box,
                          labels={"score": 1.0, "action": "bicep curl", "transitions": (12, 30)})
    dive = PoseSequence("dive_1", "mpii16", kp, vis, box, labels={"action": "407c", "transitions": (5, 9, 30)})
    summary = project_io.import_sequences(project, [staged, dive])
    assert summary.stage_labels == 2
    curl, dive_clip = project.clips()
    assert (curl.action, curl.dive_number) == ("bicep curl", None)
    assert (dive_clip.action, dive_clip.dive_number) == ("407C", "407C")
    with project.store.reading() as session:
        stages = stage_boundaries(session, curl.id)
        steps = stage_boundaries(session, dive_clip.id)
    assert stages.stage_names == ("take-off", "flight", "entry") and stages.transitions == (12, 30)
    assert steps.stage_names == ("step 1", "step 2", "step 3", "step 4")
    before = snapshot(project)
    bad = PoseSequence("curl_2", "mpii16", kp, vis, box, labels={"transitions": (30, 12)})
    with pytest.raises(DatasetError, match="must increase"):
        project_io.import_sequences(project, [bad])
    assert snapshot(project) == before


def test_migration_0005_gives_dives_their_action(tmp_path):
    path = tmp_path / "project.sqlite"
    create_database(path, revision="0004").dispose()
    import sqlite3
    con = sqlite3.connect(path)
    con.execute("INSERT INTO clip (name, frame_count, fps, width, height, codec, is_vfr, sport, dive_number, "
                "added_at) VALUES ('d', 96, 25.0, 0, 0, '', 0, 'diving', '107B', '2024-01-01')")
    con.commit()
    con.close()
    store = Store.open(path)
    clip, = Project(tmp_path, store).clips()
    assert clip.action == "107B"
    store.close()
