"""Features are invariant to where and how large the athlete is, finite, and mirror correctly."""

import numpy as np
import pytest

from inference.assess.features import frame_features, joint_angles, normalise, resample, torso_angle
from inference.assess.synthetic import synthetic_dive
from inference.skeletons import MPII16


@pytest.fixture(scope="module")
def dive():
    return synthetic_dive(5, 0.9, "105B").sample


def test_invariant_to_translation_and_scale(dive):
    kp = dive.keypoints.copy()
    moved = kp.copy()
    moved[..., :2] = kp[..., :2] * 2.5 + np.array([300.0, -40.0])
    a, b = frame_features(kp, "mpii16"), frame_features(moved, "mpii16")
    np.testing.assert_allclose(a.values, b.values, atol=1e-4)


def test_scale_is_torso_length_and_hips_centred(dive):
    norm = normalise(dive.keypoints, "mpii16")
    assert 40 < norm.scale < 50  # the generator's torso is 45 px
    first = norm.coords[0]
    np.testing.assert_allclose((first[2] + first[3]) / 2, 0.0, atol=1e-5)


def test_missing_joints_are_filled_and_weighted_zero(dive):
    kp = dive.keypoints.copy()
    kp[10:15, 11, :2] = np.nan
    norm = normalise(kp, "mpii16")
    assert np.isfinite(norm.coords).all()
    assert (norm.weights[10:15, 11] == 0).all() and (norm.weights[9, 11] > 0)
    # Linear fill between the known neighbours
    np.testing.assert_allclose(norm.coords[12, 11], (norm.coords[9, 11] * 3 + norm.coords[15, 11] * 3) / 6,
                               atol=0.2)
    features = frame_features(kp, "mpii16")
    assert np.isfinite(features.values).all() and len(features.names) == features.values.shape[1]


def test_flip_mirrors_x_and_swaps_sides(dive):
    norm, flipped = normalise(dive.keypoints, "mpii16"), normalise(dive.keypoints, "mpii16", flip=True)
    left, right = MPII16.index("l_knee"), MPII16.index("r_knee")
    np.testing.assert_allclose(flipped.coords[:, left, 0], -norm.coords[:, right, 0], atol=1e-6)
    np.testing.assert_allclose(flipped.coords[:, left, 1], norm.coords[:, right, 1], atol=1e-6)


def test_angles_straight_and_bent():
    kp = np.full((1, 16, 3), 1.0, np.float32)
    for name, xy in {"r_hip": (0, 0), "l_hip": (2, 0), "r_shoulder": (0, -10), "l_shoulder": (2, -10),
                     "r_knee": (0, 5), "r_ankle": (0, 10), "l_knee": (2, 5), "l_ankle": (7, 5)}.items():
        kp[0, MPII16.index(name), :2] = xy
    angles = joint_angles(normalise(kp, "mpii16").coords, "mpii16")
    assert angles[0, 0] == pytest.approx(np.pi, abs=1e-3)       # right knee straight
    assert angles[0, 1] == pytest.approx(np.pi / 2, abs=1e-3)   # left knee at a right angle


def test_somersaults_accumulate_rotation(dive):
    theta = torso_angle(normalise(dive.keypoints, "mpii16").coords, "mpii16")
    t1, t2 = dive.transitions
    # 105B: two and a half somersaults forward, so about 5 pi of rotation in the air
    assert abs(theta[t2] - theta[t1]) == pytest.approx(5 * np.pi, rel=0.1)


def test_resample_keeps_ends_and_interpolates():
    x = np.arange(5, dtype=np.float32)[:, None]
    out = resample(x, 9)
    assert out.shape == (9, 1) and out[0, 0] == 0 and out[-1, 0] == 4 and out[1, 0] == pytest.approx(0.5)
    with pytest.raises(ValueError):
        resample(x, 0)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="shape"):
        frame_features(np.zeros((5, 16)), "mpii16")
    with pytest.raises(ValueError, match="hips and the shoulders"):
        frame_features(np.full((5, 16, 3), np.nan), "mpii16")
    with pytest.raises(ValueError, match="joints"):
        frame_features(np.zeros((5, 17, 3)), "mpii16")
