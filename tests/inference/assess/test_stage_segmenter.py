"""Bi-GRU stage segmenter: padding, loss, training on synthetic dives, model files."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from inference.assess.checkpoint import CheckpointError, save_checkpoint
from inference.assess.sample import DIVING_STAGES
from inference.assess.stages.aiou import aiou
from inference.assess.stages.diving_fallback import diving_stages
from inference.assess.stages.segmenter import (
    MIN_TRAIN_CLIPS,
    StageSegmenter,
    load_segmenter,
    masked_stage_loss,
    train_segmenter,
)
from inference.assess.synthetic import synthetic_library
from inference.assess.training import Cancelled, TrainConfig

SMALL = {"hidden": 24, "projection": 24}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # A GRU this small runs fastest on one thread; restore the setting for other tests.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def library():
    return [d.sample for d in synthetic_library(40, seed=11)]


@pytest.fixture(scope="module")
def trained(library):
    reports = []
    config = TrainConfig(epochs=40, patience=12, lr=1e-2, batch_size=32, seed=0, device="cpu")
    model = train_segmenter(library, stage_names=DIVING_STAGES, config=config,
                            progress=reports.append, **SMALL)
    return model, reports


def test_forward_shape_and_padding_does_not_leak():
    torch.manual_seed(0)
    net = StageSegmenter(5, 3, hidden=8, projection=8).eval()
    long, short = torch.randn(1, 12, 5), torch.randn(1, 7, 5)
    padded = torch.zeros(2, 12, 5)
    padded[0], padded[1, :7] = long[0], short[0]
    with torch.no_grad():
        batch = net(padded, torch.tensor([12, 7]))
        alone = net(short)
    assert batch.shape == (2, 12, 3)
    torch.testing.assert_close(batch[1, :7], alone[0])
    torch.testing.assert_close(batch[0], net(long)[0].detach())


def test_loss_ignores_padding_and_weights_frames():
    logits = torch.tensor([[[4.0, 0.0], [0.0, 4.0], [9.0, -9.0]]])
    stages = torch.tensor([[0, 0, 1]])
    padded = masked_stage_loss(logits, stages, torch.tensor([[1.0, 1.0, 0.0]]))
    unpadded = masked_stage_loss(logits[:, :2], stages[:, :2], torch.tensor([[1.0, 1.0]]))
    assert torch.isclose(padded, unpadded)
    right_only = masked_stage_loss(logits, stages, torch.tensor([[1.0, 0.0, 0.0]]))
    assert right_only < padded


def test_trained_segmenter_matches_the_rules_on_unseen_dives(trained):
    model, reports = trained
    assert reports and reports[-1].best_val == model.best_val
    assert [r.epoch for r in reports] == list(range(len(reports)))
    unseen = [d.sample for d in synthetic_library(20, seed=12)]
    truths = [s.transitions for s in unseen]
    lengths = [s.num_frames for s in unseen]
    learned = [model.predict(s).transitions for s in unseen]
    rules = [diving_stages(s.keypoints, s.schema, s.fps).transitions for s in unseen]
    assert aiou(learned, truths, lengths, 0.5) >= 0.8
    assert aiou(learned, truths, lengths, 0.75) >= 0.6
    assert aiou(learned, truths, lengths, 0.75) >= aiou(rules, truths, lengths, 0.75) - 0.2


def test_prediction_is_a_distribution_with_ordered_stages(trained, library):
    model, _ = trained
    sample = library[0]
    prediction = model.predict(sample)
    probs = prediction.per_frame_probs
    assert probs.shape == (sample.num_frames, 3) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert 0 < prediction.transitions[0] < prediction.transitions[1] < sample.num_frames
    assert prediction.confidence == pytest.approx(float(probs.max(axis=1).mean()))
    assert prediction.stage_names == DIVING_STAGES


def test_save_and_load_give_the_same_stages(trained, library, tmp_path):
    model, _ = trained
    path = tmp_path / "models" / "stages.pt"
    model.save(path)
    loaded = load_segmenter(path, "mpii16")
    assert loaded.stage_names == DIVING_STAGES and loaded.feature_names == model.feature_names
    for sample in library[:3]:
        np.testing.assert_array_equal(loaded.predict(sample).per_frame_probs,
                                      model.predict(sample).per_frame_probs)
    with pytest.raises(CheckpointError):
        load_segmenter(path, "coco17")
    with pytest.raises(CheckpointError):
        load_segmenter(tmp_path / "missing.pt", "mpii16")


def test_predict_refuses_other_skeleton_short_and_empty_clips(trained, library):
    model, _ = trained
    sample = library[0]
    with pytest.raises(ValueError, match="trained on mpii16"):
        model.predict(replace(sample, schema="coco17", keypoints=np.zeros((30, 17, 3), np.float32)))
    with pytest.raises(ValueError, match="at least 3"):
        model.predict(replace(sample, keypoints=sample.keypoints[:2]))
    blank = np.full_like(sample.keypoints, np.nan)
    with pytest.raises(ValueError, match="no pose"):
        model.predict(replace(sample, keypoints=blank))


def test_training_needs_enough_labelled_clips(library):
    few = [s for s in library if s.split != "test"][:MIN_TRAIN_CLIPS - 1]
    unlabelled = [replace(s, transitions=None) for s in library]
    config = TrainConfig(epochs=1, device="cpu")
    with pytest.raises(ValueError, match=f"at least {MIN_TRAIN_CLIPS} clips.*has {len(few)}"):
        train_segmenter(few + unlabelled, stage_names=DIVING_STAGES, config=config, **SMALL)


def test_training_repeats_exactly_and_holds_out_part_of_train_without_val(library):
    clips = [replace(s, split="train") for s in library[:10]]
    config = TrainConfig(epochs=2, patience=2, lr=1e-2, batch_size=32, seed=3, device="cpu")
    first = train_segmenter(clips, stage_names=DIVING_STAGES, config=config, hidden=8, projection=8)
    second = train_segmenter(clips, stage_names=DIVING_STAGES, config=config, hidden=8, projection=8)
    for name, tensor in first.model.state_dict().items():
        torch.testing.assert_close(tensor, second.model.state_dict()[name], rtol=0, atol=0)
    assert 0.0 <= first.best_val <= 1.0


def test_training_can_be_cancelled(library):
    config = TrainConfig(epochs=5, device="cpu", batch_size=32)
    with pytest.raises(Cancelled):
        train_segmenter(library, stage_names=DIVING_STAGES, config=config,
                        cancelled=lambda: True, hidden=8, projection=8)


def test_a_model_file_of_another_shape_is_refused(trained, tmp_path):
    model, _ = trained
    path = tmp_path / "odd.pt"
    config = {"stage_names": list(DIVING_STAGES), "feature_names": list(model.feature_names),
              "num_features": len(model.feature_names), "hidden": 5, "layers": 1, "projection": 5}
    save_checkpoint(path, kind="stages", schema="mpii16", config=config,
                    state_dict=model.model.state_dict(), extra={})
    with pytest.raises(CheckpointError, match="not a usable stage model"):
        load_segmenter(path, "mpii16")
