"""The action an analysis recognised: the dive number read from the poses and the action
classifier's answer, with their confidences, so the label panel and the label checks show
it after a restart without analysing again.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assessment") as batch:
        batch.add_column(sa.Column("action", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assessment") as batch:
        batch.drop_column("action")
