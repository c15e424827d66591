"""First schema: clips, poses, stage and clip labels, the edit log and settings.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "setting",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=True),
    )
    op.create_table(
        "clip",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("fingerprint", sa.String(80), nullable=False, index=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("frame_count", sa.Integer(), nullable=False),
        sa.Column("fps", sa.Float(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("codec", sa.String(40), nullable=False),
        sa.Column("is_vfr", sa.Boolean(), nullable=False),
        sa.Column("sport", sa.String(40), nullable=False),
        sa.Column("athlete", sa.String(255), nullable=True),
        sa.Column("event", sa.String(255), nullable=True),
        sa.Column("dive_number", sa.String(8), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("split", sa.String(8), nullable=True),
        sa.Column("added_at", _ts, nullable=False),
    )
    op.create_table(
        "pose_frame",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clip_id", sa.Integer(), sa.ForeignKey("clip.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("frame", sa.Integer(), nullable=False),
        sa.Column("layer", sa.String(80), nullable=False),
        sa.Column("schema", sa.String(16), nullable=False),
        sa.Column("keypoints", sa.LargeBinary(), nullable=False),
        sa.Column("visibility", sa.LargeBinary(), nullable=False),
        sa.Column("source", sa.LargeBinary(), nullable=False),
        sa.Column("bbox_x1", sa.Float(), nullable=True),
        sa.Column("bbox_y1", sa.Float(), nullable=True),
        sa.Column("bbox_x2", sa.Float(), nullable=True),
        sa.Column("bbox_y2", sa.Float(), nullable=True),
        sa.Column("annotator", sa.String(80), nullable=True),
        sa.Column("updated_at", _ts, nullable=False),
        sa.UniqueConstraint("clip_id", "layer", "frame"),
    )
    op.create_table(
        "stage_label",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clip_id", sa.Integer(), sa.ForeignKey("clip.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("stage_names", sa.JSON(), nullable=False),
        sa.Column("transitions", sa.JSON(), nullable=False),
        sa.Column("annotator", sa.String(80), nullable=True),
        sa.Column("updated_at", _ts, nullable=False),
        sa.UniqueConstraint("clip_id", "source"),
    )
    op.create_table(
        "clip_label",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clip_id", sa.Integer(), sa.ForeignKey("clip.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("annotator", sa.String(80), nullable=False),
        sa.Column("overall_score", sa.Float(), nullable=True),
        sa.Column("judge_marks", sa.JSON(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("skill_level", sa.String(16), nullable=True),
        sa.Column("dimension_scores", sa.JSON(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("updated_at", _ts, nullable=False),
        sa.UniqueConstraint("clip_id", "annotator"),
    )
    op.create_table(
        "edit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("annotator", sa.String(80), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=True, index=True),
        sa.Column("description", sa.String(255), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.Column("state", sa.String(8), nullable=False, index=True),
        sa.Column("changed_at", _ts, nullable=True),
    )


def downgrade() -> None:
    for table in ("edit_log", "clip_label", "stage_label", "pose_frame", "clip", "setting"):
        op.drop_table(table)
