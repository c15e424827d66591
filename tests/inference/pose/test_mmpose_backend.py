"""The mmpose adapter: its message when mmpose is absent, and the result conversion.

mmpose (with mmcv and mmengine) is an optional extra that is not installed here; the test of
real inference runs only where it is, and is skipped (not faked) elsewhere.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from inference.pose.base import PersonPose, PoseBackendError
from inference.pose.mmpose_backend import (
    MMPOSE_MISSING,
    MMPoseTopDown,
    mmpose_available,
    poses_from_mmpose,
)

HAVE_MMPOSE = mmpose_available()


@pytest.mark.skipif(HAVE_MMPOSE, reason="mmpose is installed: the missing-package path cannot run")
def test_missing_mmpose_says_what_to_install(tmp_path):
    with pytest.raises(PoseBackendError) as err:
        MMPoseTopDown(tmp_path / "config.py", tmp_path / "model.pth")
    assert str(err.value) == MMPOSE_MISSING
    assert str(err.value) == (
        "The mmpose backend needs mmpose, mmcv and mmengine with your model's config and "
        "checkpoint: pip install 'plumb[mmpose]' (mmcv compiles for ~10 min) — or export the "
        "model to ONNX and use --backend onnx.")


def two_people_result() -> dict:
    """What inference_topdown's pred_instances holds for two boxes, as plain arrays."""
    rng = np.random.default_rng(0)
    keypoints = rng.uniform(10, 300, size=(2, 17, 2))
    scores = np.full((2, 17), 0.8)
    scores[0, 3] = 1.2  # RTMPose scores can exceed 1
    scores[1, 5] = 0.0  # not found
    scores[1, 6] = -0.3
    return {
        "keypoints": keypoints,
        "keypoint_scores": scores,
        "bboxes": np.array([[5.0, 6.0, 200.0, 300.0], [50.0, 60.0, 250.0, 310.0]]),
        "bbox_scores": np.array([0.95, 0.5]),
    }


def test_conversion_from_an_mmpose_style_dict():
    data = two_people_result()
    poses = poses_from_mmpose(data, "coco17")
    assert len(poses) == 2 and all(isinstance(p, PersonPose) for p in poses)
    first, second = poses
    assert first.keypoints.dtype == np.float32 and first.keypoints.shape == (17, 3)
    np.testing.assert_allclose(first.keypoints[:, :2], data["keypoints"][0], rtol=1e-6)
    assert first.keypoints[3, 2] == 1.0  # clipped
    np.testing.assert_allclose(first.keypoints[0, 2], 0.8)
    assert np.isnan(second.keypoints[[5, 6], :2]).all()
    assert (second.keypoints[[5, 6], 2] == 0).all()
    assert first.bbox == (5.0, 6.0, 200.0, 300.0)
    assert (first.score, second.score) == (0.95, 0.5)
    assert first.schema == "coco17"


def test_conversion_from_a_pose_data_sample_shape():
    """PoseDataSample keeps its arrays on .pred_instances, read by attribute."""
    data = two_people_result()
    sample = SimpleNamespace(pred_instances=SimpleNamespace(
        keypoints=data["keypoints"][:1], keypoint_scores=data["keypoint_scores"][:1],
        bboxes=data["bboxes"][:1], bbox_scores=data["bbox_scores"][:1]))
    (pose,) = poses_from_mmpose(sample, "coco17")
    np.testing.assert_allclose(pose.keypoints[:, :2], data["keypoints"][0], rtol=1e-6)
    assert pose.bbox == (5.0, 6.0, 200.0, 300.0)


def test_conversion_of_single_instance_xy_score_arrays_and_tensors():
    import torch

    kp = np.zeros((16, 3))
    kp[:, 0] = np.arange(16) * 10.0
    kp[:, 1] = 40.0
    kp[:, 2] = np.linspace(0.0, 1.0, 16)  # joint 0 has score 0: not found
    (pose,) = poses_from_mmpose({"keypoints": torch.from_numpy(kp)}, "mpii16")
    assert pose.schema == "mpii16" and pose.keypoints.shape == (16, 3)
    assert np.isnan(pose.keypoints[0, :2]).all()
    np.testing.assert_allclose(pose.keypoints[1:, 0], kp[1:, 0])
    np.testing.assert_allclose(pose.keypoints[:, 2], kp[:, 2], atol=1e-6)
    # No box in the result: the keypoints' extent; no bbox score: the mean confidence.
    assert pose.bbox == (10.0, 40.0, 150.0, 40.0)
    assert pose.score == pytest.approx(float(kp[:, 2].mean()))


def test_conversion_keeps_leading_joints_and_takes_given_boxes():
    kp = np.random.default_rng(1).uniform(0, 100, size=(1, 133, 2))
    (pose,) = poses_from_mmpose({"keypoints": kp, "keypoint_scores": np.ones((1, 133))},
                                "coco17", num_joints=17, bboxes=[(1, 2, 3, 4)], scores=[0.3])
    assert pose.keypoints.shape == (17, 3)
    np.testing.assert_allclose(pose.keypoints[:, :2], kp[0, :17], rtol=1e-6)
    assert pose.bbox == (1.0, 2.0, 3.0, 4.0) and pose.score == 0.3


def test_conversion_rejects_results_without_keypoints():
    with pytest.raises(ValueError, match="no keypoints"):
        poses_from_mmpose({"bboxes": np.zeros((1, 4))}, "coco17")
    with pytest.raises(ValueError, match=r"\(N, K, 2\|3\)"):
        poses_from_mmpose({"keypoints": np.zeros((1, 17, 4))}, "coco17")


TINY_CONFIG = """
default_scope = 'mmpose'
codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=18),
    head=dict(type='HeatmapHead', in_channels=512, out_channels=17,
              loss=dict(type='KeypointMSELoss', use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=False))
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]
test_dataloader = dict(dataset=dict(type='CocoDataset', data_mode='topdown',
                                    pipeline=test_pipeline))
"""


@pytest.mark.skipif(not HAVE_MMPOSE, reason="mmpose is not installed")
def test_real_mmpose_inference_on_an_untrained_model(tmp_path):
    """A real (randomly initialised, saved and reloaded) ResNet-18 heatmap model: the adapter
    must return one finite 17-joint pose inside each padded box."""
    import torch
    from mmpose.apis import init_model

    config = tmp_path / "tiny_resnet18_coco.py"
    config.write_text(TINY_CONFIG)
    model = init_model(str(config), None, device="cpu")
    checkpoint = tmp_path / "tiny.pth"
    meta = {"num_keypoints": 17, "dataset_name": "coco",
            "flip_indices": [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]}
    torch.save({"state_dict": model.state_dict(), "meta": {"dataset_meta": meta}}, checkpoint)

    backend = MMPoseTopDown(config, checkpoint, device="cpu")
    assert backend.schema == "coco17"
    image = np.random.default_rng(0).integers(0, 255, size=(240, 320, 3), dtype=np.uint8)
    boxes = [(20.0, 30.0, 120.0, 220.0), (150.0, 20.0, 300.0, 230.0)]
    poses = backend.estimate_many(image, boxes)
    for pose, (x1, y1, x2, y2) in zip(poses, boxes):
        if pose is None:  # an untrained model may score every joint <= 0
            continue
        found = np.isfinite(pose.keypoints[:, 0])
        pad_w, pad_h = (x2 - x1) * 0.75, (y2 - y1) * 0.75  # crop is >= 1.25x the box
        assert (pose.keypoints[found, 0] >= x1 - pad_w).all()
        assert (pose.keypoints[found, 0] <= x2 + pad_w).all()
        assert (pose.keypoints[found, 1] >= y1 - pad_h).all()
        assert (pose.keypoints[found, 1] <= y2 + pad_h).all()
        assert ((pose.keypoints[:, 2] >= 0) & (pose.keypoints[:, 2] <= 1)).all()
        assert pose.bbox == (x1, y1, x2, y2)
    assert len(backend.detect(image)) <= 1
    backend.close()
