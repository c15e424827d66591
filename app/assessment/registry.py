"""Model files of a project: ``<project>/models/<kind>-<time>.pt``, one row each in the
``model`` table with the metrics measured when it was trained and the fingerprint of the
library it was trained on. The newest model of a kind is the one in use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.store.models import TrainedModel

MODELS_DIR = "models"
KINDS = ("stages", "score", "action")


@dataclass(frozen=True)
class ModelRecord:
    id: int
    kind: str
    path: Path
    schema: str | None
    metrics: dict[str, Any]
    data_fingerprint: str | None
    created_at: datetime


def new_model_path(project, kind: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
    return project.root / MODELS_DIR / f"{kind}-{stamp}.pt"


def register_model(project, kind: str, path: Path, schema: str, metrics: dict[str, Any],
                   data_fingerprint: str) -> ModelRecord:
    """Record a model file already written in full (so a row never points at half a file)."""
    relative = path.relative_to(project.root).as_posix()
    with project.store.transaction() as tx:
        row = TrainedModel(kind=kind, file=relative, schema=schema, metrics=metrics,
                           data_fingerprint=data_fingerprint)
        tx.session.add(row)
        tx.session.flush()
        return _record(project, row)


def latest_model(project, kind: str) -> ModelRecord | None:
    """The newest model of ``kind`` whose file still exists, or None."""
    with project.store.reading() as session:
        rows = session.scalars(select(TrainedModel).where(TrainedModel.kind == kind)
                               .order_by(TrainedModel.id.desc())).all()
        for row in rows:
            record = _record(project, row)
            if record.path.is_file():
                return record
    return None


def _record(project, row: TrainedModel) -> ModelRecord:
    return ModelRecord(row.id, row.kind, project.root / row.file, row.schema, dict(row.metrics or {}),
                       row.data_fingerprint, row.created_at)
