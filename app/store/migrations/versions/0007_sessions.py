"""Whose session made each edit, and which Plumb processes have the project open.

``edit_log.session_id`` names the window (or command) that made an edit, so each window undoes
its own edits and a window can tell edits that other processes made. ``plumb_session`` holds a
row per open window (process id, host, annotator, when it started, when it was last seen), so a
window can say that another Plumb has the project open; rows of processes that ended without
closing are recognised as stale and ignored.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("edit_log") as batch:
        batch.add_column(sa.Column("session_id", sa.String(36), nullable=True))
        batch.create_index("ix_edit_log_session_id", ["session_id"])
    op.create_table(
        "plumb_session",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("annotator", sa.String(80), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("plumb_session")
    with op.batch_alter_table("edit_log") as batch:
        batch.drop_index("ix_edit_log_session_id")
        batch.drop_column("session_id")
