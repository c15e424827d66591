"""Values made storable as JSON (model metrics, assessments)."""

from __future__ import annotations

from typing import Any


def plain_json(value: Any) -> Any:
    """A JSON-storable copy: tuples become lists, numpy numbers Python numbers, NaN None."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
