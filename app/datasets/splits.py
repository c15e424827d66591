"""Train / val / test splits that keep every group (event or athlete) in one split.

Splitting dives at random leaks: dives of one competition share camera, pool and lighting,
dives of one athlete share their style, so a model is tested on what it has seen. Here a
whole group goes to one split, and the split sizes follow each action's share.

Algorithm (greedy, deterministic for a seed): groups are shuffled with ``seed`` (so the seed
breaks ties between groups of equal size) and then
taken largest first; each group goes to the split whose deficit is largest, where the
deficit of a split is how many dives it still needs in total plus, per action, how many
of the group's actions it still needs (targets = fraction x count). Test and val are
filled towards their targets; train takes the rest. With few large groups the sizes can
only be approximate: a group is never cut.

Imported splits are kept unless a new split is asked for; writing a split to the project
is one transaction (:func:`write_split`), outside the edit log (it is not undone by Ctrl+Z).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from app.datasets.errors import DatasetError
from app.store.events import ClipsChanged
from app.store.models import Clip



def make_split(records: Sequence[Mapping[str, Any]], test: float, val: float = 0.0,
               stratify_key: str | None = "action", group_key: str | None = "event",
               seed: int = 0) -> dict[int, str]:
    """Assign each record (``{"id": clip_id, "action": ..., "event": ...}``) to
    ``"train"``, ``"val"`` or ``"test"`` (see the module docstring).

    A record whose group value is empty forms a group of its own.
    """
    if not (0 <= test < 1 and 0 <= val < 1 and test + val < 1):
        raise DatasetError(f"split fractions must be >= 0 and sum below 1; got test {test}, val {val}")
    groups: dict[Any, list[Mapping[str, Any]]] = defaultdict(list)
    for r in records:
        g = r.get(group_key) if group_key else None
        groups[("group", g) if g not in (None, "") else ("clip", r["id"])].append(r)
    n = len(records)
    totals = Counter(r.get(stratify_key) if stratify_key else None for r in records)
    targets = {"test": test, "val": val}
    want = {s: f * n for s, f in targets.items()}
    want_action = {s: {a: f * c for a, c in totals.items()} for s, f in targets.items()}
    order = list(groups)
    random.Random(seed).shuffle(order)
    order.sort(key=lambda g: -len(groups[g]))  # stable: ties keep the seeded order
    out: dict[int, str] = {}
    for g in order:
        members = groups[g]
        actions = Counter(r.get(stratify_key) if stratify_key else None for r in members)
        best, best_gain = "train", 0.0
        for s in ("test", "val"):
            if want[s] - len(members) / 2 <= 0:
                continue  # taking the group would overshoot the split by more than half of it
            gain = sum(min(c, want_action[s][a]) for a, c in actions.items()) / len(members) + want[s] / max(n, 1)
            if gain > best_gain:
                best, best_gain = s, gain
        if best != "train":
            want[best] -= len(members)
            for a, c in actions.items():
                want_action[best][a] -= c
        for r in members:
            out[int(r["id"])] = best
    return out


def clip_records(project) -> list[dict[str, Any]]:
    """One plain record a clip for :func:`make_split` (``action`` is the dive number)."""
    with project.store.reading() as session:
        rows = session.execute(select(Clip.id, Clip.event, Clip.athlete, Clip.dive_number, Clip.split,
                                      Clip.difficulty).order_by(Clip.id))
        return [{"id": r.id, "event": r.event, "athlete": r.athlete, "action": r.dive_number,
                 "split": r.split, "difficulty": r.difficulty} for r in rows]


def write_split(project, assignment: Mapping[int, str]) -> int:
    """Store ``assignment`` in Clip.split in one transaction; returns the clips changed."""
    changed = set()
    with project.store.transaction() as tx:
        rows = {row.id: row for row in tx.session.scalars(select(Clip).where(Clip.id.in_(list(assignment))))}
        for clip_id, split in assignment.items():
            row = rows.get(clip_id)
            if row is None:
                raise DatasetError(f"no clip {clip_id} in this project")
            if row.split != split:
                row.split = split
                changed.add(clip_id)
        tx.announce(ClipsChanged(frozenset(changed)))
    return len(changed)
