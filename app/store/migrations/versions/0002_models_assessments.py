"""Trained models and their assessments of clips.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "model",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("file", sa.String(1024), nullable=False),
        sa.Column("schema", sa.String(16), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=True),
        sa.Column("data_fingerprint", sa.String(80), nullable=True),
        sa.Column("created_at", _ts, nullable=False),
    )
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clip_id", sa.Integer(), sa.ForeignKey("clip.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("model_id", sa.Integer(), sa.ForeignKey("model.id", ondelete="SET NULL"), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("spread", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(40), nullable=True),
        sa.Column("stages", sa.JSON(), nullable=True),
        sa.Column("dimensions", sa.JSON(), nullable=True),
        sa.Column("feedback", sa.JSON(), nullable=True),
        sa.Column("created_at", _ts, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("assessment")
    op.drop_table("model")
