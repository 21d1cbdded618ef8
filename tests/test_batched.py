"""Stacked training equals one-at-a-time training: same histories, errors and predictions.

Tolerance 1e-4 on every history value (losses, error rates, learning rates): stacking changes only
the summation order of the matrix products, so the two paths agree to float32 rounding on a tiny
problem (they agree to ~1e-6 here).
"""

from __future__ import annotations

from dataclasses import astuple, replace

import pytest
import torch
from conftest import synthetic_split

from mlp_core.choices import ACTIVATIONS, DEFAULT_LEARNING_RATES, OPTIMIZERS
from mlp_core.config import RunConfig
from mlp_core.engine.batched import train_stack
from mlp_core.engine.progress import EpochEnd
from mlp_core.engine.stack import Stack, group_configs, stack_key
from mlp_core.engine.stacked_optimizers import StackedOptimizer
from mlp_core.engine.train import train
from mlp_core.results import HISTORY_COLUMNS

TINY = RunConfig(hidden=(16, 8), batch_size=50, epochs=3, validation_size=200)
COMPARED = ("train_loss", "train_error", "eval_loss", "eval_error", "learning_rate")


@pytest.fixture(autouse=True)
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def assert_same_runs(singles, stacked) -> None:
    for one, many in zip(singles, stacked, strict=True):
        assert many.config == one.config
        assert (many.status, many.best_epoch) == (one.status, one.best_epoch)
        assert many.metrics.epochs_run == one.metrics.epochs_run
        assert many.metrics.diverged_epoch == one.metrics.diverged_epoch
        for column in COMPARED:
            assert many.history[column] == pytest.approx(one.history[column], abs=1e-4), column
        if one.status == "finished":
            assert many.metrics.eval_errors == one.metrics.eval_errors
            assert (many.predictions == one.predictions).all()
            assert many.confidence == pytest.approx(one.confidence, abs=1e-3)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_stack_of_seeds_widths_and_activations_equals_single_runs(optimizer):
    split = synthetic_split()
    rate = DEFAULT_LEARNING_RATES[optimizer]
    base = replace(TINY, optimizer=optimizer, weight_decay=1e-3, schedule="cosine")
    configs = [  # different seeds, learning rates, widths (padded to 16) and activations
        replace(base, seed=0, learning_rate=rate),
        replace(base, seed=1, learning_rate=rate / 2, hidden=(8, 8), activation="tanh"),
        replace(base, seed=2, learning_rate=rate, hidden=(12, 4), activation="sigmoid"),
    ]
    assert_same_runs([train(c, split=split) for c in configs], train_stack(configs, split=split))


def test_stack_of_optimizers_and_all_activations_equals_single_runs():
    split = synthetic_split()
    configs = [
        replace(TINY, optimizer=optimizer, learning_rate=DEFAULT_LEARNING_RATES[optimizer],
                activation=activation, seed=index)
        for index, (optimizer, activation) in enumerate(zip(OPTIMIZERS[::-1], ACTIVATIONS, strict=False))
    ]  # fmt: skip
    stacked = train_stack(configs, split=split)
    assert [result.config for result in stacked] == configs  # results come back in the order given
    assert_same_runs([train(c, split=split) for c in configs], stacked)


def test_patience_and_divergence_are_decided_per_model():
    split = synthetic_split()
    base = replace(TINY, hidden=(16,), epochs=30, optimizer="sgd", stopping="patience", patience=3)
    configs = [
        replace(base, seed=0, learning_rate=2.0),  # bounces: stops early, best epoch restored
        replace(base, seed=1, learning_rate=80.0),  # diverges in epoch 1
        replace(base, seed=2, learning_rate=0.05),  # slow: runs longer
    ]
    singles = [train(c, split=split) for c in configs]
    assert [r.status for r in singles] == ["finished", "diverged", "finished"]
    assert singles[0].metrics.epochs_run != singles[2].metrics.epochs_run
    assert_same_runs(singles, train_stack(configs, split=split))


def test_a_cancelled_stack_returns_only_cancelled_runs():
    configs = [replace(TINY, seed=seed) for seed in range(3)]
    results = train_stack(configs, split=synthetic_split(), should_stop=lambda: True)
    assert [result.status for result in results] == ["cancelled"] * 3


def test_grouping_stacks_compatible_runs_only():
    a = replace(TINY, hidden=(10,))
    runs = [a, replace(a, seed=1, optimizer="sgd", activation="tanh"), replace(a, hidden=(20,)),
            replace(a, hidden=(10, 10)), replace(a, dropout=0.2), replace(a, epochs=5)]  # fmt: skip
    exact = group_configs(runs)
    assert exact[0] == runs[:2] and [len(group) for group in exact] == [2, 1, 1, 1, 1]
    padded = group_configs(runs, pad=True)
    assert set(padded[0]) == set(runs[:3])  # widths 10 and 20 share a stack
    assert stack_key(runs[4]) is None  # dropout masks could not match `train`'s
    assert [len(group) for group in group_configs([a] * 5, max_stack=2)] == [2, 2, 1]


def test_padding_stays_zero_and_a_mixed_depth_stack_is_refused():
    configs = [replace(TINY, hidden=(4, 8)), replace(TINY, hidden=(16, 8), seed=1)]
    stack = Stack(configs, torch.device("cpu"))
    assert stack.mask is not None
    first_layer = stack.parameters()["layers.0.weight"]  # (models, 16, 784)
    assert first_layer.shape == (2, 16, 784) and (first_layer[0, 4:] == 0).all()
    with pytest.raises(ValueError, match="depth"):
        train_stack([TINY, replace(TINY, hidden=(8,))], split=synthetic_split())
    with pytest.raises(ValueError, match="optimizer"):
        StackedOptimizer("lbfgs", torch.zeros(1, 3), torch.ones(1), 0.0)


def test_a_stack_reports_each_models_row_in_the_order_given():
    split = synthetic_split()
    base = replace(TINY, hidden=(16,), epochs=4, optimizer="sgd")
    configs = [  # sorted inside the stack by (activation, optimizer): tanh/sgd after relu/adam
        replace(base, seed=0, activation="tanh", learning_rate=0.1),
        replace(base, seed=1, learning_rate=80.0),  # diverges in epoch 1
        replace(base, seed=2, optimizer="adam", learning_rate=1e-3),
    ]
    events = []
    results = train_stack(configs, split=split, progress=events.append)
    epochs = [event for event in events if isinstance(event, EpochEnd)]
    assert [event.epoch for event in epochs] == [1, 2, 3, 4]
    assert all(event.models == 3 and event.active == 2 for event in epochs)
    for model, result in enumerate(results):
        rows = [event.rows[model] for event in epochs]
        if result.status == "diverged":
            assert rows == [None] * 4
            continue
        recorded = [astuple(row) for row in rows]
        history = zip(*(result.history[column] for column in HISTORY_COLUMNS), strict=True)
        assert recorded == list(history)
