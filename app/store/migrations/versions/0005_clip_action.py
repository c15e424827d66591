"""The action a clip shows, for any sport.

``dive_number`` holds only valid FINA dive numbers; ``action`` holds the action name as
given (a dive number, or e.g. ``"bicep curl"``), so clips of the same action can be
compared with each other in every sport. Existing clips take their dive number.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clip") as batch:
        batch.add_column(sa.Column("action", sa.String(80), nullable=True))
    op.execute("UPDATE clip SET action = dive_number WHERE dive_number IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("clip") as batch:
        batch.drop_column("action")
