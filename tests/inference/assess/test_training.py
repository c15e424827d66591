"""fit: repeatable runs, early stopping, cancellation, divergence; devices and minibatches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from inference.assess.training import (
    Cancelled,
    EpochReport,
    TrainConfig,
    fit,
    iterate_minibatches,
    pick_device,
    seed_everything,
)


def _regression_run(seed: int, epochs: int = 8):
    """A tiny nn.Linear regression trained with shuffled minibatches and dropout noise."""
    seed_everything(seed)
    x = torch.randn(48, 3)
    y = x @ torch.tensor([[1.5], [-2.0], [0.5]]) + 0.1 * torch.randn(48, 1)
    model = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(3, 1))
    config = TrainConfig(epochs=epochs, patience=epochs, lr=0.05, batch_size=8, seed=seed)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)

    def train_step(m: torch.nn.Module, epoch: int) -> float:
        losses = []
        for batch in torch.randperm(32).split(config.batch_size):
            optimiser.zero_grad()
            loss = torch.nn.functional.mse_loss(m(x[batch]), y[batch])
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        return float(np.mean(losses))

    def validate(m: torch.nn.Module) -> float:
        return torch.nn.functional.mse_loss(m(x[32:]), y[32:]).item()

    result = fit(model, train_step, validate, config, higher_is_better=False)
    return model, result


class _Scripted(torch.nn.Module):
    """A model whose single weight records the epoch that last trained it."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.tensor(-1.0))


def _scripted_fit(values, *, patience=3, epochs=20, cancel_after=None, higher_is_better=True, losses=None):
    model = _Scripted()
    reports: list[EpochReport] = []
    calls = {"cancel": 0}

    def train_step(m: _Scripted, epoch: int) -> float:
        with torch.no_grad():
            m.weight.fill_(float(epoch))
        return 1.0 if losses is None else losses[epoch]

    def validate(m: _Scripted) -> float:
        return values[int(m.weight.item())]

    def cancelled() -> bool:
        calls["cancel"] += 1
        return cancel_after is not None and calls["cancel"] > cancel_after

    config = TrainConfig(epochs=epochs, patience=patience)
    try:
        result = fit(model, train_step, validate, config, higher_is_better=higher_is_better,
                     progress=reports.append, cancelled=cancelled)
    except (Cancelled, ValueError) as error:
        return model, error, reports
    return model, result, reports


def test_same_seed_gives_bit_identical_weights_and_history():
    model_a, result_a = _regression_run(seed=4)
    model_b, result_b = _regression_run(seed=4)
    for (name, a), (_, b) in zip(model_a.state_dict().items(), model_b.state_dict().items()):
        assert torch.equal(a, b), name
    assert result_a.history == result_b.history
    model_c, _ = _regression_run(seed=5)
    assert not torch.equal(model_a[1].weight, model_c[1].weight)


def test_regression_learns_and_ends_on_best_epoch():
    model, result = _regression_run(seed=0, epochs=12)
    vals = [r.val_metric for r in result.history]
    assert result.best_epoch == int(np.argmin(vals))
    assert result.best_val == min(vals)
    assert vals[result.best_epoch] < vals[0]
    assert result.epochs_run == 12 and not result.stopped_early


def test_early_stopping_stops_at_best_plus_patience_and_restores_best():
    values = [0.1, 0.3, 0.5, 0.4, 0.45, 0.2, 0.9, 0.95]
    model, result, reports = _scripted_fit(values, patience=3)
    assert result.best_epoch == 2 and result.best_val == 0.5
    assert result.epochs_run == 2 + 3 + 1 and result.stopped_early
    assert model.weight.item() == 2.0
    assert [r.epoch for r in reports] == list(range(6))
    assert reports == result.history
    assert [r.best_epoch for r in reports] == [0, 1, 2, 2, 2, 2]


def test_lower_is_better_picks_the_minimum():
    values = [5.0, 3.0, 4.0, 1.0, 2.0, 2.0]
    model, result, _ = _scripted_fit(values, patience=10, epochs=6, higher_is_better=False)
    assert result.best_epoch == 3 and result.best_val == 1.0
    assert model.weight.item() == 3.0
    assert result.epochs_run == 6 and not result.stopped_early


def test_cancel_between_epochs_restores_best_state():
    values = [0.2, 0.7, 0.6, 0.5, 0.4, 0.3]
    model, error, reports = _scripted_fit(values, patience=10, cancel_after=4)
    assert isinstance(error, Cancelled)
    assert len(reports) == 4
    assert model.weight.item() == 1.0


def test_nan_train_loss_raises_with_best_state_restored():
    values = [0.2, 0.6, 0.5, 0.4]
    losses = [1.0, 0.9, 0.8, float("nan")]
    model, error, reports = _scripted_fit(values, patience=10, losses=losses)
    assert isinstance(error, ValueError)
    assert "training diverged at epoch 3; lower the learning rate" in str(error)
    assert model.weight.item() == 1.0
    assert len(reports) == 3


def test_nan_val_metric_raises():
    values = [0.2, float("nan")]
    model, error, _ = _scripted_fit(values, patience=10)
    assert isinstance(error, ValueError)
    assert "training diverged at epoch 1" in str(error)
    assert model.weight.item() == 0.0


def test_config_refuses_nonsense():
    with pytest.raises(ValueError, match="patience"):
        TrainConfig(patience=0)
    with pytest.raises(ValueError, match="lr"):
        TrainConfig(lr=0.0)


def test_pick_device():
    assert pick_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device("auto").type == expected
    with pytest.raises(ValueError, match="unknown device"):
        pick_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no usable CUDA GPU"):
            pick_device("cuda")


def test_iterate_minibatches_covers_every_index_once():
    batches = iterate_minibatches(23, 5, np.random.default_rng(1))
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3]
    joined = np.concatenate(batches)
    assert sorted(joined.tolist()) == list(range(23))
    assert joined.tolist() != list(range(23))
    again = iterate_minibatches(23, 5, np.random.default_rng(1))
    assert all(np.array_equal(a, b) for a, b in zip(batches, again))
    assert iterate_minibatches(0, 4, np.random.default_rng(0)) == []
    with pytest.raises(ValueError, match="batch_size"):
        iterate_minibatches(4, 0, np.random.default_rng(0))
