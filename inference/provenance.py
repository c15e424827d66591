"""Where a joint value came from and whether it is seen: shared by inference and the store."""

from enum import IntEnum


class JointSource(IntEnum):
    NONE = 0
    MODEL = 1
    MANUAL = 2
    INTERPOLATED = 3
    PROPAGATED = 4


class Visibility(IntEnum):
    """COCO convention."""

    ABSENT = 0
    OCCLUDED = 1
    VISIBLE = 2
