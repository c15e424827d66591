"""Converting keypoints between MPII-16, COCO-17, MediaPipe-33 and OpenPose-18.

A destination joint is a **direct copy** when the source has the same anatomical joint
(``r_knee`` in MPII is ``right_knee`` in COCO and MediaPipe). Every other destination
joint is **approximated**: derived from source joints by the rules below, or, when no
rule applies, **unavailable** and filled with ``(NaN, NaN, 0)``.

Derived joints (``T`` = thorax reference, ``H`` = head reference, see below;
``MP`` = MediaPipe, ``OP`` = OpenPose):

================  ======================  =============================================
destination       from                    rule
================  ======================  =============================================
MPII pelvis       COCO, MP, OpenPose      (left_hip + right_hip) / 2
MPII thorax       COCO, MediaPipe         T = (left_shoulder + right_shoulder) / 2
MPII thorax       OpenPose                T = neck; where the neck is missing, the
                                          shoulder midpoint as from COCO
MPII upper_neck   COCO, MP, OpenPose      T + 0.5 * (H - T)
MPII head_top     COCO, MP, OpenPose      T + 1.7 * (H - T)
OpenPose neck     MPII                    thorax
OpenPose neck     COCO, MediaPipe         (left_shoulder + right_shoulder) / 2
COCO/MP/OP nose   MPII                    upper_neck + 5/12 * (head_top - upper_neck)
COCO/MP/OP eyes,  MPII                    unavailable: MPII has no face points
ears, MP mouth
MP mouth          COCO, OpenPose          unavailable: neither schema has it
MP hands, feet    MPII, COCO, OpenPose    unavailable: none of them has these
================  ======================  =============================================

OpenPose's neck and MPII's thorax are used for one another. OpenPose trained its neck on
the midpoint of the COCO shoulders, the same point the COCO -> MPII rule takes as the
thorax, so a detected neck is that rule's answer; using it directly also keeps a thorax
on frames where one shoulder was not found. Both are still marked ``approximated``: the
MPII annotators clicked the thorax by eye, not as a computed midpoint. All OpenPose
joints other than the neck have a COCO twin and are direct copies to and from COCO and
MediaPipe.

Head reference ``H``: the midpoint of the ears; if one ear is missing, the other ear (in
profile, where one ear is hidden, both ears project to nearly the same image point); if
both are missing, the nose. The ears straddle the head's centre of rotation, so they
move less with head turn than the eyes or nose. MediaPipe sources use the same face
points as COCO (its eye corners and mouth lie in front of the head and shift with head
turn), so MediaPipe -> MPII gives exactly MediaPipe -> COCO -> MPII.

Why these factors: ``upper_neck`` and ``head_top`` are placed on the neck axis from the
shoulder midpoint through the ears. For an adult standing upright, shoulder line to ear
height is about 18 cm, ear to chin level (MPII's upper neck) about 9 cm and ear to the
top of the head about 13 cm, giving 0.5 and 1 + 13/18 ~ 1.7. The MPII neck : head
segment ratio implied, 0.5 : 1.2, matches the anthropometric ~9 cm : ~22 cm. The axis
assumption fails when the head is tilted on the neck (a tucked chin); then head_top is
off by up to a few cm. The nose from MPII is the inverse rule: the point where ``H``
would be on the upper_neck -> head_top line (fraction (1 - 0.5) / (1.7 - 0.5) = 5/12).
The real nose is a few cm in front of that line, which MPII cannot tell us.

Confidence of a derived joint is the minimum of the confidences it used. A derived or
unavailable joint whose coordinates cannot be computed gets ``(NaN, NaN, 0)``; direct
copies are copied bit for bit, whatever they hold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.skeletons.definitions import Skeleton, get_skeleton

# Positions on the neck axis T + f * (H - T); see the module docstring for the reasoning.
UPPER_NECK_FRACTION = 0.5
HEAD_TOP_FRACTION = 1.7
# Where H sits on the upper_neck -> head_top segment: the inverse of the two rules above.
NOSE_FRACTION = (1.0 - UPPER_NECK_FRACTION) / (HEAD_TOP_FRACTION - UPPER_NECK_FRACTION)


@dataclass(frozen=True)
class ConvertedPose:
    """Result of :func:`convert`.

    Attributes:
        keypoints: ``(..., J_dst, 3)`` ``[x, y, confidence]``, leading shape as the input.
        approximated: ``(J_dst,)`` bool, True where the joint is not a direct copy
            (derived or unavailable).
        unavailable: ``(J_dst,)`` bool, True where the source cannot supply the joint at
            all; those joints are always ``(NaN, NaN, 0)``. A subset of ``approximated``.
        skeleton: the destination skeleton.
    """

    keypoints: np.ndarray
    approximated: np.ndarray
    unavailable: np.ndarray
    skeleton: Skeleton


def canonical_name(joint_name: str) -> str:
    """Schema-independent name of a joint: MPII's ``r_knee`` becomes ``right_knee``.

    COCO, MediaPipe and OpenPose already use the long form, so their names are unchanged.
    """
    if joint_name.startswith("r_"):
        return "right_" + joint_name[2:]
    if joint_name.startswith("l_"):
        return "left_" + joint_name[2:]
    return joint_name


def check_keypoints(keypoints: np.ndarray, skeleton: Skeleton, channels=(3,)) -> np.ndarray:
    """``keypoints`` as a float array of shape ``(..., J, C)``, or ``ValueError``.

    Float dtypes are kept (no copy); anything else becomes float64.
    """
    kp = np.asarray(keypoints)
    if not np.issubdtype(kp.dtype, np.floating):
        kp = kp.astype(np.float64)
    if kp.ndim < 2 or kp.shape[-2] != skeleton.num_joints or kp.shape[-1] not in channels:
        want = " or ".join(f"(..., {skeleton.num_joints}, {c})" for c in channels)
        raise ValueError(f"{skeleton.name} keypoints must have shape {want}, got {kp.shape}")
    return kp


def convert(keypoints: np.ndarray, src: Skeleton | str, dst: Skeleton | str) -> ConvertedPose:
    """Convert ``(..., J_src, 3)`` keypoints from schema ``src`` to schema ``dst``.

    ``keypoints`` is ``(J, 3)`` for one pose or ``(T, J, 3)`` for a sequence (any leading
    shape works), ``[x, y, confidence]`` in pixels with NaN for missing joints. ``src`` and
    ``dst`` are skeletons or their names. The input is never modified and never aliased.
    The rules are in the module docstring.
    """
    src_sk, dst_sk = get_skeleton(src), get_skeleton(dst)
    kp = check_keypoints(keypoints, src_sk)
    source = {canonical_name(n): kp[..., i, :] for i, n in enumerate(src_sk.joint_names)}

    out = np.empty(kp.shape[:-2] + (dst_sk.num_joints, 3), dtype=kp.dtype)
    approximated = np.zeros(dst_sk.num_joints, dtype=bool)
    unavailable = np.zeros(dst_sk.num_joints, dtype=bool)
    for j, name in enumerate(dst_sk.joint_names):
        name = canonical_name(name)
        if name in source:
            out[..., j, :] = source[name]
            continue
        approximated[j] = True
        derived = _derive(name, source)
        if derived is None:
            unavailable[j] = True
            out[..., j, :] = (np.nan, np.nan, 0.0)
        else:
            out[..., j, :] = _missing_to_nan(derived)
    return ConvertedPose(out, approximated, unavailable, dst_sk)


# --- derivation rules ---------------------------------------------------------------
# Each takes the source joints by canonical name, each (..., 3), and returns the derived
# (..., 3) point, or None when the source schema lacks what the rule needs.


def _derive(name: str, source: dict[str, np.ndarray]) -> np.ndarray | None:
    if name == "pelvis":
        return _midpoint(source, "left_hip", "right_hip")
    if name in ("thorax", "neck"):
        return _thorax(source)
    if name in ("upper_neck", "head_top"):
        thorax = _thorax(source)
        head = _head_reference(source)
        if thorax is None or head is None:
            return None
        f = UPPER_NECK_FRACTION if name == "upper_neck" else HEAD_TOP_FRACTION
        return _along(thorax, head, f)
    if name == "nose":
        if "upper_neck" in source and "head_top" in source:
            return _along(source["upper_neck"], source["head_top"], NOSE_FRACTION)
    return None


def _present(point: np.ndarray) -> np.ndarray:
    """``(...,)`` True where both coordinates of a ``(..., 3)`` point are finite."""
    return np.isfinite(point[..., 0]) & np.isfinite(point[..., 1])


def _along(a: np.ndarray, b: np.ndarray, f: float) -> np.ndarray:
    """``a + f * (b - a)`` for x, y; confidence ``min(conf_a, conf_b)``."""
    xy = a[..., :2] + f * (b[..., :2] - a[..., :2])
    conf = np.minimum(a[..., 2], b[..., 2])
    return np.concatenate([xy, conf[..., None]], axis=-1)


def _midpoint(source: dict[str, np.ndarray], a: str, b: str) -> np.ndarray | None:
    if a not in source or b not in source:
        return None
    return _along(source[a], source[b], 0.5)


def _thorax(source: dict[str, np.ndarray]) -> np.ndarray | None:
    """MPII thorax; else OpenPose neck, per frame falling back to the shoulder midpoint."""
    if "thorax" in source:
        return source["thorax"]
    shoulders = _midpoint(source, "left_shoulder", "right_shoulder")
    neck = source.get("neck")
    if neck is None or shoulders is None:
        return shoulders if neck is None else neck
    return np.where(_present(neck)[..., None], neck, shoulders)


def _head_reference(source: dict[str, np.ndarray]) -> np.ndarray | None:
    """Ear midpoint; else the one ear present; else the nose. Chosen per frame."""
    nose = source.get("nose")
    if "left_ear" not in source or "right_ear" not in source:
        return nose
    left, right = source["left_ear"], source["right_ear"]
    left_ok, right_ok = _present(left), _present(right)
    one_ear = np.where(left_ok[..., None], left, right)
    head = np.where((left_ok & right_ok)[..., None], _along(left, right, 0.5), one_ear)
    if nose is not None:
        head = np.where((left_ok | right_ok)[..., None], head, nose)
    return head


def _missing_to_nan(point: np.ndarray) -> np.ndarray:
    """A derived point with any NaN coordinate becomes ``(NaN, NaN, 0)``."""
    missing = ~_present(point)
    point = point.copy()
    point[missing] = (np.nan, np.nan, 0.0)
    return point
