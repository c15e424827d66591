"""Skeleton schemas, conversion between them, mirroring and bone lengths."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from inference.skeletons import (
    COCO17,
    H0,
    H1,
    H2,
    LEVELS,
    MEDIAPIPE33,
    MPII16,
    OPENPOSE18,
    SKELETON_NAMES,
    Skeleton,
    bone_lengths,
    convert,
    get_skeleton,
    mirror,
)
from inference.skeletons.conversion import (
    HEAD_TOP_FRACTION,
    NOSE_FRACTION,
    UPPER_NECK_FRACTION,
)

ALL = [MPII16, COCO17, MEDIAPIPE33, OPENPOSE18]
ALL_PAIRS = list(itertools.product(ALL, ALL))
ids = [s.name for s in ALL]
pair_ids = [f"{a.name}->{b.name}" for a, b in ALL_PAIRS]


def side_from_name(name: str) -> str:
    """The side a joint name says, worked out independently of the skeleton tables."""
    if name.startswith(("left_", "l_")) or name.endswith("_left"):
        return "left"
    if name.startswith(("right_", "r_")) or name.endswith("_right"):
        return "right"
    return "center"


def swap_side(name: str) -> str:
    """The mirror-image joint's name: ``l_hip`` -> ``r_hip``, ``mouth_left`` -> ``mouth_right``."""
    for a, b in (("left_", "right_"), ("l_", "r_"), ("right_", "left_"), ("r_", "l_")):
        if name.startswith(a):
            return b + name[len(a):]
    for a, b in (("_left", "_right"), ("_right", "_left")):
        if name.endswith(a):
            return name[: -len(a)] + b
    return name


def pose(skeleton: Skeleton, **points: tuple[float, float, float]) -> np.ndarray:
    """A ``(J, 3)`` pose with the named joints set and every other joint missing."""
    kp = np.full((skeleton.num_joints, 3), np.nan)
    for name, value in points.items():
        kp[skeleton.index(name)] = value
    return kp


def random_poses(skeleton: Skeleton, frames: int = 1):
    """Hypothesis strategy: ``(frames, J, 3)`` pixel poses with some joints missing."""
    shape = (frames, skeleton.num_joints, 3)
    values = hnp.arrays(np.float64, shape, elements=st.floats(-5000, 5000, width=32))
    missing = hnp.arrays(np.bool_, shape[:2])

    def combine(kp: np.ndarray, miss: np.ndarray) -> np.ndarray:
        kp = kp.copy()
        kp[..., 2] = np.abs(kp[..., 2]) / 5000  # confidences in [0, 1]
        kp[miss, :2] = np.nan
        return kp

    return st.builds(combine, values, missing)


# --- structure -------------------------------------------------------------------------


@pytest.mark.parametrize("sk", ALL, ids=ids)
class TestStructure:
    def test_sizes_and_unique_names(self, sk: Skeleton) -> None:
        assert sk.num_joints == len(sk.joint_names) == len(set(sk.joint_names))
        assert len(sk.levels) == len(sk.sides) == len(sk.flip_indices) == sk.num_joints

    def test_bones_connect_valid_distinct_joints_once(self, sk: Skeleton) -> None:
        for i, j in sk.bones:
            assert 0 <= i < sk.num_joints and 0 <= j < sk.num_joints and i != j
        undirected = {frozenset(b) for b in sk.bones}
        assert len(undirected) == len(sk.bones)

    def test_left_right_pairs_are_left_and_right_by_name(self, sk: Skeleton) -> None:
        for left, right in sk.left_right:
            left_name, right_name = sk.joint_names[left], sk.joint_names[right]
            assert side_from_name(left_name) == "left"
            assert side_from_name(right_name) == "right"
            assert swap_side(left_name) == right_name

    def test_every_sided_joint_is_paired_and_sides_match_names(self, sk: Skeleton) -> None:
        paired = [i for pair in sk.left_right for i in pair]
        assert len(paired) == len(set(paired))
        for i, name in enumerate(sk.joint_names):
            assert sk.sides[i] == side_from_name(name)
            assert (i in paired) == (sk.sides[i] != "center")

    def test_flip_is_an_involution_that_swaps_pairs(self, sk: Skeleton) -> None:
        flip = np.array(sk.flip_indices)
        assert sorted(flip) == list(range(sk.num_joints))
        np.testing.assert_array_equal(flip[flip], np.arange(sk.num_joints))
        for i, name in enumerate(sk.joint_names):
            assert sk.joint_names[flip[i]] == swap_side(name)

    def test_flip_maps_bones_to_bones(self, sk: Skeleton) -> None:
        flip = sk.flip_indices
        bones = {frozenset(b) for b in sk.bones}
        assert {frozenset((flip[i], flip[j])) for i, j in sk.bones} == bones

    def test_hierarchy_covers_every_joint_symmetrically(self, sk: Skeleton) -> None:
        assert set(sk.levels) <= set(LEVELS)
        covered = sorted(i for level in LEVELS for i in sk.joints_at_level(level))
        assert covered == list(range(sk.num_joints))
        for left, right in sk.left_right:
            assert sk.levels[left] == sk.levels[right]

    def test_hierarchy_of_shared_body_joints(self, sk: Skeleton) -> None:
        expected = {"shoulder": H0, "hip": H0, "elbow": H1, "knee": H1, "wrist": H2, "ankle": H2}
        for i, name in enumerate(sk.joint_names):
            for part, level in expected.items():
                if name.endswith("_" + part):
                    assert sk.levels[i] == level, name

    def test_index(self, sk: Skeleton) -> None:
        for i, name in enumerate(sk.joint_names):
            assert sk.index(name) == i
        with pytest.raises(ValueError, match="no joint 'tail'"):
            sk.index("tail")

    def test_get_skeleton_by_name(self, sk: Skeleton) -> None:
        assert get_skeleton(sk.name) is sk
        assert get_skeleton(sk) is sk


def test_mpii_order_and_levels() -> None:
    assert MPII16.joint_names == (
        "r_ankle", "r_knee", "r_hip", "l_hip", "l_knee", "l_ankle", "pelvis", "thorax",
        "upper_neck", "head_top", "r_wrist", "r_elbow", "r_shoulder", "l_shoulder",
        "l_elbow", "l_wrist",
    )  # fmt: skip
    levels = dict(zip(MPII16.joint_names, MPII16.levels))
    assert {n for n, lv in levels.items() if lv == H0} == {
        "pelvis", "thorax", "upper_neck", "r_hip", "l_hip", "r_shoulder", "l_shoulder",
    }  # fmt: skip
    assert {n for n, lv in levels.items() if lv == H1} == {"r_elbow", "l_elbow", "r_knee", "l_knee"}
    assert {n for n, lv in levels.items() if lv == H2} == {
        "r_wrist", "l_wrist", "r_ankle", "l_ankle", "head_top",
    }  # fmt: skip
    assert MPII16.oks_sigmas is None


def test_mpii_bones_form_a_spanning_tree() -> None:
    assert len(MPII16.bones) == MPII16.num_joints - 1
    reached, frontier = {6}, [6]
    while frontier:
        k = frontier.pop()
        for i, j in MPII16.bones:
            for a, b in ((i, j), (j, i)):
                if a == k and b not in reached:
                    reached.add(b)
                    frontier.append(b)
    assert reached == set(range(MPII16.num_joints))


def test_coco_order_bones_and_sigmas() -> None:
    assert COCO17.joint_names == (
        "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
        "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
        "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    )  # fmt: skip
    # The COCO annotation file lists the skeleton 1-based.
    coco_file_skeleton = [
        [16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8],
        [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7],
    ]  # fmt: skip
    assert {frozenset(b) for b in COCO17.bones} == {
        frozenset((i - 1, j - 1)) for i, j in coco_file_skeleton
    }
    sigmas = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07,
                       .87, .87, .89, .89]) / 10.0  # fmt: skip
    np.testing.assert_allclose(COCO17.oks_sigmas, sigmas)


def test_mediapipe_order_and_connections() -> None:
    names = MEDIAPIPE33.joint_names
    assert len(names) == 33
    assert names[:11] == (
        "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner",
        "right_eye", "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    )  # fmt: skip
    assert names[11:17] == (
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    )  # fmt: skip
    assert names[23:] == (
        "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
        "left_heel", "right_heel", "left_foot_index", "right_foot_index",
    )  # fmt: skip
    assert len(MEDIAPIPE33.bones) == 35
    assert (27, 31) in MEDIAPIPE33.bones and (9, 10) in MEDIAPIPE33.bones


def test_skeleton_rejects_bad_tables() -> None:
    with pytest.raises(ValueError, match="bad joint pair"):
        Skeleton("x", ("a", "b"), ((0, 2),), (), (H0, H0))
    with pytest.raises(ValueError, match="level"):
        Skeleton("x", ("a", "b"), ((0, 1),), (), (H0,))


@pytest.mark.parametrize("bad", ["coco", "MPII16", "", None])
def test_unknown_schema_lists_valid_names(bad) -> None:
    with pytest.raises(ValueError) as err:
        get_skeleton(bad)
    for name in SKELETON_NAMES:
        assert name in str(err.value)
    with pytest.raises(ValueError, match="mpii16, coco17, mp33"):
        convert(np.zeros((17, 3)), "coco17", bad)


# --- conversion: known values -----------------------------------------------------------


def coco_upright() -> np.ndarray:
    """A hand-built upright COCO pose, y down, with distinct confidences."""
    return pose(
        COCO17,
        nose=(104, 50, 0.9), left_eye=(108, 46, 0.8), right_eye=(100, 46, 0.85),
        left_ear=(112, 50, 0.6), right_ear=(96, 50, 0.7),
        left_shoulder=(120, 86, 0.95), right_shoulder=(80, 86, 0.5),
        left_elbow=(124, 120, 0.9), right_elbow=(76, 120, 0.9),
        left_wrist=(126, 150, 0.9), right_wrist=(74, 150, 0.9),
        left_hip=(112, 170, 0.4), right_hip=(88, 170, 0.8),
        left_knee=(112, 220, 0.9), right_knee=(88, 220, 0.9),
        left_ankle=(112, 270, 0.9), right_ankle=(88, 270, 0.9),
    )  # fmt: skip


def at(kp: np.ndarray, sk: Skeleton, name: str) -> np.ndarray:
    return kp[..., sk.index(name), :]


def test_coco_to_mpii_values() -> None:
    coco = coco_upright()
    result = convert(coco, COCO17, MPII16)
    mpii = result.keypoints
    assert mpii.shape == (16, 3)
    # Thorax = shoulder midpoint (100, 86); head reference = ear midpoint (104, 50).
    np.testing.assert_allclose(at(mpii, MPII16, "pelvis"), (100, 170, 0.4))
    np.testing.assert_allclose(at(mpii, MPII16, "thorax"), (100, 86, 0.5))
    np.testing.assert_allclose(at(mpii, MPII16, "upper_neck"), (102, 68, 0.5))
    np.testing.assert_allclose(at(mpii, MPII16, "head_top"), (100 + 1.7 * 4, 86 - 1.7 * 36, 0.5))
    for coco_name, mpii_name in [("left_knee", "l_knee"), ("right_wrist", "r_wrist"),
                                 ("left_shoulder", "l_shoulder"), ("right_hip", "r_hip")]:
        np.testing.assert_array_equal(at(mpii, MPII16, mpii_name), at(coco, COCO17, coco_name))
    derived = {"pelvis", "thorax", "upper_neck", "head_top"}
    assert [n in derived for n in MPII16.joint_names] == result.approximated.tolist()
    assert not result.unavailable.any()


def test_fractions_are_consistent() -> None:
    assert (UPPER_NECK_FRACTION, HEAD_TOP_FRACTION) == (0.5, 1.7)
    assert NOSE_FRACTION == pytest.approx(5 / 12)


def test_head_reference_falls_back_to_one_ear_then_nose() -> None:
    coco = np.stack([coco_upright()] * 4)
    coco[1, COCO17.index("left_ear")] = (np.nan, np.nan, 0.0)  # right ear (96, 50, 0.7)
    coco[2, COCO17.index("left_ear"), :2] = np.nan
    coco[2, COCO17.index("right_ear"), :2] = np.nan  # nose (104, 50, 0.9)
    coco[3, [0, 3, 4], :2] = np.nan  # no head at all
    neck = at(convert(coco, COCO17, MPII16).keypoints, MPII16, "upper_neck")
    np.testing.assert_allclose(neck[0], (102, 68, 0.5))
    np.testing.assert_allclose(neck[1], (98, 68, 0.5))
    np.testing.assert_allclose(neck[2], (102, 68, 0.5))
    np.testing.assert_array_equal(neck[3], (np.nan, np.nan, 0.0))


def test_derived_confidence_is_min_of_inputs() -> None:
    coco = coco_upright()
    coco[COCO17.index("left_ear"), 2] = 0.05
    mpii = convert(coco, COCO17, MPII16).keypoints
    assert at(mpii, MPII16, "head_top")[2] == pytest.approx(0.05)
    assert at(mpii, MPII16, "thorax")[2] == pytest.approx(0.5)


def test_mpii_to_coco_nose_and_unavailable_face() -> None:
    mpii = pose(MPII16, upper_neck=(100, 100, 0.8), head_top=(100, 40, 0.6),
                l_shoulder=(120, 110, 1.0), r_knee=(90, 200, 0.3))  # fmt: skip
    result = convert(mpii, MPII16, COCO17)
    coco = result.keypoints
    np.testing.assert_allclose(at(coco, COCO17, "nose"), (100, 100 - 60 * 5 / 12, 0.6))
    for face in ("left_eye", "right_eye", "left_ear", "right_ear"):
        np.testing.assert_array_equal(at(coco, COCO17, face), (np.nan, np.nan, 0.0))
    np.testing.assert_array_equal(at(coco, COCO17, "left_shoulder"), (120, 110, 1.0))
    np.testing.assert_array_equal(at(coco, COCO17, "right_knee"), (90, 200, 0.3))
    assert result.approximated.tolist() == [True] * 5 + [False] * 12
    assert result.unavailable.tolist() == [False] + [True] * 4 + [False] * 12


def test_mediapipe_to_coco_is_direct() -> None:
    mp = np.random.default_rng(0).uniform(0, 500, (4, 33, 3))
    result = convert(mp, MEDIAPIPE33, COCO17)
    assert not result.approximated.any()
    for j, name in enumerate(COCO17.joint_names):
        np.testing.assert_array_equal(result.keypoints[:, j], mp[:, MEDIAPIPE33.index(name)])


def test_coco_to_mediapipe_marks_extra_landmarks_unavailable() -> None:
    result = convert(coco_upright(), COCO17, MEDIAPIPE33)
    extra = [n not in COCO17.joint_names for n in MEDIAPIPE33.joint_names]
    assert result.unavailable.tolist() == extra == result.approximated.tolist()
    assert sum(extra) == 16
    assert np.isnan(result.keypoints[result.unavailable, :2]).all()
    assert (result.keypoints[result.unavailable, 2] == 0).all()


def test_mpii_to_mediapipe_approximates_nose() -> None:
    result = convert(np.ones((16, 3)), MPII16, MEDIAPIPE33)
    nose = MEDIAPIPE33.index("nose")
    assert result.approximated[nose] and not result.unavailable[nose]
    assert result.approximated.sum() == 33 - 12


def test_nan_propagates_only_to_joints_that_use_it() -> None:
    coco = coco_upright()
    coco[COCO17.index("left_hip"), :2] = np.nan
    mpii = convert(coco, COCO17, MPII16).keypoints
    np.testing.assert_array_equal(at(mpii, MPII16, "pelvis"), (np.nan, np.nan, 0.0))
    np.testing.assert_array_equal(at(mpii, MPII16, "l_hip")[:2], (np.nan, np.nan))
    others = [i for i, n in enumerate(MPII16.joint_names) if n not in ("pelvis", "l_hip")]
    assert np.isfinite(mpii[others]).all()


# --- conversion: shapes and general properties -------------------------------------------


@pytest.mark.parametrize(("src", "dst"), ALL_PAIRS, ids=pair_ids)
def test_every_pair_converts_any_leading_shape(src: Skeleton, dst: Skeleton) -> None:
    rng = np.random.default_rng(1)
    seq = rng.uniform(0, 100, (5, src.num_joints, 3)).astype(np.float32)
    before = seq.copy()
    result = convert(seq, src.name, dst)
    assert result.keypoints.shape == (5, dst.num_joints, 3)
    assert result.keypoints.dtype == np.float32
    assert result.approximated.shape == result.unavailable.shape == (dst.num_joints,)
    assert not (result.unavailable & ~result.approximated).any()
    np.testing.assert_array_equal(seq, before)  # input untouched
    assert not np.shares_memory(result.keypoints, seq)
    # A single frame gives the same as that frame of a sequence; extra batch dims work.
    np.testing.assert_array_equal(convert(seq[2], src, dst).keypoints, result.keypoints[2])
    batched = convert(np.stack([seq, seq]), src, dst).keypoints
    np.testing.assert_array_equal(batched[1], result.keypoints)
    if src is dst:
        np.testing.assert_array_equal(result.keypoints, seq)
        assert not result.approximated.any()


def test_integer_input_becomes_float() -> None:
    out = convert(np.ones((17, 3), dtype=int), COCO17, MPII16).keypoints
    assert out.dtype == np.float64


@pytest.mark.parametrize("shape", [(16,), (17, 3), (16, 2), (3, 16, 4)])
def test_convert_rejects_wrong_shapes(shape) -> None:
    with pytest.raises(ValueError, match=r"mpii16 keypoints must have shape \(\.\.\., 16, 3\)"):
        convert(np.zeros(shape), MPII16, COCO17)


@settings(max_examples=50, deadline=None)
@given(random_poses(MPII16, frames=3))
def test_mpii_coco_mpii_keeps_direct_joints_exactly(mpii: np.ndarray) -> None:
    there = convert(mpii, MPII16, COCO17)
    back = convert(there.keypoints, COCO17, MPII16)
    direct = ~back.approximated
    assert direct.sum() == 12
    np.testing.assert_array_equal(back.keypoints[:, direct], mpii[:, direct])


@settings(max_examples=50, deadline=None)
@given(random_poses(COCO17, frames=2))
def test_coco_mediapipe_coco_is_identity(coco: np.ndarray) -> None:
    back = convert(convert(coco, COCO17, MEDIAPIPE33).keypoints, MEDIAPIPE33, COCO17)
    np.testing.assert_array_equal(back.keypoints, coco)


@settings(max_examples=50, deadline=None)
@given(random_poses(MEDIAPIPE33, frames=2))
def test_mediapipe_to_mpii_equals_going_through_coco(mp: np.ndarray) -> None:
    direct = convert(mp, MEDIAPIPE33, MPII16)
    via_coco = convert(convert(mp, MEDIAPIPE33, COCO17).keypoints, COCO17, MPII16)
    np.testing.assert_array_equal(direct.keypoints, via_coco.keypoints)
    np.testing.assert_array_equal(direct.approximated, via_coco.approximated)


@settings(max_examples=50, deadline=None)
@given(random_poses(COCO17, frames=2))
def test_derived_joints_are_nan_with_zero_confidence_or_finite(coco: np.ndarray) -> None:
    result = convert(coco, COCO17, MPII16)
    derived = result.keypoints[:, result.approximated]
    missing = np.isnan(derived[..., 0])
    assert (np.isnan(derived[..., 1]) == missing).all()
    assert (derived[..., 2][missing] == 0).all()


# --- mirror and bone lengths -------------------------------------------------------------


def test_mirror_swaps_sides_and_flips_x() -> None:
    coco = coco_upright()
    flipped = mirror(coco, COCO17, width=200)
    np.testing.assert_array_equal(at(flipped, COCO17, "right_wrist"), (200 - 126, 150, 0.9))
    np.testing.assert_array_equal(at(flipped, COCO17, "left_wrist"), (200 - 74, 150, 0.9))
    np.testing.assert_array_equal(at(flipped, COCO17, "nose"), (96, 50, 0.9))
    np.testing.assert_array_equal(coco, coco_upright())  # input untouched


@pytest.mark.parametrize("sk", ALL, ids=ids)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_mirror_twice_is_identity_and_keeps_bone_lengths(sk: Skeleton, data) -> None:
    kp = data.draw(random_poses(sk, frames=2))
    width = data.draw(st.sampled_from([640.0, 1920.0]))
    once = mirror(kp, sk, width)
    np.testing.assert_allclose(mirror(once, sk, width), kp, atol=1e-9)
    np.testing.assert_allclose(
        np.sort(bone_lengths(once, sk), axis=-1), np.sort(bone_lengths(kp, sk), axis=-1),
        rtol=1e-9, atol=1e-9,
    )


@settings(max_examples=25, deadline=None)
@given(random_poses(COCO17, frames=2))
def test_conversion_commutes_with_mirror(coco: np.ndarray) -> None:
    a = convert(mirror(coco, COCO17, 1000.0), COCO17, MPII16).keypoints
    b = mirror(convert(coco, COCO17, MPII16).keypoints, MPII16, 1000.0)
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6)


def test_bone_lengths_known_values_and_nan() -> None:
    mpii = np.zeros((2, 16, 3))
    mpii[:, MPII16.index("r_knee"), :2] = (3, 4)
    mpii[1, MPII16.index("r_ankle"), :2] = np.nan
    lengths = bone_lengths(mpii, MPII16)
    assert lengths.shape == (2, len(MPII16.bones))
    ankle_knee = MPII16.bones.index((0, 1))
    knee_hip = MPII16.bones.index((1, 2))
    assert lengths[0, ankle_knee] == 5 and lengths[0, knee_hip] == 5
    assert np.isnan(lengths[1, ankle_knee]) and lengths[1, knee_hip] == 5
    # x, y only is accepted too.
    np.testing.assert_array_equal(bone_lengths(mpii[0, :, :2], MPII16), lengths[0])


# --- OpenPose COCO-18 ----------------------------------------------------------------------


def openpose_upright() -> np.ndarray:
    """:func:`coco_upright` in OpenPose order, with a neck a little off the shoulder midpoint."""
    coco = coco_upright()
    return np.stack([coco[COCO17.index(n)] if n != "neck" else (101, 85, 0.65)
                     for n in OPENPOSE18.joint_names])


def test_openpose_order_levels_and_registration() -> None:
    assert OPENPOSE18.joint_names == (
        "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder",
        "left_elbow", "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip",
        "left_knee", "left_ankle", "right_eye", "left_eye", "right_ear", "left_ear",
    )  # fmt: skip
    assert "openpose18" in SKELETON_NAMES and get_skeleton("openpose18") is OPENPOSE18
    assert OPENPOSE18.levels[OPENPOSE18.index("neck")] == H0
    assert set(OPENPOSE18.joints_at_level(H0)) == {
        OPENPOSE18.index(n) for n in ("neck", "left_shoulder", "right_shoulder", "left_hip", "right_hip")
    }
    assert {OPENPOSE18.joint_names[i] for i in OPENPOSE18.joints_at_level(H2)} >= {
        "nose", "left_eye", "right_eye", "left_ear", "right_ear"}
    assert OPENPOSE18.oks_sigmas is None


def test_openpose_bones_form_a_tree_rooted_at_the_neck() -> None:
    assert len(OPENPOSE18.bones) == OPENPOSE18.num_joints - 1
    neck = OPENPOSE18.index("neck")
    reached, frontier = {neck}, [neck]
    while frontier:
        k = frontier.pop()
        for i, j in OPENPOSE18.bones:
            for a, b in ((i, j), (j, i)):
                if a == k and b not in reached:
                    reached.add(b)
                    frontier.append(b)
    assert reached == set(range(OPENPOSE18.num_joints))


def test_openpose_to_coco_copies_all_but_the_neck() -> None:
    op = openpose_upright()
    result = convert(op, OPENPOSE18, COCO17)
    assert not result.approximated.any()
    np.testing.assert_array_equal(result.keypoints, coco_upright())


def test_coco_to_openpose_neck_is_shoulder_midpoint() -> None:
    result = convert(coco_upright(), COCO17, OPENPOSE18)
    neck = OPENPOSE18.index("neck")
    np.testing.assert_allclose(result.keypoints[neck], (100, 86, 0.5))
    assert result.approximated.tolist() == [n == "neck" for n in OPENPOSE18.joint_names]
    assert not result.unavailable.any()


def test_openpose_to_mpii_uses_the_neck_as_thorax() -> None:
    op = np.stack([openpose_upright()] * 2)
    op[1, OPENPOSE18.index("neck")] = (np.nan, np.nan, 0.0)
    result = convert(op, OPENPOSE18, MPII16)
    mpii = result.keypoints
    np.testing.assert_allclose(at(mpii, MPII16, "thorax")[0], (101, 85, 0.65))
    np.testing.assert_allclose(at(mpii, MPII16, "thorax")[1], (100, 86, 0.5))  # shoulder midpoint
    # The neck axis runs from T through the ear midpoint (104, 50).
    np.testing.assert_allclose(at(mpii, MPII16, "upper_neck")[0], (102.5, 67.5, 0.6))
    np.testing.assert_allclose(at(mpii, MPII16, "upper_neck")[1], (102, 68, 0.5))
    np.testing.assert_allclose(at(mpii, MPII16, "pelvis")[0], (100, 170, 0.4))
    np.testing.assert_array_equal(at(mpii, MPII16, "l_knee"), op[:, OPENPOSE18.index("left_knee")])
    derived = {"pelvis", "thorax", "upper_neck", "head_top"}
    assert result.approximated.tolist() == [n in derived for n in MPII16.joint_names]
    assert not result.unavailable.any()


def test_mpii_to_openpose_neck_is_thorax_and_face_is_unavailable() -> None:
    mpii = pose(MPII16, thorax=(100, 90, 0.7), upper_neck=(100, 70, 0.8), head_top=(100, 10, 0.6),
                r_ankle=(90, 300, 0.4))  # fmt: skip
    result = convert(mpii, MPII16, OPENPOSE18)
    op = result.keypoints
    np.testing.assert_array_equal(at(op, OPENPOSE18, "neck"), (100, 90, 0.7))
    np.testing.assert_allclose(at(op, OPENPOSE18, "nose"), (100, 70 - 60 * 5 / 12, 0.6))
    np.testing.assert_array_equal(at(op, OPENPOSE18, "right_ankle"), (90, 300, 0.4))
    face = {"left_eye", "right_eye", "left_ear", "right_ear"}
    assert result.unavailable.tolist() == [n in face for n in OPENPOSE18.joint_names]
    assert result.approximated.tolist() == [n in face | {"nose", "neck"} for n in OPENPOSE18.joint_names]
    assert np.isnan(op[result.unavailable, :2]).all() and (op[result.unavailable, 2] == 0).all()


def test_openpose_mediapipe_share_seventeen_joints() -> None:
    op = openpose_upright()
    there = convert(op, OPENPOSE18, MEDIAPIPE33)
    assert (~there.approximated).sum() == 17 and there.unavailable.sum() == 16
    back = convert(there.keypoints, MEDIAPIPE33, OPENPOSE18)
    neck = OPENPOSE18.index("neck")
    others = [j for j in range(18) if j != neck]
    np.testing.assert_array_equal(back.keypoints[others], op[others])
    np.testing.assert_allclose(back.keypoints[neck], (100, 86, 0.5))


@settings(max_examples=50, deadline=None)
@given(random_poses(COCO17, frames=2))
def test_coco_openpose_coco_is_identity(coco: np.ndarray) -> None:
    back = convert(convert(coco, COCO17, OPENPOSE18).keypoints, OPENPOSE18, COCO17)
    np.testing.assert_array_equal(back.keypoints, coco)


@settings(max_examples=50, deadline=None)
@given(random_poses(OPENPOSE18, frames=2))
def test_openpose_without_neck_to_mpii_equals_going_through_coco(op: np.ndarray) -> None:
    op[:, OPENPOSE18.index("neck")] = (np.nan, np.nan, 0.0)
    direct = convert(op, OPENPOSE18, MPII16)
    via_coco = convert(convert(op, OPENPOSE18, COCO17).keypoints, COCO17, MPII16)
    np.testing.assert_array_equal(direct.keypoints, via_coco.keypoints)
    np.testing.assert_array_equal(direct.approximated, via_coco.approximated)


@settings(max_examples=25, deadline=None)
@given(random_poses(OPENPOSE18, frames=2))
def test_openpose_conversion_commutes_with_mirror(op: np.ndarray) -> None:
    for dst in (MPII16, COCO17):
        a = convert(mirror(op, OPENPOSE18, 1000.0), OPENPOSE18, dst).keypoints
        b = mirror(convert(op, OPENPOSE18, dst).keypoints, dst, 1000.0)
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6)
