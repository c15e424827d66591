"""Exemplar contrastive regression: pairing, exemplar choice, the stage loss and voting."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from inference.assess.score.contrastive import (
    SOURCE_ANY, SOURCE_NEAREST_DIFFICULTY, SOURCE_SAME_ACTION, ExemplarBank, ExemplarScorer,
    choose_exemplars, exemplar_votes, pair_exemplars, stage_contrastive_loss,
)
from inference.assess.score.model import ScoreSettings, train_score_model
from inference.assess.synthetic import synthetic_library
from inference.assess.training import TrainConfig


def _bank(actions, scores, difficulties) -> ExemplarBank:
    n = len(actions)
    return ExemplarBank(np.zeros((n, 3, 4, 2), np.float16), tuple(f"clip{i}" for i in range(n)),
                        np.asarray(scores, np.float64), tuple(actions), np.asarray(difficulties, np.float64))


def test_pairs_are_other_clips_of_the_same_action_when_there_are_any():
    actions = ["105B"] * 4 + ["205C"] * 3 + ["5231D"] + [None]
    partners = pair_exemplars(actions, np.random.default_rng(3))
    assert all(partners[i] != i for i in range(len(actions)))
    for i, action in enumerate(actions[:7]):
        assert actions[partners[i]] == action
    again = pair_exemplars(actions, np.random.default_rng(3))
    assert np.array_equal(partners, again)
    with pytest.raises(ValueError, match="two"):
        pair_exemplars(["105B"], np.random.default_rng(0))


def test_exemplars_same_action_spread_over_scores_then_nearest_difficulty_then_any():
    actions = ["105B"] * 12 + ["205C", "305C", "405B"]
    scores = list(range(12)) + [50.0, 60.0, 70.0]
    bank = _bank(actions, scores, [3.0] * 12 + [3.1, 2.0, np.nan])

    chosen, source = choose_exemplars(bank, "105B", 3.0, count=4)
    assert source == SOURCE_SAME_ACTION
    assert sorted(bank.scores[chosen]) == [0.0, 4.0, 7.0, 11.0]  # lowest to highest covered

    chosen, source = choose_exemplars(bank, "205C", 3.0, count=3)
    assert source == f"{SOURCE_SAME_ACTION} + {SOURCE_NEAREST_DIFFICULTY}"
    assert chosen[0] == 12 and all(bank.actions[i] == "105B" for i in chosen[1:])

    chosen, source = choose_exemplars(bank, "109C", None, count=5)
    assert source == SOURCE_ANY and len(chosen) == 5 and len(set(chosen)) == 5

    chosen, _ = choose_exemplars(bank, "105B", 3.0, count=20, exclude_key="clip3")
    assert 3 not in chosen and len(chosen) == len(bank) - 1


def test_stage_loss_prefers_matching_stages_and_is_the_infonce_it_claims():
    torch.manual_seed(0)
    query = torch.randn(2, 3, 8)
    aligned = query + 0.5 * torch.randn(2, 3, 8)
    shuffled = aligned[:, [1, 2, 0]]
    assert stage_contrastive_loss(query, aligned) < stage_contrastive_loss(query, shuffled)

    tokens = torch.nn.functional.normalize(torch.cat([query[0], aligned[0]]), dim=-1)
    expected = 0.0
    for i in range(6):
        others = [j for j in range(6) if j != i]
        logits = tokens[others] @ tokens[i] / 0.1
        positive = others.index((i + 3) % 6)
        expected += float(torch.logsumexp(logits, 0) - logits[positive])
    single = stage_contrastive_loss(query[:1], aligned[:1], temperature=0.1)
    assert float(single) == pytest.approx(expected / 6, rel=1e-4)


def test_votes_are_exemplar_score_plus_weighted_stage_differences():
    torch.manual_seed(0)
    scorer = ExemplarScorer(num_features=5, num_stages=3, dim=16).eval()
    weights = scorer.stage_weights().detach()
    assert float(weights.sum()) == pytest.approx(1.0) and bool((weights > 0).all())
    queries, bank = torch.randn(2, 3, 4, 5), torch.randn(4, 3, 4, 5)
    with torch.no_grad():
        q_tokens, b_tokens = scorer.encode(queries), scorer.encode(bank)
        delta, stages = scorer.difference(q_tokens[[1, 1]], b_tokens[[0, 3]])
    assert stages.shape == (2, 3)
    assert torch.allclose(delta, (stages * weights).sum(-1))
    scores = torch.tensor([0.5, -1.0, 0.0, 2.0])
    votes = exemplar_votes(scorer, q_tokens, b_tokens, scores, [[2], [0, 3]])
    assert [len(v) for v in votes] == [1, 2]
    assert np.allclose(votes[1], (scores[[0, 3]] + delta).numpy(), atol=1e-6)


@pytest.fixture(scope="module")
def trained():
    samples = [d.sample for d in synthetic_library(60, seed=4)]
    config = TrainConfig(epochs=10, patience=10, seed=0, device="cpu")
    settings = ScoreSettings(dim=32, num_exemplars=5)
    model = train_score_model(samples, method="contrastive", config=config, settings=settings)
    return model, samples


def test_votes_come_from_training_clips_of_the_same_action(trained):
    model, samples = trained
    train_keys = {s.key: s for s in samples if s.split == "train"}
    test = [s for s in samples if s.split == "test"]
    for sample, prediction in zip(test, model.predict_many(test)):
        assert prediction.exemplar_source == SOURCE_SAME_ACTION
        votes = np.array([vote for _, _, vote in prediction.exemplars])
        assert len(votes) == 5
        for key, exemplar_score, _ in prediction.exemplars:
            assert key in train_keys and train_keys[key].action == sample.action
            assert exemplar_score == train_keys[key].score
        assert prediction.spread >= 0 and prediction.spread == pytest.approx(votes.std())
        assert prediction.score == pytest.approx(votes.mean())


def test_unknown_action_falls_back_and_says_so_and_a_clip_is_never_its_own_exemplar(trained):
    model, samples = trained
    query = next(s for s in samples if s.split == "test")
    by_difficulty = model.predict(replace(query, action="109C"))
    assert by_difficulty.exemplar_source == SOURCE_NEAREST_DIFFICULTY
    assert len(by_difficulty.exemplars) == 5
    anything = model.predict(replace(query, action=None, difficulty=None))
    assert anything.exemplar_source == SOURCE_ANY
    own = next(s for s in samples if s.split == "train")
    assert own.key not in {key for key, _, _ in model.predict(own).exemplars}
