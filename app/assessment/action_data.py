"""The clips an action classifier learns from and is tested on, and why others are left out.

A clip takes part when it has poses, an action label and enough posed frames to show the
movement. Every action needs :data:`MIN_CLIPS_PER_ACTION` such clips, or the classifier
would be tested on actions it has barely seen.

When no labelled clip has a split, one is made here, stratified by action and keeping each
athlete's clips in one split (:func:`app.datasets.splits.make_split`): a model tested on an
athlete it trained on measures how well it knows that athlete, not the action. The split is
saved with the model so ``plumb evaluate`` scores the same test clips.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from app.datasets.splits import make_split
from app.errors import AssessmentError
from inference.action.motion import too_few_posed, trajectory
from inference.assess.sample import ClipSample

MIN_CLIPS_PER_ACTION = 4
HELD_OUT_TEST = 0.2
HELD_OUT_VAL = 0.2
NO_TEST = ("no labelled clip is in the test split; run plumb split PROJECT --test 0.2 --group athlete, "
           "or clear every split so training holds out whole athletes itself")


@dataclass(frozen=True)
class ActionClips:
    """Labelled clips by split, what was left out (clip name -> why) and, when the split was
    made here, each clip's split (clip key -> split) to save with the model."""

    train: list[ClipSample]
    val: list[ClipSample]
    test: list[ClipSample]
    left_out: dict[str, str]
    made_split: dict[str, str] | None


def decidable(samples: list[ClipSample], names: dict[str, str]) -> tuple[list[ClipSample], dict[str, str]]:
    """The clips with enough posed frames, and the others' names with the reason."""
    kept, left_out = [], {}
    for sample in samples:
        try:
            why = too_few_posed(trajectory(sample.keypoints, sample.schema, sample.fps))
        except ValueError as exc:
            why = str(exc)
        if why:
            left_out[names.get(sample.key, sample.key)] = why
        else:
            kept.append(sample)
    return kept, left_out


def _check_counts(counts: Counter) -> None:
    need = f"an action classifier needs at least two actions with {MIN_CLIPS_PER_ACTION} posed clips each"
    if not counts:
        raise AssessmentError(f"no clip with poses has an action label; {need}: set the clips' actions "
                              "(or import them with an action column), then train again")
    if len(counts) == 1:
        only, n = next(iter(counts.items()))
        raise AssessmentError(f"every labelled clip is {only!r} ({n} clip(s)); {need}: label clips of "
                              "another action")
    few = {a: n for a, n in sorted(counts.items()) if n < MIN_CLIPS_PER_ACTION}
    if few:
        listed = ", ".join(f"{a!r} has {n}" for a, n in few.items())
        raise AssessmentError(f"too few clips per action: {listed}; {need}: label more clips of "
                              f"{'that action' if len(few) == 1 else 'those actions'}")


def _split(samples: list[ClipSample], athletes: dict[str, str | None], seed: int,
           test: float, val: float) -> dict[str, str]:
    records = [{"id": int(s.key), "action": s.action, "athlete": athletes.get(s.key)} for s in samples]
    assignment = make_split(records, test, val, stratify_key="action", group_key="athlete", seed=seed)
    return {str(k): v for k, v in assignment.items()}


def training_clips(samples: list[ClipSample], names: dict[str, str], athletes: dict[str, str | None],
                   seed: int) -> ActionClips:
    """Split the labelled, posed ``samples`` for training (see the module docstring).

    Raises:
        AssessmentError: no labelled clip, one action only, too few clips of an action, no
            test clip, or an action without training clips.
    """
    labelled, left_out = decidable([s for s in samples if s.action], names)
    _check_counts(Counter(s.action for s in labelled))
    made = None
    if all(s.split is None for s in labelled):
        made = _split(labelled, athletes, seed, HELD_OUT_TEST, HELD_OUT_VAL)
    split_of = {s.key: (made or {}).get(s.key) or s.split or "train" for s in labelled}
    test = [s for s in labelled if split_of[s.key] == "test"]
    if not test:
        raise AssessmentError(NO_TEST)
    train = [s for s in labelled if split_of[s.key] == "train"]
    val = [s for s in labelled if split_of[s.key] == "val"]
    if len(val) < 2:
        # Too few validation clips to choose an epoch by: hold out athletes of the training clips.
        pool = train + val
        held = _split(pool, athletes, seed, HELD_OUT_VAL, 0.0)
        train = [s for s in pool if held[s.key] != "test"]
        val = [s for s in pool if held[s.key] == "test"]
    missing = sorted({s.action for s in test + val} - {s.action for s in train})
    if missing:
        raise AssessmentError(f"no training clip of {', '.join(map(repr, missing))}; move some of its clips "
                              "to the train split (plumb split PROJECT --test 0.2 --group athlete)")
    return ActionClips(train, val, test, left_out, made)
