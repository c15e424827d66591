"""The project database on real SQLite files: settings, round trip, migration and refusals."""

from __future__ import annotations

import hashlib
import sqlite3

import numpy as np
import pytest
from sqlalchemy import inspect, text

from app.edits import EditHistory, set_clip_labels, set_keypoints, set_stages
from app.errors import ProjectError
from app.store import queries
from app.store.database import create_database, current_revision, head_revision
from app.store.store import Store
from inference.provenance import JointSource
from tests.app.factories import add_clip_row


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pragmas(tmp_path):
    store = Store.create(tmp_path / "project.sqlite")
    with store._write_engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    store.close()


def test_round_trip_and_counts(tmp_path):
    path = tmp_path / "project.sqlite"
    store = Store.create(path)
    a, b = add_clip_row(store, name="a"), add_clip_row(store, name="b")
    history = EditHistory(store)
    rng = np.random.default_rng(0)
    poses = rng.uniform(0, 400, (5, 16, 3)).astype(np.float32)
    poses[2, 4] = np.nan
    for f in range(5):
        history.apply(set_keypoints(a, f * 3, poses[f], schema="mpii16", source=JointSource.MODEL))
    history.apply(set_keypoints(a, 3, {0: (1, 2)}, schema="mpii16"))
    history.apply(set_stages(a, ["take-off", "flight", "entry"], [10, 40]))
    history.apply(set_clip_labels(b, "ana", overall_score=50.0))
    store.close()

    store = Store.open(path)
    assert store.backup_made is None
    with store.reading() as session:
        track = queries.pose_track(session, a)
        assert track.frames.tolist() == [0, 3, 6, 9, 12]
        expected = poses.copy()
        expected[1, 0] = [1, 2, 1]
        np.testing.assert_array_equal(track.keypoints, expected)
        assert track.schema == "mpii16" and np.isnan(track.bbox).all()
        counts = queries.clip_counts(session)
        assert (counts[a].pose_frames, counts[a].manual_frames, counts[a].stage_labels) == (5, 1, 1)
        assert (counts[b].pose_frames, counts[b].clip_labels) == (0, 1)
    store.close()


def test_deleting_a_clip_cascades(tmp_path):
    store = Store.create(tmp_path / "project.sqlite")
    clip = add_clip_row(store)
    EditHistory(store).apply(set_keypoints(clip, 0, {0: (1, 2)}, schema="mpii16"))
    with store.transaction() as tx:
        tx.session.execute(text("DELETE FROM clip WHERE id = :id"), {"id": clip})
    with store.reading() as session:
        assert session.execute(text("SELECT COUNT(*) FROM pose_frame")).scalar() == 0
    store.close()


def test_migration_from_first_schema_keeps_data_and_backs_up(tmp_path):
    path = tmp_path / "project.sqlite"
    engine = create_database(path, revision="0001")
    assert current_revision(engine) == "0001"
    assert "assessment" not in inspect(engine).get_table_names()
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO clip (name, path, fingerprint, size_bytes, frame_count, fps, width, height, codec,"
            " is_vfr, sport, added_at) VALUES ('old', 'v.mp4', 'fp', 1, 10, 25, 64, 48, 'h264', 0, 'diving',"
            " '2025-01-01 00:00:00')"))
        connection.execute(text("INSERT INTO setting (key, value) VALUES ('name', '\"legacy\"')"))
    engine.dispose()
    before = digest(path)

    store = Store.open(path)
    assert store.backup_made is not None and store.backup_made.name.startswith("project.sqlite.backup-0001-")
    backup = sqlite3.connect(store.backup_made)
    assert backup.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    assert backup.execute("SELECT name FROM clip").fetchall() == [("old",)]
    backup.close()
    assert current_revision(store._write_engine) == head_revision()
    assert {"assessment", "model"} <= set(inspect(store._write_engine).get_table_names())
    with store.reading() as session:
        [clip] = queries.list_clips(session)
        assert clip.name == "old" and queries.get_setting(session, "name") == "legacy"
    store.close()
    assert digest(path) != before


def test_newer_schema_is_refused_unchanged(tmp_path):
    path = tmp_path / "project.sqlite"
    create_database(path).dispose()
    connection = sqlite3.connect(path)
    connection.execute("UPDATE alembic_version SET version_num = '0099'")
    connection.commit()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    before = digest(path)
    with pytest.raises(ProjectError, match="newer Plumb"):
        Store.open(path)
    assert digest(path) == before
    assert not list(tmp_path.glob("*.backup-*"))


@pytest.mark.parametrize("content, message", [
    (b"hello, I am a text file\n" * 40, "not a SQLite database"),
    (b"", "not a Plumb project"),
])
def test_foreign_files_are_refused_unchanged(tmp_path, content, message):
    path = tmp_path / "project.sqlite"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=message):
        Store.open(path)
    assert path.read_bytes() == content


def test_other_sqlite_database_is_refused_unchanged(tmp_path):
    path = tmp_path / "project.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.commit()
    connection.close()
    before = digest(path)
    with pytest.raises(ProjectError, match="not a Plumb project"):
        Store.open(path)
    assert digest(path) == before


def test_migration_0002_to_head_adds_reviewed_flag(tmp_path):
    path = tmp_path / "project.sqlite"
    create_database(path, revision="0002").dispose()
    store = Store.open(path)
    assert current_revision(store._write_engine) == head_revision()
    columns = {c["name"] for c in inspect(store._write_engine).get_columns("pose_frame")}
    assert "reviewed" in columns
    store.close()


def test_migrating_to_head_keeps_every_pose_and_label_row(tmp_path):
    """Batch migrations rebuild `clip`; with foreign keys on, that would cascade-delete poses."""
    path = tmp_path / "project.sqlite"
    engine = create_database(path, revision="0001")
    blob16x3 = np.zeros((16, 3), np.float32).tobytes()
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO clip (id, name, path, fingerprint, size_bytes, frame_count, fps, width, height, codec,"
            " is_vfr, sport, added_at) VALUES (1, 'dive', 'v.mp4', 'fp', 1, 96, 25, 64, 48, 'h264', 0, 'diving',"
            " '2025-01-01 00:00:00')"))
        for frame in range(5):
            connection.execute(text(
                "INSERT INTO pose_frame (clip_id, frame, layer, schema, keypoints, visibility, source, updated_at)"
                " VALUES (1, :f, 'working', 'mpii16', :kp, :flags, :flags, '2025-01-01 00:00:00')"),
                {"f": frame, "kp": blob16x3, "flags": bytes(16)})
        connection.execute(text(
            "INSERT INTO stage_label (clip_id, source, stage_names, transitions, updated_at) VALUES"
            " (1, 'expert', '[\"a\", \"b\"]', '[40]', '2025-01-01 00:00:00')"))
        connection.execute(text(
            "INSERT INTO clip_label (clip_id, annotator, overall_score, updated_at) VALUES"
            " (1, 'ana', 80.5, '2025-01-01 00:00:00')"))
    engine.dispose()

    store = Store.open(path)
    assert current_revision(store._write_engine) == head_revision()
    with store.reading() as session:
        assert queries.pose_track(session, 1).frames.tolist() == [0, 1, 2, 3, 4]
        assert queries.stage_boundaries(session, 1).transitions == (40,)
        assert queries.clip_labels(session, 1)[0].overall_score == 80.5
    with store._write_engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1, "normal use keeps foreign keys on"
    store.close()
