"""Trainer: shapes, learning, determinism, early stopping, divergence, cancel."""

from __future__ import annotations

import itertools
import math
from dataclasses import astuple

import pytest
import torch

from mlp_core.config import RunConfig
from mlp_core.engine.model import MLP, build_model, count_parameters
from mlp_core.engine.progress import ROW_COLUMNS, BatchEnd, EpochEnd
from mlp_core.engine.train import train
from mlp_core.results import HISTORY_COLUMNS

TINY = {"hidden": (32,), "batch_size": 50, "epochs": 5, "validation_size": 200}


@pytest.mark.parametrize("hidden", [(), (16,), (16, 8), (16, 8, 4)])
def test_model_shapes_for_depth_0_to_3(hidden):
    model = MLP(RunConfig(hidden=hidden))
    assert model(torch.rand(3, 28, 28)).shape == (3, 10)
    linear = [layer for layer in model.layers if isinstance(layer, torch.nn.Linear)]
    assert len(linear) == len(hidden) + 1
    widths = (784, *hidden, 10)
    assert count_parameters(model) == sum(a * b + b for a, b in itertools.pairwise(widths))


def test_handout_model_has_the_handout_parameter_count():
    assert count_parameters(build_model(RunConfig())) == 784 * 500 + 500 + 500 * 300 + 300 + 3010


def test_tiny_run_learns(tiny_split):
    result = train(RunConfig(**TINY), split=tiny_split)
    losses = result.history["train_loss"]
    assert result.status == "finished"
    assert losses[-1] < 0.5 * losses[0]
    assert result.eval_error < 0.2  # chance is 0.9
    assert set(result.history) == set(HISTORY_COLUMNS)
    assert len(result.predictions) == 200 and result.predictions.dtype.name == "uint8"
    assert result.metrics.eval_errors == int(
        (result.predictions != tiny_split.eval_labels.numpy()).sum()
    )
    provenance = result.provenance.to_dict()
    assert all(provenance[name] is not None for name in ("torch", "device", "date", "seconds"))


def test_same_seed_same_run_on_cpu(tiny_split):
    first = train(RunConfig(**TINY), split=tiny_split)
    second = train(RunConfig(**TINY), split=tiny_split)
    other_seed = train(RunConfig(**TINY, seed=1), split=tiny_split)
    assert first.history["train_loss"] == second.history["train_loss"]
    assert (first.predictions == second.predictions).all()
    assert first.history["train_loss"] != other_seed.history["train_loss"]


def test_early_stopping_restores_the_best_epoch(tiny_split):
    # Adam at 0.2 overshoots on the tiny set: validation error is lowest at epoch 2 and higher when
    # patience stops the run, so the weights kept must be the best epoch's, not the last ones.
    config = RunConfig(
        **{**TINY, "epochs": 30},
        stopping="patience",
        patience=3,
        optimizer="adam",
        learning_rate=0.2,
    )
    result = train(config, split=tiny_split)
    errors = result.history["eval_error"]
    best = min(range(len(errors)), key=errors.__getitem__) + 1
    assert errors[-1] > errors[best - 1]  # the run did get worse: there is something to restore
    assert result.best_epoch == best
    assert result.metrics.kept_epoch == best
    assert result.metrics.epochs_run == best + 3  # stopped after `patience` epochs without progress
    assert result.eval_error == pytest.approx(errors[best - 1])  # weights of the best epoch
    labels = tiny_split.eval_labels.numpy()
    assert int((result.predictions != labels).sum()) == round(errors[best - 1] * len(labels))
    assert result.metrics.train_error == result.history["train_error"][best - 1]


def test_divergence_is_recorded_not_raised(tiny_split):
    config = RunConfig(**TINY, optimizer="sgd", learning_rate=100.0)
    result = train(config, split=tiny_split)
    assert result.status == "diverged"
    assert result.metrics.diverged_epoch >= 1
    assert math.isnan(result.eval_error)
    assert result.metrics.eval_errors is None


def test_cancel_stops_the_run(tiny_split):
    calls = []

    def stop_after_three() -> bool:
        calls.append(1)
        return len(calls) > 3

    result = train(RunConfig(**TINY), split=tiny_split, should_stop=stop_after_three)
    assert result.status == "cancelled"
    assert len(calls) == 4
    assert result.history["epoch"] == []


def test_progress_reports_every_epoch_with_its_history_row(tiny_split):
    events = []
    result = train(RunConfig(**{**TINY, "batch_size": 5}), split=tiny_split, progress=events.append)
    epochs = [event for event in events if isinstance(event, EpochEnd)]
    assert [event.epoch for event in epochs] == [1, 2, 3, 4, 5]
    assert all(event.models == 1 and event.train_seconds > 0 for event in epochs)
    rows = [astuple(event.row) for event in epochs]
    assert rows == list(zip(*(result.history[column] for column in HISTORY_COLUMNS), strict=True))
    batches = [event for event in events if isinstance(event, BatchEnd)]  # 120 batches per epoch
    assert [(event.epoch, event.fraction) for event in batches[:2]] == [
        (1, 100 / 120),
        (2, 100 / 120),
    ]


def test_epoch_events_say_when_patience_runs_out(tiny_split):
    config = RunConfig(
        **{**TINY, "epochs": 30},
        stopping="patience",
        patience=2,
        optimizer="sgd",
        learning_rate=2.0,
    )
    events = []
    result = train(config, split=tiny_split, progress=events.append)
    actives = [event.active for event in events if isinstance(event, EpochEnd)]
    assert len(actives) == result.metrics.epochs_run < 30
    assert actives == [1] * (len(actives) - 1) + [0]


def test_an_epoch_row_has_the_history_columns():
    assert ROW_COLUMNS == HISTORY_COLUMNS


def test_cosine_schedule_decays_to_zero(tiny_split):
    result = train(RunConfig(**TINY, schedule="cosine"), split=tiny_split)
    rates = result.history["learning_rate"]
    assert rates[0] < 1e-3 and rates[-1] == pytest.approx(0.0, abs=1e-12)
    assert rates == sorted(rates, reverse=True)


@pytest.mark.parametrize(
    "optimizer", ["sgd", "sgd_momentum", "adadelta", "adagrad", "adam", "adamw", "rmsprop"]
)
def test_every_optimizer_trains(tiny_split, optimizer):
    from mlp_core.choices import DEFAULT_LEARNING_RATES

    config = RunConfig(
        **{**TINY, "epochs": 2},
        optimizer=optimizer,
        learning_rate=DEFAULT_LEARNING_RATES[optimizer],
    )
    assert train(config, split=tiny_split).status == "finished"


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu"])
def test_every_activation_trains_with_dropout(tiny_split, activation):
    config = RunConfig(
        **{**TINY, "epochs": 1}, activation=activation, dropout=0.2, input_dropout=0.1
    )
    assert train(config, split=tiny_split).status == "finished"


@pytest.mark.slow
def test_handout_experiment_one_epoch_on_real_mnist():
    result = train(RunConfig(epochs=1))
    assert result.eval_error < 0.06


LOOP_OPTIMIZERS = {  # PyTorch's CPU default: a Python loop over the module's parameters
    "sgd": lambda params, lr: torch.optim.SGD(params, lr=lr, weight_decay=1e-4, foreach=False),
    "sgd_momentum": lambda params, lr: torch.optim.SGD(
        params, lr=lr, momentum=0.9, weight_decay=1e-4, foreach=False
    ),
    "adadelta": lambda params, lr: torch.optim.Adadelta(
        params, lr=lr, weight_decay=1e-4, foreach=False
    ),
    "adagrad": lambda params, lr: torch.optim.Adagrad(
        params, lr=lr, weight_decay=1e-4, foreach=False
    ),
    "adam": lambda params, lr: torch.optim.Adam(params, lr=lr, weight_decay=1e-4, foreach=False),
    "adamw": lambda params, lr: torch.optim.AdamW(params, lr=lr, weight_decay=1e-4, foreach=False),
    "rmsprop": lambda params, lr: torch.optim.RMSprop(
        params, lr=lr, weight_decay=1e-4, foreach=False
    ),
}


@pytest.mark.parametrize("optimizer", sorted(LOOP_OPTIMIZERS))
def test_engine_steps_match_autograd_and_pytorchs_default_optimizer(optimizer):
    """The engine (hand-written backprop, flat buffer, fused or foreach optimizer, flushed
    denormals) follows the handout's way (autograd, PyTorch's default optimizer loop over the
    module's parameters) to float32 rounding."""
    from mlp_core.choices import DEFAULT_LEARNING_RATES
    from mlp_core.engine.backprop import Backprop
    from mlp_core.engine.denormals import denormals_flushed
    from mlp_core.engine.train import make_optimizer

    rate = DEFAULT_LEARNING_RATES[optimizer]
    config = RunConfig(hidden=(20,), optimizer=optimizer, learning_rate=rate, weight_decay=1e-4)
    inputs, labels = torch.rand(300, 784), torch.randint(0, 10, (300,))
    batches = [slice(start, start + 50) for start in range(0, 300, 50)]

    engine = build_model(config)
    backprop = Backprop(engine, config.activation)
    updater = make_optimizer(config, backprop.parameters)
    with denormals_flushed():
        for batch in batches:
            backprop.step_gradients(inputs[batch], labels[batch])
            getattr(updater, "update", updater.step)()

    reference = build_model(config)
    loop = LOOP_OPTIMIZERS[optimizer](reference.parameters(), rate)
    for batch in batches:
        loss = torch.nn.functional.cross_entropy(reference(inputs[batch]), labels[batch])
        loop.zero_grad()
        loss.backward()
        loop.step()

    for ours, theirs in zip(engine.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)
