"""Qt-free edits: each applies in one transaction, is logged, and can be undone and redone."""

from app.edits.edit import (
    Edit,
    combine,
    set_box,
    set_clip_fields,
    set_clip_labels,
    set_keypoints,
    set_reviewed,
    set_stages,
    set_visibility,
)
from app.edits.history import EditHistory

__all__ = [
    "Edit", "EditHistory", "combine", "set_box", "set_clip_fields", "set_clip_labels",
    "set_keypoints", "set_reviewed", "set_stages", "set_visibility",
]
