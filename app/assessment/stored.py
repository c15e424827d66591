"""Reading stored assessments (no model code: the window imports this at start-up)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.store.models import Assessment


def latest_assessment(project, clip_id: int) -> dict[str, Any] | None:
    with project.store.reading() as session:
        row = session.scalars(select(Assessment).where(Assessment.clip_id == clip_id)
                              .order_by(Assessment.id.desc())).first()
        if row is None:
            return None
        return {"id": row.id, "score": row.score, "spread": row.spread, "grade": row.grade,
                "stages": row.stages, "dimensions": row.dimensions, "feedback": row.feedback, "notes": row.notes or {},
                "action": row.action, "created_at": row.created_at.isoformat()}
