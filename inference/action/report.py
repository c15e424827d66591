"""How well actions were recognised on held-out clips: top-1 accuracy, recall per action and
the confusion matrix, next to the majority-class prior (always answering the most common
training action). An accuracy means little without that prior: in a library that is 70 %
one exercise, 70 % is what knowing nothing about the movement already gets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any


def majority_action(train_actions: Sequence[str]) -> str:
    """The most common training action (ties go to the first in sorted order, so the prior
    does not depend on the order clips were read in)."""
    counts = Counter(train_actions)
    return min(counts, key=lambda a: (-counts[a], a))


def action_report(truth: Sequence[str], predicted: Sequence[str], train_actions: Sequence[str]) -> dict[str, Any]:
    """Plain-data figures of ``predicted`` against ``truth`` (one each per test clip).

    ``confusion["matrix"][i][j]`` counts clips of ``confusion["labels"][i]`` predicted as
    ``labels[j]``; the labels are every action seen in training or in the test clips.
    """
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} true actions but {len(predicted)} predictions")
    labels = sorted(set(train_actions) | set(truth))
    prior = majority_action(train_actions)
    n = len(truth)
    hits = sum(t == p for t, p in zip(truth, predicted))
    per_action = {}
    for action in labels:
        mine = [p for t, p in zip(truth, predicted) if t == action]
        per_action[action] = {"n": len(mine), "recall": sum(p == action for p in mine) / len(mine) if mine else None}
    where = {a: i for i, a in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(truth, predicted):
        matrix[where[t]][where[p]] += 1
    recalls = [v["recall"] for v in per_action.values() if v["recall"] is not None]
    return {
        "n_test": n,
        "accuracy": hits / n if n else None,
        "balanced_accuracy": sum(recalls) / len(recalls) if recalls else None,
        "prior": {"action": prior, "accuracy": sum(t == prior for t in truth) / n if n else None},
        "per_action": per_action,
        "confusion": {"labels": labels, "matrix": matrix},
    }
