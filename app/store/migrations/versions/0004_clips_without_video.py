"""Clips without a video: imported dataset labels come first, the video is attached later.

``path``, ``fingerprint`` and ``size_bytes`` become nullable (NULL until a video is
attached); ``codec`` defaults to ""; ``width`` / ``height`` default to 0 (unknown until a
video is attached). ``source_key`` is the dive's key in the dataset it was imported from
(e.g. ``"FINAWorldChampionships2019_Men10mSynchronised_final_r4/1"``), so re-importing a
dataset updates its clips instead of duplicating them.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clip") as batch:
        batch.alter_column("path", existing_type=sa.String(1024), nullable=True)
        batch.alter_column("fingerprint", existing_type=sa.String(80), nullable=True)
        batch.alter_column("size_bytes", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("codec", existing_type=sa.String(40), server_default="")
        batch.alter_column("width", existing_type=sa.Integer(), server_default="0")
        batch.alter_column("height", existing_type=sa.Integer(), server_default="0")
        batch.add_column(sa.Column("source_key", sa.String(255), nullable=True))
        batch.create_index("ix_clip_source_key", ["source_key"], unique=True)


def downgrade() -> None:
    # Clips without a video cannot exist in schema 0003: downgrading refuses while any are left.
    connection = op.get_bind()
    orphans = connection.execute(sa.text("SELECT COUNT(*) FROM clip WHERE path IS NULL")).scalar_one()
    if orphans:
        raise RuntimeError(f"{orphans} clip(s) have no video; attach or delete them before downgrading")
    with op.batch_alter_table("clip") as batch:
        batch.drop_index("ix_clip_source_key")
        batch.drop_column("source_key")
        batch.alter_column("path", existing_type=sa.String(1024), nullable=False)
        batch.alter_column("fingerprint", existing_type=sa.String(80), nullable=False)
        batch.alter_column("size_bytes", existing_type=sa.Integer(), nullable=False)
