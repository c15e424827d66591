"""Typed change events: the store announces what changed after each commit; views redraw it.

Events are published only after the transaction commits, so a subscriber that reads the
store sees the new state, and a rolled-back edit announces nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar


@dataclass(frozen=True)
class ClipsChanged:
    clip_ids: frozenset[int]


@dataclass(frozen=True)
class PosesChanged:
    clip_id: int
    frames: frozenset[int]
    layer: str


@dataclass(frozen=True)
class StagesChanged:
    clip_id: int


@dataclass(frozen=True)
class LabelsChanged:
    clip_id: int


@dataclass(frozen=True)
class HistoryChanged:
    """The undo/redo history moved (an edit was applied, undone or redone)."""


ChangeEvent = ClipsChanged | PosesChanged | StagesChanged | LabelsChanged | HistoryChanged
E = TypeVar("E", ClipsChanged, PosesChanged, StagesChanged, LabelsChanged, HistoryChanged)


class EventBus:
    """Synchronous publish/subscribe keyed by event type."""

    def __init__(self) -> None:
        self._subscribers: dict[type, list[Callable]] = defaultdict(list)

    def subscribe(self, event_type: type[E], callback: Callable[[E], None]) -> Callable[[], None]:
        """Call `callback(event)` for every published event of `event_type`; returns an unsubscribe function."""
        self._subscribers[event_type].append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers[event_type]:
                self._subscribers[event_type].remove(callback)

        return unsubscribe

    def publish(self, event: ChangeEvent) -> None:
        for callback in list(self._subscribers[type(event)]):
            callback(event)
