"""Grouped, stratified splits."""

from __future__ import annotations

from collections import Counter

import pytest

from app.datasets import DatasetError
from app.datasets.splits import make_split


def records(n_events=40, per_event=10):
    actions = ["107B", "207C", "307C", "407C", "5253B"]
    return [{"id": e * per_event + i, "event": f"meet{e}", "athlete": f"a{(e * 7 + i) % 25}",
             "action": actions[(e + i) % len(actions)]}
            for e in range(n_events) for i in range(per_event)]


@pytest.mark.parametrize("group", ["event", "athlete"])
def test_no_group_in_two_splits_and_sizes_close(group):
    recs = records()
    split = make_split(recs, test=0.25, val=0.1, stratify_key="action", group_key=group, seed=3)
    where: dict[str, set] = {}
    for r in recs:
        where.setdefault(r[group], set()).add(split[r["id"]])
    assert all(len(s) == 1 for s in where.values())
    counts = Counter(split.values())
    assert abs(counts["test"] - 100) <= 20 and abs(counts["val"] - 40) <= 20


def test_stratified_by_action():
    recs = records()
    split = make_split(recs, test=0.3, stratify_key="action", group_key="event")
    for action in {r["action"] for r in recs}:
        ids = [r["id"] for r in recs if r["action"] == action]
        share = sum(split[i] == "test" for i in ids) / len(ids)
        assert 0.2 <= share <= 0.4


def test_deterministic_and_checks_fractions():
    recs = records()
    assert make_split(recs, 0.25, seed=1) == make_split(recs, 0.25, seed=1)
    with pytest.raises(DatasetError, match="fractions"):
        make_split(recs, 0.8, 0.3)
