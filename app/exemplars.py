"""A clip's exemplar: the execution it is compared with.

The coach marks any clip of the same sport as the exemplar of a clip ("Compare with…"),
stored on the clip and undoable like every edit. Without a mark, Plumb takes the nearest
higher-scored clip of the same action: close enough to be a reachable next step, better
enough to show what to change. A clip without a score of its own gets the best-scored clip
of its action.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.assessment.library import ScoredClip, scored_clips_with_poses
from app.assessment.stored import latest_assessment
from app.edits.edit import Edit
from app.edits.targets import ClipFieldsTarget

CHOSEN = "chosen by the coach"
NEAREST_HIGHER = "nearest higher-scored clip of the same action"
NEAREST_HIGHER_RECOGNISED = "nearest higher-scored clip of the action recognised in it"


@dataclass(frozen=True)
class ExemplarChoice:
    """The exemplar ``clip_id`` of a clip, its ``name``, its mean ``score`` (None when unscored)
    and ``how`` it was chosen (:data:`CHOSEN` or :data:`NEAREST_HIGHER`)."""

    clip_id: int
    name: str
    score: float | None
    how: str

    def to_json(self) -> dict:
        return {"clip_id": self.clip_id, "name": self.name, "score": self.score, "how": self.how}


def mark_exemplar(clip_id: int, exemplar_id: int | None) -> Edit:
    """The edit that makes ``exemplar_id`` the exemplar of ``clip_id`` (None: back to automatic)."""
    description = "Clear the clip's exemplar" if exemplar_id is None else f"Compare with clip {exemplar_id}"
    return Edit(description, ((ClipFieldsTarget(clip_id, ("exemplar_clip_id",)),
                               {"exemplar_clip_id": exemplar_id}),))


def nearest_higher_scored(clip_id: int, action: str | None, candidates: list[ScoredClip]) -> ScoredClip | None:
    """Among the other scored clips of ``action``, the lowest score above the clip's own (the
    best one when the clip has no score); None when no clip of the action scores higher."""
    if action is None:
        return None
    same = [c for c in candidates if c.action == action and c.clip_id != clip_id]
    own = next((c.score for c in candidates if c.clip_id == clip_id), None)
    if own is None:
        return max(same, key=lambda c: (c.score, -c.clip_id), default=None)
    higher = [c for c in same if c.score > own]
    return min(higher, key=lambda c: (c.score, c.clip_id), default=None)


def exemplar_of(project, clip_id: int, *, recognised: str | None = None) -> ExemplarChoice | None:
    """The coach's exemplar of the clip, else the nearest higher-scored clip of its action:
    the typed one, else ``recognised`` (or the one its newest analysis recognised)."""
    clip = project.clip(clip_id)
    candidates = scored_clips_with_poses(project)
    scores = {c.clip_id: c.score for c in candidates}
    if clip.exemplar_clip_id is not None:
        chosen = project.clip(clip.exemplar_clip_id)
        return ExemplarChoice(chosen.id, chosen.name, scores.get(chosen.id), CHOSEN)
    typed = clip.action or clip.dive_number
    if typed is None and recognised is None:
        recognised = ((latest_assessment(project, clip_id) or {}).get("action") or {}).get("label")
    nearest = nearest_higher_scored(clip_id, typed or recognised, candidates)
    if nearest is None:
        return None
    how = NEAREST_HIGHER if typed else NEAREST_HIGHER_RECOGNISED
    return ExemplarChoice(nearest.clip_id, project.clip(nearest.clip_id).name, nearest.score, how)
