"""Rows for store tests that need a clip but not a real video."""

from __future__ import annotations

from app.store.models import Clip
from app.store.store import Store


def add_clip_row(store: Store, *, name: str = "dive", frame_count: int = 96, fingerprint: str | None = None) -> int:
    with store.transaction() as tx:
        row = Clip(name=name, path=f"videos/{name}.mp4", fingerprint=fingerprint or f"fp-{name}",
                   size_bytes=1000, frame_count=frame_count, fps=25.0, width=455, height=256,
                   codec="h264", is_vfr=False, sport="diving")
        tx.session.add(row)
        tx.session.flush()
        return row.id
