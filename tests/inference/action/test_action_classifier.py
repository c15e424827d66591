"""The action classifier on generated exercises: body parts, inputs, training, answers, files."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from inference.action.classifier import load_action_classifier, train_action_classifier
from inference.action.motion import MIN_POSED_FRAMES, PARTS, STEPS, Jitter, body_parts, clip_input, trajectory
from inference.action.report import action_report, majority_action
from inference.assess.checkpoint import CheckpointError
from inference.assess.sample import ClipSample
from inference.assess.training import TrainConfig
from inference.skeletons import SKELETON_NAMES, canonical_name, get_skeleton
from tests.helpers.action_poses import ACTIONS, exercise

FAST = TrainConfig(epochs=12, patience=6, seed=3, device="cpu")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def clips(tag: str, per_action: int, offset: int) -> list[ClipSample]:
    return [ClipSample(f"{tag}-{a}-{i}", exercise(a, offset + 100 * k + i), "coco17", 30.0, action=a)
            for k, a in enumerate(ACTIONS) for i in range(per_action)]


@pytest.fixture(scope="module")
def trained():
    torch.set_num_threads(1)
    train, val = clips("train", 4, 0), clips("val", 2, 50)
    return train, val, train_action_classifier(train, val, config=FAST)


@pytest.mark.parametrize("schema", SKELETON_NAMES)
def test_every_skeleton_has_five_parts_that_mirror_onto_each_other(schema):
    skeleton = get_skeleton(schema)
    parts = body_parts(schema)
    names = [{canonical_name(skeleton.joint_names[j]) for j in part} for part in parts]
    assert len(parts) == len(PARTS) == 5 and all(parts)
    assert "left_wrist" in names[1] and "right_wrist" in names[2]
    assert "left_ankle" in names[3] and "right_ankle" in names[4]
    assert {"left_shoulder", "right_shoulder", "left_hip", "right_hip"} <= names[0]
    flip = skeleton.flip_indices
    assert sorted(flip[j] for j in parts[1]) == sorted(parts[2])
    assert sorted(flip[j] for j in parts[3]) == sorted(parts[4])


def test_input_masks_the_steps_without_poses_and_mirrors_left_onto_right():
    kp = exercise("curl", 1, frames=60)
    kp[20:40, :, :2] = np.nan                       # the athlete lost for a third of the clip
    track = trajectory(kp, "coco17", 30.0)
    x, mask = clip_input(track, get_skeleton("coco17").flip_indices)
    assert x.shape == (STEPS, 17, 4) and np.isfinite(x).all()
    assert 0.25 < 1 - mask.mean() < 0.45 and mask[0] == mask[-1] == 1
    mirrored, _ = clip_input(track, get_skeleton("coco17").flip_indices, Jitter(mirror=True))
    # COCO-17: 9 left wrist, 10 right wrist.
    np.testing.assert_allclose(mirrored[:, 9, 0], -x[:, 10, 0], atol=1e-6)
    slower, _ = clip_input(track, get_skeleton("coco17").flip_indices, Jitter(stretch=2.0))
    np.testing.assert_allclose(slower[..., 2:], x[..., 2:] / 2, atol=1e-6)


def test_it_tells_the_exercises_apart_on_new_clips(trained):
    _, _, model = trained
    test = clips("test", 3, 5000)
    answers = model.predict(test)
    predicted = [model.classes[int(a.probabilities.argmax())] for a in answers]
    assert model.classes == tuple(sorted(ACTIONS))
    assert all(abs(a.probabilities.sum() - 1) < 1e-6 for a in answers)
    assert np.mean([p == s.action for p, s in zip(predicted, test)]) >= 0.8


def test_a_clip_with_too_few_posed_frames_gets_no_answer(trained):
    _, _, model = trained
    kp = exercise("squat", 7, frames=50)
    kp[MIN_POSED_FRAMES - 1:, :, :2] = np.nan
    answer = model.predict([ClipSample("short", kp, "coco17", 30.0)])[0]
    assert answer.probabilities is None and "posed frame" in answer.unsure


def test_training_repeats_exactly_for_a_seed(trained):
    train, val, model = trained
    again = train_action_classifier(train, val, config=FAST)
    for name, tensor in model.network.state_dict().items():
        assert torch.equal(tensor, again.network.state_dict()[name]), name
    assert again.info == model.info


def test_the_model_file_round_trips_and_refuses_another_skeleton(trained, tmp_path):
    _, val, model = trained
    path = model.save(tmp_path / "action.pt", extra={"split": {"1": "test"}})
    loaded, extra = load_action_classifier(path, "coco17")
    assert loaded.classes == model.classes and extra["split"] == {"1": "test"}
    np.testing.assert_allclose(loaded.predict(val)[0].probabilities, model.predict(val)[0].probabilities)
    with pytest.raises(CheckpointError, match="trained on 'coco17' poses but these poses are 'mpii16'"):
        load_action_classifier(path, "mpii16")


def test_training_refuses_a_single_action():
    only = [s for s in clips("train", 3, 0) if s.action == "curl"]
    with pytest.raises(ValueError, match="at least two actions"):
        train_action_classifier(only, only, config=FAST)


def test_report_counts_recall_confusion_and_the_majority_prior():
    report = action_report(["a", "a", "b", "c"], ["a", "b", "b", "a"], ["a", "a", "b", "c", "c"])
    assert majority_action(["c", "a", "a", "c"]) == "a"
    assert report["accuracy"] == 0.5 and report["prior"] == {"action": "a", "accuracy": 0.5}
    assert report["per_action"]["a"] == {"n": 2, "recall": 0.5} and report["per_action"]["c"]["recall"] == 0.0
    assert report["confusion"] == {"labels": ["a", "b", "c"], "matrix": [[1, 1, 0], [0, 1, 0], [1, 0, 0]]}
