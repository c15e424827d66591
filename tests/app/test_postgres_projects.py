"""A team's project on a real PostgreSQL server (started by the tests): create, migrate, edit,
undo, conflicting undo, another process's edits seen, copy to and from SQLite, bad URLs."""

from __future__ import annotations

import select

import numpy as np
import pytest
import sqlalchemy as sa

from app.cli import main
from app.edits import EditHistory, set_box, set_keypoints
from app.edits.external import ExternalEdits
from app.errors import EditError
from app.project import Project
from app.store import queries
from app.store.database import head_revision
from app.store.models import EditLogEntry, PoseFrame
from tests.helpers.corrected_project import write_figure_video


@pytest.fixture
def database(postgres_database):
    return postgres_database


def test_a_project_on_the_server_works_like_a_file_project(tmp_path, database, capsys) -> None:
    video = write_figure_video(tmp_path / "clip.mp4", 12)
    root = tmp_path / "team"
    assert main(["new", str(root), "--database", database]) == 0
    assert not (root / "project.sqlite").exists() and (root / "server.json").is_file()
    assert main(["add", str(root), str(video)]) == 0
    with Project.open(root) as project:
        assert project.store.url == database and not project.store.is_sqlite
        with project.store.reading() as session:
            assert session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
        anna = EditHistory(project.store, lambda: "anna")
        ben = EditHistory(project.store, lambda: "ben")
        anna.apply(set_keypoints(1, 3, {9: (10.0, 10.0)}, schema="mpii16"))
        ben.apply(set_keypoints(1, 3, {9: (30.0, 30.0)}, schema="mpii16"))
        with pytest.raises(EditError, match="was changed by ben"):
            anna.undo()
        ben.undo()
        anna.undo()
        with project.store.reading() as session:
            assert queries.pose_at(session, 1, 3) is None
        assert project.store.integrity_check() == "ok"
    capsys.readouterr()
    assert main(["info", str(root), "--json"]) == 0
    assert '"frame_count": 12' in capsys.readouterr().out


def test_edits_from_another_connection_are_seen(tmp_path, database) -> None:
    with Project.create(tmp_path / "a", database=database) as project:
        from tests.app.factories import add_clip_row

        add_clip_row(project.store)
    with Project.open(tmp_path / "a") as mine, Project.open(tmp_path / "a") as theirs:
        seen = ExternalEdits(mine.store, mine.history)
        assert seen.fileno() is not None
        EditHistory(theirs.store, lambda: "ben").apply(set_box(1, 2, (1, 1, 9, 9), schema="mpii16"))
        # The notification crosses the server asynchronously: wait for the socket, as the window does.
        assert select.select([seen.fileno()], [], [], 5)[0], "the server's notification arrived"
        assert seen.check() == ["ben Set athlete box on frame 2"]
        assert seen.check() == []
        # Two people on one frame: an edit made before the other's change arrived is refused.
        EditHistory(theirs.store, lambda: "ben").apply(set_box(1, 3, (2, 2, 8, 8), schema="mpii16"))
        with pytest.raises(EditError, match="Not applied: frame 3 of clip 1 was changed by ben"):
            mine.history.apply(set_box(1, 3, (3, 3, 7, 7), schema="mpii16"))
        with mine.store.reading() as session:
            assert queries.pose_at(session, 1, 3).bbox == pytest.approx((2, 2, 8, 8))
        mine.history.apply(set_box(1, 3, (3, 3, 7, 7), schema="mpii16"))
        seen.close()


def test_copy_round_trip_sqlite_to_server_and_back_is_lossless(tmp_path, database, capsys) -> None:
    video = write_figure_video(tmp_path / "clip.mp4", 12)
    source = tmp_path / "source"
    assert main(["new", str(source)]) == 0 and main(["add", str(source), str(video)]) == 0
    with Project.open(source) as project:
        project.history.apply(set_keypoints(1, 4, np.arange(48.0).reshape(16, 3), schema="mpii16"))
        project.history.apply(set_box(1, 4, (1, 2, 30, 40), schema="mpii16"))
        project.history.undo()
    assert main(["copy", str(source), str(tmp_path / "server"), "--database", database]) == 0
    assert main(["copy", str(tmp_path / "server"), str(tmp_path / "back" / "again")]) == 0
    capsys.readouterr()

    def contents(root):
        with Project.open(root) as project, project.store.reading() as session:
            poses = [(p.clip_id, p.frame, p.layer, p.keypoints, p.bbox_x1) for p in session.scalars(
                sa.select(PoseFrame).order_by(PoseFrame.id))]
            log = [(e.id, e.description, e.state, e.old, e.new) for e in session.scalars(
                sa.select(EditLogEntry).order_by(EditLogEntry.id))]
            clips = [(c.id, c.name, c.frame_count, c.fingerprint) for c in project.clips()]
            media = [project.media_problem(c) for c in project.clips()]
            return poses, log, clips, media, project.setting("name")

    original, copied = contents(source), contents(tmp_path / "back" / "again")
    assert copied == original
    assert original[3] == [None], "the copy's clip still finds its video from the new folder"
    with Project.open(tmp_path / "server") as project:
        # New rows on the server get new ids after the copied ones.
        assert project.history.apply(set_box(1, 5, (1, 1, 5, 5), schema="mpii16")) > max(e[0] for e in original[1])
        assert project.history.undo().description == "Set athlete box on frame 5"


@pytest.mark.parametrize(("url", "message"), [
    ("postgresql://plumb@127.0.0.1:9/nothing", "check that the server runs"),
    ("sqlite:///x.db", "give a PostgreSQL URL"),
    ("not a url", "give a PostgreSQL URL"),
])
def test_a_database_that_does_not_answer_or_is_not_postgresql_is_one_line(tmp_path, capsys, url, message) -> None:
    assert main(["new", str(tmp_path / "p"), "--database", url]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "p").exists(), "nothing was made"


def test_a_server_project_of_a_newer_plumb_is_refused(tmp_path, database, capsys) -> None:
    Project.create(tmp_path / "p", database=database).close()
    engine = sa.create_engine(database)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0999'")
    engine.dispose()
    assert main(["info", str(tmp_path / "p")]) == 1
    assert "written by a newer Plumb (schema 0999" in capsys.readouterr().err


def test_a_role_without_rights_is_told_so_and_nothing_is_made(tmp_path, database, capsys) -> None:
    admin = sa.create_engine(database, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql("DROP ROLE IF EXISTS visitor")
        connection.exec_driver_sql("CREATE ROLE visitor LOGIN")
    admin.dispose()
    visitor = sa.engine.make_url(database).set(username="visitor").render_as_string(hide_password=False)
    assert main(["new", str(tmp_path / "p"), "--database", visitor]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "permission denied" in err[0] and "has no rights there" in err[0]
    assert not (tmp_path / "p").exists()


def test_a_server_project_of_an_older_plumb_is_migrated_with_its_data(tmp_path, database) -> None:
    from alembic import command

    from app.store.database import _alembic_config
    from tests.app.factories import add_clip_row

    with Project.create(tmp_path / "old", database=database) as project:
        add_clip_row(project.store)
        EditHistory(project.store, lambda: "anna").apply(set_box(1, 2, (1, 1, 9, 9), schema="mpii16"))
    engine = sa.create_engine(database)
    try:
        with engine.begin() as connection:  # as an older Plumb (before the recognised action) left it
            command.downgrade(_alembic_config(connection), "0007")
            assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0007"
    finally:
        engine.dispose()
    with Project.open(tmp_path / "old") as project:
        with project.store.reading() as session:
            assert session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
            assert queries.pose_at(session, 1, 2).bbox == pytest.approx((1, 1, 9, 9))
            assert session.execute(sa.text("SELECT count(*) FROM assessment WHERE action IS NULL")).scalar() == 0
