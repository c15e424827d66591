"""Joint schemas: MPII-16, COCO-17, MediaPipe Pose 33 and OpenPose COCO-18.

A :class:`Skeleton` is plain, immutable data: joint names in the order the model or
dataset emits them, bones for drawing, left/right pairs for flipping, and the hierarchy
level each joint belongs to in the scoring methods:

* ``H0`` torso: thorax, pelvis, hips, shoulders, neck.
* ``H1`` inner limbs: elbows, knees.
* ``H2`` outer limbs: wrists, ankles, head top (and everything further out, see below).

Keypoint arrays used with these skeletons are ``(..., J, 3)`` float arrays of
``[x, y, confidence]`` in pixels, with NaN coordinates for a missing joint.

Benchmarks:
    MPII accuracy is PCKh@0.5: a joint is correct when it lies within 0.5 x the head
    size of the ground truth. The official evaluation takes the head size as 0.6 x the
    diagonal of the annotated head box (``SC_BIAS = 0.6``), a stand-in for the head
    segment length; without head boxes the usual substitute is the ``upper_neck`` to
    ``head_top`` distance. MPII defines no OKS sigmas.

    COCO accuracy is OKS-based; the per-joint sigmas are on ``COCO17.oks_sigmas``.
"""

from __future__ import annotations

from dataclasses import dataclass

# Hierarchy levels. Plain ints so they can index arrays and sort naturally (torso first).
H0 = 0  # torso
H1 = 1  # inner limbs
H2 = 2  # outer limbs and head
LEVELS = (H0, H1, H2)

SIDES = ("left", "right", "center")


@dataclass(frozen=True)
class Skeleton:
    """An immutable joint schema.

    Attributes:
        name: ``"mpii16"``, ``"coco17"``, ``"mp33"`` or ``"openpose18"``.
        joint_names: ``(J,)`` names in the schema's own order.
        bones: ``(B,)`` ``(i, j)`` joint-index pairs, for drawing and bone lengths.
        left_right: ``(P,)`` ``(left_index, right_index)`` pairs of mirror-image joints.
        levels: ``(J,)`` hierarchy level per joint, one of ``H0``, ``H1``, ``H2``.
        oks_sigmas: ``(J,)`` per-joint OKS constants where the schema's benchmark defines
            them (COCO only), else ``None``.
    """

    name: str
    joint_names: tuple[str, ...]
    bones: tuple[tuple[int, int], ...]
    left_right: tuple[tuple[int, int], ...]
    levels: tuple[int, ...]
    oks_sigmas: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        # These are hand-written tables; a typo should fail at import, not draw a wrong bone.
        n = len(self.joint_names)
        if len(set(self.joint_names)) != n:
            raise ValueError(f"{self.name}: duplicate joint names")
        if len(self.levels) != n or any(level not in LEVELS for level in self.levels):
            raise ValueError(f"{self.name}: need one level in {LEVELS} per joint")
        for i, j in self.bones + self.left_right:
            if not (0 <= i < n and 0 <= j < n) or i == j:
                raise ValueError(f"{self.name}: bad joint pair ({i}, {j})")
        paired = [i for pair in self.left_right for i in pair]
        if len(set(paired)) != len(paired):
            raise ValueError(f"{self.name}: a joint appears in two left/right pairs")
        if self.oks_sigmas is not None and len(self.oks_sigmas) != n:
            raise ValueError(f"{self.name}: need one OKS sigma per joint")

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def sides(self) -> tuple[str, ...]:
        """``(J,)`` ``"left"``, ``"right"`` or ``"center"``, read off ``left_right``."""
        sides = ["center"] * self.num_joints
        for left, right in self.left_right:
            sides[left] = "left"
            sides[right] = "right"
        return tuple(sides)

    @property
    def flip_indices(self) -> tuple[int, ...]:
        """``(J,)`` permutation for a horizontal flip.

        ``flipped[..., k, :] = keypoints[..., flip_indices[k], :]``: after mirroring the
        image, the point labelled left is the old right one. Applying it twice is the
        identity.
        """
        flip = list(range(self.num_joints))
        for left, right in self.left_right:
            flip[left], flip[right] = right, left
        return tuple(flip)

    def index(self, name: str) -> int:
        """Index of joint ``name``; ``ValueError`` naming the valid joints otherwise."""
        try:
            return self.joint_names.index(name)
        except ValueError:
            raise ValueError(
                f"{self.name} has no joint {name!r}; joints: {', '.join(self.joint_names)}"
            ) from None

    def joints_at_level(self, level: int) -> tuple[int, ...]:
        """Indices of the joints at hierarchy ``level`` (``H0``, ``H1`` or ``H2``)."""
        return tuple(i for i, lv in enumerate(self.levels) if lv == level)


MPII16 = Skeleton(
    name="mpii16",
    joint_names=(
        "r_ankle", "r_knee", "r_hip", "l_hip", "l_knee", "l_ankle",            # 0-5
        "pelvis", "thorax", "upper_neck", "head_top",                          # 6-9
        "r_wrist", "r_elbow", "r_shoulder", "l_shoulder", "l_elbow", "l_wrist",  # 10-15
    ),
    # A tree rooted at the pelvis: legs hang from the pelvis, arms and head from the thorax.
    bones=(
        (0, 1), (1, 2), (2, 6), (6, 3), (3, 4), (4, 5),
        (6, 7), (7, 8), (8, 9),
        (7, 12), (12, 11), (11, 10),
        (7, 13), (13, 14), (14, 15),
    ),
    left_right=((5, 0), (4, 1), (3, 2), (13, 12), (14, 11), (15, 10)),
    levels=(
        H2, H1, H0, H0, H1, H2,
        H0, H0, H0, H2,
        H2, H1, H0, H0, H1, H2,
    ),
)
"""MPII Human Pose, 16 joints, in the dataset's own order.

Accuracy on MPII is reported as PCKh@0.5: a joint is correct when it lies within
0.5 x the head size of the ground truth. In the official evaluation the head size is
0.6 x the diagonal of the annotated head bounding box (``SC_BIAS = 0.6`` in the MPII
evaluation code), a stand-in for the head segment length. Without head boxes (our own
annotations) the usual substitute is the ``upper_neck`` to ``head_top`` distance.
MPII defines no OKS sigmas, so ``oks_sigmas`` is ``None``.
"""

# COCO face points (nose, eyes, ears) are H2: like MPII's head_top they sit at the far end
# of the torso -> neck -> head chain, so they carry the compounded error and motion of that
# chain, the same reason wrists and ankles are H2.
COCO17 = Skeleton(
    name="coco17",
    joint_names=(
        "nose", "left_eye", "right_eye", "left_ear", "right_ear",             # 0-4
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",       # 5-8
        "left_wrist", "right_wrist", "left_hip", "right_hip",                 # 9-12
        "left_knee", "right_knee", "left_ankle", "right_ankle",               # 13-16
    ),
    # The COCO annotation file's skeleton (1-based there), converted to 0-based.
    bones=(
        (15, 13), (13, 11), (16, 14), (14, 12), (11, 12),
        (5, 11), (6, 12), (5, 6), (5, 7), (6, 8), (7, 9), (8, 10),
        (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6),
    ),
    left_right=((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16)),
    levels=(
        H2, H2, H2, H2, H2,
        H0, H0, H1, H1,
        H2, H2, H0, H0,
        H1, H1, H2, H2,
    ),
    # COCO keypoint evaluation constants (cocoapi ``kpt_oks_sigmas``). OKS compares a
    # joint's error d with k = 2 * sigma: exp(-d^2 / (2 * s^2 * k^2)), s^2 = object area.
    oks_sigmas=(
        0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072,
        0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089,
    ),
)
"""COCO keypoints, 17 joints: standard order, the COCO skeleton and OKS sigmas."""

# MediaPipe Pose landmarks, in the order of mediapipe's PoseLandmark enum.
# Levels: face points are H2 for the same reason as COCO's. Hand points (pinky, index,
# thumb) and foot points (heel, foot_index) lie beyond the wrists and ankles; the methods
# have only three levels, so they join the outermost one.
MEDIAPIPE33 = Skeleton(
    name="mp33",
    joint_names=(
        "nose",                                                               # 0
        "left_eye_inner", "left_eye", "left_eye_outer",                       # 1-3
        "right_eye_inner", "right_eye", "right_eye_outer",                    # 4-6
        "left_ear", "right_ear", "mouth_left", "mouth_right",                 # 7-10
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",       # 11-14
        "left_wrist", "right_wrist", "left_pinky", "right_pinky",             # 15-18
        "left_index", "right_index", "left_thumb", "right_thumb",             # 19-22
        "left_hip", "right_hip", "left_knee", "right_knee",                   # 23-26
        "left_ankle", "right_ankle", "left_heel", "right_heel",               # 27-30
        "left_foot_index", "right_foot_index",                                # 31-32
    ),
    # mediapipe's POSE_CONNECTIONS, written out so inference/ does not need mediapipe to
    # draw. Note the face is not connected to the body in MediaPipe's own drawing.
    bones=(
        (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
        (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
        (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
        (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
        (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
    ),
    # "mouth_left" is the subject's left corner of the mouth, so it pairs with mouth_right.
    left_right=(
        (1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16),
        (17, 18), (19, 20), (21, 22), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32),
    ),
    levels=(
        H2,
        H2, H2, H2,
        H2, H2, H2,
        H2, H2, H2, H2,
        H0, H0, H1, H1,
        H2, H2, H2, H2,
        H2, H2, H2, H2,
        H0, H0, H1, H1,
        H2, H2, H2, H2,
        H2, H2,
    ),
)
"""MediaPipe Pose, 33 landmarks: official order and POSE_CONNECTIONS."""

# OpenPose's COCO body model (BODY_18 / "COCO" pose model), in its output order. Names
# follow COCO17 so that the shared joints convert as direct copies. The neck is not a COCO
# annotation: OpenPose trained it on the midpoint of the two shoulders, so it sits with the
# shoulders in the torso level. Face points are H2 for the same reason as COCO's.
OPENPOSE18 = Skeleton(
    name="openpose18",
    joint_names=(
        "nose", "neck",                                                       # 0-1
        "right_shoulder", "right_elbow", "right_wrist",                       # 2-4
        "left_shoulder", "left_elbow", "left_wrist",                          # 5-7
        "right_hip", "right_knee", "right_ankle",                             # 8-10
        "left_hip", "left_knee", "left_ankle",                                # 11-13
        "right_eye", "left_eye", "right_ear", "left_ear",                     # 14-17
    ),
    # OpenPose's drawing pairs for this model: everything hangs from the neck. The two
    # ear-shoulder links in its part-affinity list are training aids, not drawn bones.
    bones=(
        (1, 2), (2, 3), (3, 4), (1, 5), (5, 6), (6, 7),
        (1, 8), (8, 9), (9, 10), (1, 11), (11, 12), (12, 13),
        (1, 0), (0, 14), (14, 16), (0, 15), (15, 17),
    ),
    left_right=((5, 2), (6, 3), (7, 4), (11, 8), (12, 9), (13, 10), (15, 14), (17, 16)),
    levels=(
        H2, H0,
        H0, H1, H2,
        H0, H1, H2,
        H0, H1, H2,
        H0, H1, H2,
        H2, H2, H2, H2,
    ),
)
"""OpenPose COCO-18: the 17 COCO joints in OpenPose's order plus ``neck`` at index 1.

OpenPose writes a joint it did not find as ``x = y = confidence = 0``; readers turn
that into NaN coordinates (see ``app.datasets.sequences``).
"""

# Explicit dispatch table; adding a schema means adding it here, nowhere else.
_SKELETONS: dict[str, Skeleton] = {
    MPII16.name: MPII16,
    COCO17.name: COCO17,
    MEDIAPIPE33.name: MEDIAPIPE33,
    OPENPOSE18.name: OPENPOSE18,
}
SKELETON_NAMES: tuple[str, ...] = tuple(_SKELETONS)


def get_skeleton(name: str | Skeleton) -> Skeleton:
    """The skeleton called ``name`` (a :class:`Skeleton` is passed through).

    Raises:
        ValueError: unknown name; the message lists the valid names.
    """
    if isinstance(name, Skeleton):
        return name
    try:
        return _SKELETONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown skeleton {name!r}; valid names: {', '.join(SKELETON_NAMES)}"
        ) from None
