"""The five skill dimensions of a clip, measured against reference clips (METHODS §4).

No trained model: each dimension averages the values of a few measures on the poses
(:data:`MEASURES`), each compared with what the references do:

* temporal precision (0.35): ``stage timing`` (stage lengths in seconds and as shares of the
  clip, mean absolute log ratio to the references' medians); ``tempo`` (how far the local slope
  of the DTW time alignment strays from its overall slope).
* spatial accuracy (0.25): ``pose deviation`` (joint distance to each reference after time
  alignment, torso lengths, weighted by both clips' joint confidences).
* movement smoothness (0.20): ``jerk`` (log dimensionless jerk); ``speed steadiness`` (change of
  joint speed from frame to frame over its mean). Tracker jitter counts: smooth poses first.
* completeness (0.15): ``coverage`` (share of joints unseen), ``stage lengths`` (share of stages
  missing or outside half to twice the references' lengths), ``range of motion`` (shortfall of
  joint-angle ranges), ``rotation`` (shortfall of the torso's turn, when the references turn).
* energy efficiency (0.05): ``path length`` (log excess of the joints' path about the hips) and
  ``unnecessary motion`` (extra speed of joints the aligned reference holds still).

Every raw measure is "higher is worse" and is mapped to [0, 1] against the same measure for
each reference compared with the other references (leave one out): with their median ``m`` and
spread ``s = max(1.4826 MAD, relative |m|, minimum)``, ``z = (raw - m) / s`` and
``value = 1 / (1 + exp(z - ln(0.85 / 0.15)))``. A clip like the median reference scores 0.85,
two spreads worse 0.43, six spreads worse 0.01. With one reference, ``m`` is its own value for
the ``own`` measures (of a clip on its own) and the fixed ``median`` otherwise, ``s`` uses the
fixed ``spread``; fixed values are a little wider than pairs of good generated dives show.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from inference.assess.alignment import (compare_along_path, dtw_path, excess_speed, nan_mean, nan_quantile,
                                        path_length, smoothness, tempo_deviation, window_around, window_width,
                                        worst_window)
from inference.assess.features import ANGLE_TRIPLES, joint_index, normalise, resample
from inference.assess.sample import ClipSample
from inference.skeletons import canonical_name, get_skeleton

DIMENSION_WEIGHTS = {"temporal precision": 0.35, "spatial accuracy": 0.25, "movement smoothness": 0.20,
                     "completeness": 0.15, "energy efficiency": 0.05}
REFERENCE_VALUE = 0.85  # what a clip exactly like the median reference scores
MIN_FRAMES = 8          # the jerk needs 4 frames, a tempo window a few more
STILL_SPEED = 1.0       # torso lengths per second: slower than this a joint counts as held still
DTW_BAND_SHARE = 0.3    # the alignment may drift this share of the reference's length off lockstep
ROTATION_MIN = math.pi / 2  # references turning less than a quarter turn: rotation is not judged
ROM_MIN = math.radians(20)  # joint angles the references move less than this are not judged


@dataclass(frozen=True)
class MeasureScale:
    """How one raw measure maps to [0, 1]: its dimension, whether it describes a clip on its own
    (``own``), the fixed median and spread used with a single reference, and the spread floors
    (``relative`` times the median, ``minimum``)."""

    dimension: str
    own: bool
    median: float
    spread: float
    relative: float
    minimum: float


MEASURES: dict[str, MeasureScale] = {
    "stage timing": MeasureScale("temporal precision", False, 0.05, 0.05, 0.5, 0.03),
    "tempo": MeasureScale("temporal precision", False, 0.05, 0.03, 0.5, 0.02),
    "pose deviation": MeasureScale("spatial accuracy", False, 0.12, 0.05, 0.5, 0.02),
    "jerk": MeasureScale("movement smoothness", True, 18.0, 0.5, 0.0, 0.3),
    "speed steadiness": MeasureScale("movement smoothness", True, 0.3, 0.05, 0.15, 0.03),
    "coverage": MeasureScale("completeness", True, 0.15, 0.03, 0.25, 0.02),
    "stage lengths": MeasureScale("completeness", False, 0.0, 0.15, 0.0, 0.15),
    "range of motion": MeasureScale("completeness", False, 0.02, 0.04, 0.5, 0.03),
    "rotation": MeasureScale("completeness", False, 0.01, 0.03, 0.5, 0.02),
    "path length": MeasureScale("energy efficiency", False, 0.02, 0.04, 0.5, 0.03),
    "unnecessary motion": MeasureScale("energy efficiency", False, 0.1, 0.05, 0.5, 0.03),
}


@dataclass(frozen=True)
class Dimension:
    """One skill dimension: ``name`` (a key of :data:`DIMENSION_WEIGHTS`) and ``weight``;
    ``value`` in [0, 1] (0.85 = like the median reference, NaN if nothing could be measured);
    ``raw``, the mean ``z`` of its measures (reference spreads from the median reference, positive
    worse); ``evidence`` in words with the numbers; ``worst_frames``, first and last frame of the
    window that lowered it most, and ``measure``, the key of :data:`MEASURES` that did;
    ``measures``, ``(name, value, words)`` of each of its measures, lowest value first."""

    name: str
    weight: float
    value: float
    raw: float
    evidence: str
    worst_frames: tuple[int, int]
    measure: str
    measures: tuple[tuple[str, float, str], ...] = ()


@dataclass(frozen=True)
class DimensionReport:
    """The five ``dimensions``, their weighted sum ``overall``, the ``references`` (keys) used,
    and the clip's ``num_frames``, ``transitions`` and ``stage_names`` (to name frame ranges)."""

    dimensions: tuple[Dimension, ...]
    overall: float
    references: tuple[str, ...]
    num_frames: int
    transitions: tuple[int, ...] | None
    stage_names: tuple[str, ...]

    def dimension(self, name: str) -> Dimension:
        for d in self.dimensions:
            if d.name == name:
                return d
        raise ValueError(f"no dimension {name!r}; dimensions: {', '.join(DIMENSION_WEIGHTS)}")


@dataclass(frozen=True)
class _Raw:
    value: float             # the raw measure, higher is worse, NaN when not measurable
    window: tuple[int, int]  # where it is worst (first and last frame)
    words: str               # the numbers in words, for the evidence


@dataclass(frozen=True)
class _Clip:
    """A clip prepared once: joints (T, J, 2) in torso lengths from the hips, where seen (T, J),
    speeds (T, J) in torso lengths/s, angles (T, A) and where seen, unwrapped torso angle (T,)."""

    key: str
    fps: float
    coords: np.ndarray
    seen: np.ndarray
    weights: np.ndarray  # (T, J) joint confidences, 0 where unseen
    speed: np.ndarray
    angles: np.ndarray
    angle_seen: np.ndarray
    torso: np.ndarray
    transitions: tuple[int, ...] | None
    flip: np.ndarray  # (J,) joint order of the mirror image
    joints: tuple[str, ...]
    stages: tuple[str, ...]

    @property
    def frames(self) -> int:
        return self.coords.shape[0]

    @cached_property
    def mirrored(self) -> np.ndarray:
        return self.coords[:, self.flip] * np.array([-1.0, 1.0])

    @cached_property
    def durations(self) -> np.ndarray:
        return np.diff((0,) + self.transitions + (self.frames,)).astype(np.float64)

    @cached_property
    def smoothness(self) -> tuple[float, float, np.ndarray, np.ndarray]:
        return smoothness(self.coords, self.seen, self.fps)

    @cached_property
    def path_length(self) -> tuple[float, np.ndarray]:
        return path_length(self.coords, self.seen)

    @cached_property
    def rom(self) -> np.ndarray:
        """(A, 2) 5th and 95th percentiles of each joint angle where seen (NaN if < 3 frames)."""
        seen = np.where(self.angle_seen, self.angles, np.nan)
        seen[:, self.angle_seen.sum(0) < 3] = np.nan
        return np.stack([nan_quantile(seen, 0.05), nan_quantile(seen, 0.95)], axis=1)

    @cached_property
    def max_turn(self) -> float:
        return float(np.abs(self.torso - self.torso[0]).max())


@lru_cache(maxsize=None)
def _schema_indices(schema: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """Angle triples (A, 3), [hips, shoulders] left/right pairs (2, 2), mirror order (J,), names."""
    skeleton = get_skeleton(schema)
    triples = np.array([[joint_index(skeleton, n) for n in names] for _, names in ANGLE_TRIPLES])
    torso = np.array([[joint_index(skeleton, f"{side}_{part}") for side in ("left", "right")]
                      for part in ("hip", "shoulder")])
    names = tuple(canonical_name(n).replace("_", " ") for n in skeleton.joint_names)
    return triples, torso, np.array(skeleton.flip_indices), names


def _prepare(sample: ClipSample, transitions) -> _Clip:
    frames = sample.num_frames
    if frames < MIN_FRAMES:
        raise ValueError(f"clip {sample.key!r} has {frames} frames; skill dimensions need at least {MIN_FRAMES}")
    if transitions is not None:
        transitions = tuple(int(x) for x in transitions)
        if any(b < a for a, b in zip((0,) + transitions, transitions + (frames,))):
            raise ValueError(f"clip {sample.key!r}: stage transitions {transitions} must not decrease "
                             f"and must lie in 0..{frames}")
    try:
        norm = normalise(sample.keypoints, sample.schema)
    except ValueError as exc:
        raise ValueError(f"clip {sample.key!r}: {exc}") from None
    triples, torso, flip, names = _schema_indices(sample.schema)
    c = norm.coords.astype(np.float64)
    seen = norm.weights > 0
    u, v = c[:, triples[:, 0]] - c[:, triples[:, 1]], c[:, triples[:, 2]] - c[:, triples[:, 1]]
    cos = (u * v).sum(-1) / np.maximum(np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1), 1e-6)
    axis = c[:, torso[1]].mean(1) - c[:, torso[0]].mean(1)  # as features.torso_angle: 0 = upright
    speed = np.linalg.norm(np.gradient(c, axis=0), axis=-1) * sample.fps
    return _Clip(sample.key, float(sample.fps), c, seen, norm.weights.astype(np.float64), speed,
                 np.arccos(np.clip(cos, -1.0, 1.0)), seen[:, triples].all(-1),
                 np.unwrap(np.arctan2(axis[:, 0], -axis[:, 1])), transitions, flip, names, tuple(sample.stage_names))


def _pair(a: _Clip, b: _Clip, cache: dict) -> tuple[np.ndarray, bool]:
    """DTW path from ``a`` to ``b`` and whether ``b`` is mirrored to face like ``a``; each pair
    is solved once (mirroring either clip gives the same distances)."""
    if (id(b), id(a)) in cache:
        path, mirror = cache[(id(b), id(a))]
        return path[:, ::-1], mirror
    if (id(a), id(b)) not in cache:
        # Facing side from a coarse lockstep comparison, far cheaper than a second alignment.
        short, plain, mirrored = resample(a.coords, 32), resample(b.coords, 32), resample(b.mirrored, 32)
        mirror = bool(np.abs(short - mirrored).sum() < np.abs(short - plain).sum())
        other = b.mirrored if mirror else b.coords
        band = max(3, math.ceil(DTW_BAND_SHARE * b.frames))
        cache[(id(a), id(b))] = (dtw_path(a.coords.reshape(a.frames, -1), other.reshape(b.frames, -1),
                                          band=band)[0], mirror)
    return cache[(id(a), id(b))]


def _stage_frames(s: _Clip, k: int) -> tuple[int, int]:
    bounds = (0,) + s.transitions + (s.frames,)
    first = min(bounds[k], s.frames - 1)
    return first, max(first, bounds[k + 1] - 1)


def _timing(s: _Clip, others: list[_Clip]) -> dict[str, _Raw]:
    timed = [o for o in others if o.transitions is not None and len(o.transitions) == len(s.transitions)]
    if not timed:
        return {}
    name = (lambda k: s.stages[k]) if len(s.stages) == len(s.durations) else (lambda k: f"stage {k + 1}")
    dur = np.maximum(s.durations, 0.5)  # half a frame: a missing stage gets a finite log ratio
    ref_sec = np.array([o.durations / o.fps for o in timed])
    sec, share = np.median(ref_sec, axis=0), np.median([o.durations / o.frames for o in timed], axis=0)
    dev = 0.5 * (np.abs(np.log(dur / s.fps / sec)) + np.abs(np.log(dur / s.frames / share)))
    odd = (dur / s.fps < 0.5 * ref_sec.min(0)) | (dur / s.fps > 2.0 * ref_sec.max(0))
    k = int(np.argmax(dev))
    first_odd = int(np.argmax(odd)) if odd.any() else k
    return {
        "stage timing": _Raw(float(dev.mean()), _stage_frames(s, k),
                             f"the {name(k)} lasts {dur[k] / s.fps:.2f} s ({100 * dur[k] / s.frames:.0f} % of the "
                             f"clip) against {sec[k]:.2f} s ({100 * share[k]:.0f} %) in the references"),
        "stage lengths": _Raw(float(odd.mean()), _stage_frames(s, first_odd),
                              f"{int(odd.sum())} of {len(dur)} stages missing or outside half to twice the references' "
                              "lengths" + (f" (the {name(first_odd)})" if odd.any() else "")),
    }


def _aligned(s: _Clip, others: list[_Clip], cache: dict, width: int) -> dict[str, _Raw]:
    """The measures that compare ``s`` frame by frame with each time-aligned reference."""
    tempo, pose, excess, joint_dev = [], [], [], np.zeros(s.coords.shape[1])
    for o in others:
        path, mirror = _pair(s, o, cache)
        tempo.append(tempo_deviation(path, s.frames, o.frames, max(2, round(0.05 * s.frames))))
        coords, seen, weights, speed = ((o.mirrored, o.seen[:, o.flip], o.weights[:, o.flip], o.speed[:, o.flip])
                                        if mirror else (o.coords, o.seen, o.weights, o.speed))
        per_frame, per_joint = compare_along_path(path, s.coords, s.weights, coords, weights)
        pose.append(per_frame)
        joint_dev += per_joint
        excess.append(excess_speed(path, s.speed, s.seen, speed, seen, STILL_SPEED))
    tempo_f = np.mean(tempo, axis=0)
    pose_f, excess_f = nan_mean(np.stack(pose), axis=0), nan_mean(np.stack(excess), axis=0)
    pose_raw, excess_raw = float(nan_mean(pose_f)), float(nan_mean(excess_f))
    return {
        "tempo": _Raw(float(tempo_f.mean()), worst_window(tempo_f, width),
                      f"the local tempo strays {100 * math.expm1(tempo_f.mean()):.0f} % from the references' "
                      f"({s.frames} frames against a median of {np.median([o.frames for o in others]):.0f})"),
        "pose deviation": _Raw(pose_raw, worst_window(pose_f, width),
                               f"joints {pose_raw:.2f} torso lengths from the references after time alignment, "
                               f"most at the {s.joints[int(np.argmax(joint_dev))]}"),
        "unnecessary motion": _Raw(excess_raw, worst_window(excess_f, width),
                                   f"joints the references hold still move {excess_raw:.2f} torso lengths/s faster"),
    }


def _own(s: _Clip, others: list[_Clip], width: int) -> dict[str, _Raw]:
    """The measures of ``s`` on its own, compared with the references' own."""
    t = s.frames
    jerk, unsteady, jerk_f, steady_f = s.smoothness
    ref_jerk, ref_unsteady = nan_quantile([o.smoothness[:2] for o in others], 0.5)
    missing_f = 1.0 - s.seen.mean(1)
    length, length_f = s.path_length
    ref_length = float(np.median([o.path_length[0] for o in others]))
    out = {
        "jerk": _Raw(jerk, worst_window(jerk_f, width),
                     f"log dimensionless jerk {jerk:.1f} against {ref_jerk:.1f} in the references"),
        "speed steadiness": _Raw(unsteady, worst_window(steady_f, width),
                                 f"joint speed changes by {100 * unsteady:.0f} % of its mean from frame to frame "
                                 f"({100 * ref_unsteady:.0f} % in the references)"),
        "coverage": _Raw(float(missing_f.mean()), worst_window(missing_f, width),
                         f"{100 * (1 - missing_f.mean()):.0f} % of the joints seen"),
        "path length": _Raw(max(0.0, math.log(max(length, 1e-9) / max(ref_length, 1e-9))),
                            worst_window(length_f, width),
                            f"joints travel {length:.0f} torso lengths against {ref_length:.0f} in the references"),
    }
    rom, ref_rom = s.rom, nan_quantile([o.rom for o in others], 0.5)
    ref_span = ref_rom[:, 1] - ref_rom[:, 0]
    judged = np.isfinite(rom[:, 0]) & (ref_span >= ROM_MIN)
    if judged.any():
        span = np.where(judged, (rom[:, 1] - rom[:, 0]) / np.where(judged, ref_span, 1.0), 1.0)
        short = np.maximum(0.0, 1.0 - span)
        a = int(np.argmax(np.where(judged, short, -1.0)))
        # Centre the window where the clip comes closest to the extreme it falls short of.
        low = (rom[a, 0] - ref_rom[a, 0]) > (ref_rom[a, 1] - rom[a, 1])
        angle = np.where(s.angle_seen[:, a], s.angles[:, a], np.nan)
        if np.isfinite(angle).any():
            centre = int(np.nanargmin(angle) if low else np.nanargmax(angle))
        else:  # the angle is only known from filled-in joints: no frame to point at
            centre = t // 2
        out["range of motion"] = _Raw(float(short[judged].mean()), window_around(t, width, centre),
                                      f"the {ANGLE_TRIPLES[a][0].replace('_', ' ')} angle covers "
                                      f"{100 * (1 - short[a]):.0f} % of the references' range")
    ref_turn = float(np.median([o.max_turn for o in others]))
    if ref_turn >= ROTATION_MIN:
        peak = int(np.argmax(np.abs(s.torso - s.torso[0])))
        out["rotation"] = _Raw(max(0.0, 1.0 - s.max_turn / ref_turn), window_around(t, width, peak - width // 2),
                               f"the torso turns {math.degrees(s.max_turn):.0f}° against "
                               f"{math.degrees(ref_turn):.0f}° in the references")
    return out


def _raw_measures(s: _Clip, others: list[_Clip], cache: dict) -> dict[str, _Raw]:
    width = window_width(s.frames)
    out = _timing(s, others) if s.transitions is not None else {}
    out.update(_aligned(s, others, cache, width))
    out.update(_own(s, others, width))
    return {name: raw for name, raw in out.items() if math.isfinite(raw.value)}


def measure_value(raw: float, reference_raws: Sequence[float], scale: MeasureScale) -> tuple[float, float]:
    """``(value, z)`` of a raw measure against the references' leave-one-out values (see the
    module doc; one finite value sets the median only, none falls back on the fixed scale)."""
    ref = np.asarray([r for r in reference_raws if math.isfinite(r)], dtype=np.float64)
    median = float(np.median(ref)) if ref.size else scale.median
    mad = 1.4826 * float(np.median(np.abs(ref - median))) if ref.size >= 2 else scale.spread
    z = (raw - median) / max(mad, scale.relative * abs(median), scale.minimum)
    return 1.0 / (1.0 + math.exp(min(z - math.log(REFERENCE_VALUE / (1 - REFERENCE_VALUE)), 700.0))), z


def compute_dimensions(sample: ClipSample, references: Sequence[ClipSample], *,
                       transitions: tuple[int, ...] | None = None,
                       reference_transitions: Sequence[tuple[int, ...] | None] | None = None) -> DimensionReport:
    """The five skill dimensions of ``sample`` against ``references`` of the same action.

    ``transitions`` (else ``sample.transitions``) and ``reference_transitions`` (else each
    reference's own) are the stage boundaries; without them the stage measures are left out.
    A reference with the sample's key is skipped, so a library clip can be judged against the
    rest of its library.

    Raises:
        ValueError: no reference, a clip with too few frames or without hips and shoulders,
            references in another skeleton, or bad transitions.
    """
    if reference_transitions is not None and len(reference_transitions) != len(references):
        raise ValueError(f"reference_transitions has {len(reference_transitions)} entries for "
                         f"{len(references)} references; give one (or None) per reference")
    given = reference_transitions if reference_transitions is not None else [r.transitions for r in references]
    pairs = [(r, t) for r, t in zip(references, given) if r.key != sample.key]
    if not pairs:
        raise ValueError("skill dimensions need at least 1 reference clip of the same action (other than the "
                         "clip itself); choose well-executed clips of this action as references")
    for ref, _ in pairs:
        if ref.schema != sample.schema:
            raise ValueError(f"reference {ref.key!r} uses the {ref.schema} skeleton and the clip {sample.schema}; "
                             "convert them to one skeleton first (inference.skeletons.convert)")
    query = _prepare(sample, transitions if transitions is not None else sample.transitions)
    refs = [_prepare(r, t) for r, t in pairs]
    cache: dict = {}
    mine = _raw_measures(query, refs, cache)
    if len(refs) > 1:
        loo = [_raw_measures(r, [o for o in refs if o is not r], cache) for r in refs]
    else:  # a lone reference has no others; only its own measures describe it
        loo = [{k: v for k, v in _raw_measures(refs[0], [query], cache).items() if MEASURES[k].own}]
    scored = {name: (*measure_value(raw.value, [m[name].value for m in loo if name in m], MEASURES[name]), raw)
              for name, raw in mine.items()}
    dims = []
    for dim, weight in DIMENSION_WEIGHTS.items():
        items = sorted(((value, z, raw, name) for name, (value, z, raw) in scored.items()
                        if MEASURES[name].dimension == dim), key=lambda item: item[0])
        if not items:
            dims.append(Dimension(dim, weight, math.nan, math.nan, "could not be measured on this clip",
                                  (0, query.frames - 1), ""))
            continue
        words = "; ".join(f"{name} {value:.2f}: {raw.words}" for value, _, raw, name in items)
        dims.append(Dimension(dim, weight, float(np.mean([x[0] for x in items])),
                              float(np.mean([x[1] for x in items])), words, items[0][2].window, items[0][3],
                              tuple((name, value, raw.words) for value, _, raw, name in items)))
    measured = [d for d in dims if math.isfinite(d.value)]
    overall = sum(d.weight * d.value for d in measured) / sum(d.weight for d in measured)
    return DimensionReport(tuple(dims), float(overall), tuple(r.key for r in refs), query.frames,
                           query.transitions, tuple(sample.stage_names))
