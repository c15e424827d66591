"""A clip's exemplar chosen by the coach, and why an assessment lacks a score or dimensions.

``clip.exemplar_clip_id`` is the clip the coach compares this one with ("Compare with…");
it is cleared when that clip is deleted. ``assessment.notes`` keeps the reasons shown in
place of a missing score or missing skill dimensions, so a stored assessment explains
itself after a restart.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clip") as batch:
        batch.add_column(sa.Column("exemplar_clip_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_clip_exemplar_clip_id", "clip", ["exemplar_clip_id"], ["id"],
                                 ondelete="SET NULL")
    with op.batch_alter_table("assessment") as batch:
        batch.add_column(sa.Column("notes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assessment") as batch:
        batch.drop_column("notes")
    with op.batch_alter_table("clip") as batch:
        batch.drop_constraint("fk_clip_exemplar_clip_id", type_="foreignkey")
        batch.drop_column("exemplar_clip_id")
