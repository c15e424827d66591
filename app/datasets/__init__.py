"""Dataset file formats: plain read/write functions between files and :mod:`records`.

One module per format, each with ``read(path, ...)`` and ``write(path, items, ...)``;
:data:`FORMATS` maps a format name to its module (ctrl-click to the code). No database,
no Qt: importing into a project and the CLI are built on top of these functions.

Errors are :class:`~app.datasets.errors.DatasetError` naming the file and the problem;
writers check everything first and write atomically, so a refused write leaves nothing.
"""

from __future__ import annotations

from types import ModuleType

from app.datasets import coco, finediving, labelme, mpii, mtlaqa, sequences
from app.datasets.errors import DatasetError

FORMATS: dict[str, ModuleType] = {
    "finediving": finediving,  # Annotations folder of pickles (+ write_pose_arrays)
    "mtlaqa": mtlaqa,          # read-only
    "mpii": mpii,              # mmpose MPII JSON (FineDiving-Pose)
    "coco": coco,              # COCO keypoints JSON
    "labelme": labelme,        # one LabelMe JSON per frame
    "sequences": sequences,    # NAME.npy / NAME.npz per clip + labels.csv
}
FORMAT_NAMES: tuple[str, ...] = tuple(FORMATS)


def get_format(name: str) -> ModuleType:
    """The module for format ``name``; the error lists the valid names."""
    try:
        return FORMATS[name]
    except (KeyError, TypeError):
        raise DatasetError(
            f"unknown dataset format {name!r}; valid formats: {', '.join(FORMAT_NAMES)}"
        ) from None


def read(path, format: str, **options):
    """Read ``path`` with format ``format`` (see :data:`FORMATS`)."""
    return get_format(format).read(path, **options)


def write(path, items, format: str, **options):
    """Write ``items`` to ``path`` with format ``format`` (see :data:`FORMATS`)."""
    return get_format(format).write(path, items, **options)


__all__ = ["FORMATS", "FORMAT_NAMES", "DatasetError", "get_format", "read", "write"]
