"""Agreement between two pose layers of the same frames: PCKh@0.5 and OKS, per joint and per stage.

Any two layers of the store can be compared: two annotators' layers, or an annotator's layer
against a raw model run ("working" vs "model:mediapipe"). Plumb keeps one "working" layer that
all annotators edit, so a second annotator's poses must live in a layer of their own; a name is
resolved as a layer first, then as "annotator:<name>" (`resolve_layer`).

Layer A is the reference: only joints A labelled (finite x, y) count; a joint B lacks is a miss.
* PCKh@0.5 (MPII-16 only): within 0.5 × A's upper_neck-head_top distance.
* OKS (COCO): exp(-d² / (2 s² k²)), s² = area of A's box (or of the extent of A's joints when no
  box is stored), k = 2σ. COCO-17 uses the cocoapi sigmas. MPII-16 has no published sigmas, so
  `MPII_OKS_SIGMAS` is an approximation (reported as such): COCO's sigma for each joint both
  schemas share (ankles, knees, hips, wrists, elbows, shoulders); pelvis and thorax, midpoints of
  hips and shoulders, take the hip and shoulder sigmas; upper_neck and head_top take COCO's ear
  sigma (the nearest head points COCO measured). mmpose's mpii sigma list is not used: it is a
  reordered COCO list, not measured. MediaPipe-33 layers get no OKS.
Per stage: a clip's frames are split by its expert stage transitions (stage k covers
[t_k-1, t_k)); stages are pooled over clips by name; frames of clips without expert stages
fall under "(no stages)".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import distinct, select

from app.errors import PlumbError
from app.store import queries
from app.store.models import PoseFrame
from app.store.records import PoseTrack
from inference.metrics.keypoints import KeypointScores, oks_per_joint, pckh
from inference.skeletons import COCO17, get_skeleton

NO_STAGES = "(no stages)"
PCKH_THRESHOLD = 0.5
ANNOTATOR_LAYER_PREFIX = "annotator:"

_COCO = dict(zip(COCO17.joint_names, COCO17.oks_sigmas))
MPII_OKS_SIGMAS = (
    _COCO["right_ankle"], _COCO["right_knee"], _COCO["right_hip"], _COCO["left_hip"], _COCO["left_knee"],
    _COCO["left_ankle"], _COCO["right_hip"], _COCO["right_shoulder"], _COCO["right_ear"], _COCO["right_ear"],
    _COCO["right_wrist"], _COCO["right_elbow"], _COCO["right_shoulder"], _COCO["left_shoulder"],
    _COCO["left_elbow"], _COCO["left_wrist"],
)


def oks_sigmas(schema: str) -> tuple[np.ndarray | None, bool]:
    """(sigmas, approximate) for a schema; sigmas None where OKS is not defined."""
    if schema == "coco17":
        return np.asarray(COCO17.oks_sigmas), False
    if schema == "mpii16":
        return np.asarray(MPII_OKS_SIGMAS), True
    return None, False


@dataclass(frozen=True)
class StageAgreement:
    stage: str
    frames: int
    pckh: float | None
    oks: float | None


@dataclass(frozen=True)
class Agreement:
    layer_a: str
    layer_b: str
    schema: str
    joint_names: tuple[str, ...]
    clips: int
    frames: int                       # frames both layers hold, with at least one joint labelled in A
    pckh: KeypointScores | None       # MPII only
    oks: KeypointScores | None        # per-joint similarity; overall = mean OKS per frame
    oks_approximate: bool
    stages: list[StageAgreement] = field(default_factory=list)

    def to_json(self) -> dict:
        def scores(s: KeypointScores | None):
            if s is None:
                return None
            return {"overall": _num(s.overall),
                    "per_joint": {n: _num(v) for n, v in zip(self.joint_names, s.per_joint)},
                    "counted": {n: int(c) for n, c in zip(self.joint_names, s.counted)}}
        return {"layer_a": self.layer_a, "layer_b": self.layer_b, "schema": self.schema, "clips": self.clips,
                "frames": self.frames, "pckh": scores(self.pckh), "oks": scores(self.oks),
                "oks_approximate": self.oks_approximate,
                "stages": [{"stage": s.stage, "frames": s.frames, "pckh": _num(s.pckh), "oks": _num(s.oks)}
                           for s in self.stages]}


def _num(value) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


@dataclass(frozen=True)
class _Pairs:
    a: np.ndarray        # (N, J, 3) reference
    b: np.ndarray        # (N, J, 3)
    visible: np.ndarray  # (N, J) joints A labelled
    areas: np.ndarray    # (N,)
    stages: np.ndarray   # (N,) stage name per frame


def pair_frames(a: PoseTrack, b: PoseTrack, stage_names: tuple[str, ...] = (),
                transitions: tuple[int, ...] = ()) -> _Pairs:
    """The frames both tracks hold, A's labelled joints and the stage of each frame."""
    common, ia, ib = np.intersect1d(a.frames, b.frames, return_indices=True)
    ka = a.keypoints[ia].astype(np.float64)
    kb = b.keypoints[ib].astype(np.float64)
    visible = np.isfinite(ka[..., :2]).all(axis=-1)
    keep = visible.any(axis=1)
    common, ka, kb, visible = common[keep], ka[keep], kb[keep], visible[keep]
    boxes = a.bbox[ia][keep].astype(np.float64) if a.bbox.size else np.full((len(common), 4), np.nan)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    with np.errstate(invalid="ignore"):
        xy = np.where(visible[..., None], ka[..., :2], np.nan)
        extent = (np.nanmax(xy[..., 0], axis=1) - np.nanmin(xy[..., 0], axis=1)) * \
                 (np.nanmax(xy[..., 1], axis=1) - np.nanmin(xy[..., 1], axis=1))
    areas = np.where(np.isfinite(areas) & (areas > 0), areas, extent)
    areas = np.where(areas > 0, areas, 1.0)  # a single labelled joint: any miss is far
    if stage_names and len(transitions) == len(stage_names) - 1:
        stage = np.asarray(stage_names, object)[np.searchsorted(np.asarray(transitions), common, side="right")]
    else:
        stage = np.full(len(common), NO_STAGES, object)
    return _Pairs(ka, kb, visible, areas, stage)


def compare_pairs(pairs: _Pairs, schema: str, layer_a: str = "a", layer_b: str = "b",
                  clips: int = 1) -> Agreement:
    skeleton = get_skeleton(schema)
    sigmas, approximate = oks_sigmas(schema)
    n = len(pairs.a)

    def pckh_of(sel) -> KeypointScores | None:
        if schema != "mpii16" or not sel.any():
            return None
        return pckh(pairs.b[sel], pairs.a[sel], pairs.visible[sel], PCKH_THRESHOLD)

    def oks_of(sel) -> KeypointScores | None:
        if sigmas is None or not sel.any():
            return None
        return oks_per_joint(pairs.b[sel], pairs.a[sel], pairs.visible[sel], pairs.areas[sel], sigmas)

    everything = np.ones(n, bool)
    stages = []
    order = list(dict.fromkeys(pairs.stages.tolist()))
    for name in order:
        sel = pairs.stages == name
        p, o = pckh_of(sel), oks_of(sel)
        stages.append(StageAgreement(str(name), int(sel.sum()), p.overall if p else None,
                                     o.overall if o else None))
    return Agreement(layer_a, layer_b, schema, skeleton.joint_names, clips, n, pckh_of(everything),
                     oks_of(everything), approximate, stages)


def compare_tracks(a: PoseTrack, b: PoseTrack, stage_names: tuple[str, ...] = (),
                   transitions: tuple[int, ...] = ()) -> Agreement:
    """Agreement of two tracks of one clip (A is the reference)."""
    schema = _schema(a, b)
    return compare_pairs(pair_frames(a, b, stage_names, transitions), schema, a.layer, b.layer)


def _schema(a: PoseTrack, b: PoseTrack) -> str:
    if a.schema is None or b.schema is None:
        return a.schema or b.schema or "mpii16"
    if a.schema != b.schema:
        raise PlumbError(f"Layers {a.layer} ({a.schema}) and {b.layer} ({b.schema}) use different joint "
                         "schemas; convert one first so the same joints are compared.")
    return a.schema


def layers(project) -> list[str]:
    with project.store.reading() as session:
        return sorted(session.scalars(select(distinct(PoseFrame.layer))))


def resolve_layer(project, name: str) -> str:
    """A layer name as given, or "annotator:<name>"; PlumbError listing the layers otherwise."""
    known = layers(project)
    for candidate in (name, ANNOTATOR_LAYER_PREFIX + name):
        if candidate in known:
            return candidate
    listed = ", ".join(known) or "none yet"
    raise PlumbError(f"No pose layer {name!r} (nor {ANNOTATOR_LAYER_PREFIX}{name}) in this project; "
                     f"layers: {listed}.")


def compare_layers(project, layer_a: str, layer_b: str, clip_ids: Iterable[int] | None = None) -> Agreement:
    """Agreement of two layers over every clip that holds both (A is the reference)."""
    a_name, b_name = resolve_layer(project, layer_a), resolve_layer(project, layer_b)
    wanted = None if clip_ids is None else {int(c) for c in clip_ids}
    parts: list[_Pairs] = []
    schemas: dict[str, int] = defaultdict(int)
    with project.store.reading() as session:
        for clip in queries.list_clips(session):
            if wanted is not None and clip.id not in wanted:
                continue
            a = queries.pose_track(session, clip.id, a_name)
            b = queries.pose_track(session, clip.id, b_name)
            if not a.frames.size or not b.frames.size:
                continue
            schema = _schema(a, b)
            schemas[schema] += 1
            stages = queries.stage_boundaries(session, clip.id, "expert")
            names, transitions = (stages.stage_names, stages.transitions) if stages else ((), ())
            parts.append(pair_frames(a, b, names, transitions))
    if not parts:
        raise PlumbError(f"No clip holds poses in both {a_name} and {b_name}; nothing to compare.")
    if len(schemas) > 1:
        raise PlumbError(f"The clips of {a_name} and {b_name} mix joint schemas ({', '.join(sorted(schemas))}).")
    pairs = _Pairs(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("a", "b", "visible", "areas", "stages")))
    return compare_pairs(pairs, next(iter(schemas)), a_name, b_name, clips=len(parts))


__all__ = ["Agreement", "MPII_OKS_SIGMAS", "StageAgreement", "compare_layers", "compare_pairs", "compare_tracks",
           "layers", "oks_sigmas", "pair_frames", "resolve_layer"]
