"""What one fine-tuning epoch passes over: every training frame, and a small set again until
the epoch has min_batches batches."""

from __future__ import annotations

import numpy as np

from inference.pose.landmark_finetune import FinetuneConfig, epoch_order


def test_a_small_set_is_passed_over_again_until_the_epoch_is_full():
    config = FinetuneConfig(batch_size=8, min_batches=8)
    order = epoch_order(list(range(9)), config, np.random.default_rng(0))
    assert len(order) == 64
    counts = np.bincount(order, minlength=9)
    assert counts.min() >= 7 and counts.max() <= 8  # whole passes, the last one cut short
    assert sorted(order[:9].tolist()) == list(range(9))  # each pass is a permutation


def test_a_large_set_is_one_pass_in_a_random_order():
    config = FinetuneConfig(batch_size=8, min_batches=8)
    order = epoch_order(list(range(300)), config, np.random.default_rng(0))
    assert sorted(order.tolist()) == list(range(300)) and order.tolist() != list(range(300))
    assert epoch_order([], config, np.random.default_rng(0)).size == 0
