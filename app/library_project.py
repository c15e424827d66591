"""The coach's default library: a project in the user's data folder that opened videos go to
when no project is open, so a first video needs no project ceremony.

``PLUMB_LIBRARY_DIR`` overrides the place (tests, or a library on a shared drive).
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path
from sqlalchemy import select

from app.project import PROJECT_FILE
from app.store.models import WORKING_LAYER, PoseFrame

LIBRARY_DIR_ENV = "PLUMB_LIBRARY_DIR"


def default_library_folder() -> Path:
    if os.environ.get(LIBRARY_DIR_ENV):
        return Path(os.environ[LIBRARY_DIR_ENV]).expanduser()
    return user_data_path("Plumb", appauthor=False) / "Library"


def library_exists(folder: Path) -> bool:
    return (folder / PROJECT_FILE).is_file()


def has_poses(project, clip_id: int) -> bool:
    """Whether any frame of the clip has a working-layer pose (analysis needs them)."""
    with project.store.reading() as session:
        return session.scalars(select(PoseFrame.id).where(PoseFrame.clip_id == clip_id,
                                                          PoseFrame.layer == WORKING_LAYER).limit(1)).first() \
            is not None
