"""Frame-to-frame correspondence of two executions of the same movement, stage by stage.

Each stage of one clip is mapped linearly onto the same stage of the other, so the two clips
meet at every stage transition (take-off, entry) even when one athlete is slower in flight:
the piecewise time alignment a side-by-side view plays.
"""

from __future__ import annotations

from collections.abc import Sequence


def aligned_frame(frame: int, transitions: Sequence[int], frame_count: int,
                  other_transitions: Sequence[int], other_count: int) -> int:
    """The frame of the other clip that corresponds to ``frame`` of this one. Stage k of this
    clip, frames ``[b_k, b_{k+1})``, maps linearly onto stage k of the other; transitions map
    onto transitions. Without matching stages (different counts) the whole clips map linearly.
    """
    if frame_count < 1 or other_count < 1:
        raise ValueError("both clips need at least one frame")
    frame = min(max(int(frame), 0), frame_count - 1)
    if len(transitions) != len(other_transitions):
        transitions, other_transitions = (), ()
    edges = [0, *transitions, frame_count]
    other = [0, *other_transitions, other_count]
    k = max(i for i in range(len(edges) - 1) if edges[i] <= frame or i == 0)
    share = (frame - edges[k]) / max(edges[k + 1] - edges[k], 1)
    mapped = other[k] + share * (other[k + 1] - other[k])
    return min(max(int(round(mapped)), 0), other_count - 1)
