"""mlp_core.report.curves: learning-curve frames, best epoch, gap, labels."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mlp_core.config import RunConfig
from mlp_core.engine.progress import BatchEnd, EpochEnd, EpochRow
from mlp_core.report import curves
from mlp_core.results import HISTORY_COLUMNS

HISTORY = {
    "epoch": [1, 2, 3, 4],
    "train_loss": [0.5, 0.2, 0.1, 0.05],
    "train_error": [0.10, 0.05, 0.02, 0.0],
    "eval_loss": [0.4, 0.3, 0.35, 0.5],
    "eval_error": [0.12, 0.08, 0.08, 0.09],
    "seconds": [1.0, 1.0, 1.0, 1.0],
}


def test_best_epoch_is_the_first_minimum_of_evaluation_error() -> None:
    best = curves.best_epoch(HISTORY)
    assert (best.epoch, best.eval_error, best.final_eval_error, best.epochs) == (2, 0.08, 0.09, 4)
    assert best.rise == pytest.approx(0.01)


def test_best_epoch_ignores_non_finite_errors_and_empty_histories() -> None:
    history = {"epoch": [1, 2, 3], "eval_error": [math.nan, 0.2, 0.1]}
    assert curves.best_epoch(history).epoch == 3
    assert curves.best_epoch({"epoch": [], "eval_error": []}) is None


def test_history_frame_is_long_with_one_row_per_epoch_metric_and_set() -> None:
    frame = curves.history_frame(HISTORY, run="a")
    assert list(frame.columns) == ["run", "epoch", "metric", "set", "value"]
    assert len(frame) == 4 * 2 * 2
    validation = frame[(frame["metric"] == "error") & (frame["set"] == "validation")]
    assert validation["value"].tolist() == HISTORY["eval_error"]
    training_loss = frame[(frame["metric"] == "loss") & (frame["set"] == "training")]
    assert training_loss["value"].tolist() == HISTORY["train_loss"]


def test_test_split_names_the_evaluation_set_test() -> None:
    frame = curves.history_frame(HISTORY, split="test")
    assert set(frame["set"]) == {"training", "test"}


def test_curves_frame_stacks_runs_and_handles_none() -> None:
    frame = curves.curves_frame({"a": HISTORY, "b": HISTORY})
    assert frame["run"].value_counts().to_dict() == {"a": 16, "b": 16}
    assert curves.curves_frame({}).empty


def test_gap_is_evaluation_minus_training() -> None:
    gaps = curves.gap_frame({"a": HISTORY})
    expected = [e - t for e, t in zip(HISTORY["eval_error"], HISTORY["train_error"], strict=True)]
    assert gaps["gap"].tolist() == pytest.approx(expected)
    with pytest.raises(ValueError, match="metric"):
        curves.gap_frame({"a": HISTORY}, metric="accuracy")


def test_best_epochs_frame_has_one_row_per_run() -> None:
    frame = curves.best_epochs_frame({"a": HISTORY, "empty": {"epoch": [], "eval_error": []}})
    assert frame.to_dict("records") == [
        {
            "run": "a",
            "epochs": 4,
            "best_epoch": 2,
            "best_eval_error": 0.08,
            "final_eval_error": 0.09,
            "rise": pytest.approx(0.01),
        }
    ]


def test_history_from_events_keeps_the_rows_of_epoch_events_only() -> None:
    rows = [
        EpochRow(epoch, 0.5, 0.4 - epoch / 10, 0.6, 0.3 - epoch / 10, 1e-3, 2.0) for epoch in (1, 2)
    ]
    events = [
        BatchEnd(1, 0.5),
        EpochEnd(1, (rows[0],), active=1, train_seconds=1.0),
        EpochEnd(2, (rows[1],), active=1, train_seconds=1.0),
        EpochEnd(3, (None,), active=0, train_seconds=1.0),  # diverged in epoch 3: no row
        {"kind": "done"},
    ]
    history = curves.history_from_events(events)
    assert list(history) == list(HISTORY_COLUMNS)
    assert history["epoch"] == [1, 2]
    assert history["eval_error"] == [0.3 - 0.1, 0.3 - 0.2]
    assert history["train_error"] == [0.4 - 0.1, 0.4 - 0.2]


def test_log_scale_drops_zero_values_and_counts_them() -> None:
    frame = pd.DataFrame({"value": [0.1, 0.0, 0.2, 0.0]})
    kept, dropped = curves.log_scale_ready(frame)
    assert kept["value"].tolist() == [0.1, 0.2] and dropped == 2


def test_run_label_names_non_default_fields_and_old_code() -> None:
    config = RunConfig(epochs=100, dropout=0.2, dataset="fashion_mnist")
    label = curves.run_label(config, code_version="0", current="1")
    assert label.startswith(config.label())
    assert "fashion_mnist" in label and "dropout=0.2" in label and label.endswith("code v0")
    assert curves.run_label(RunConfig()) == RunConfig().label()


def test_prefix_difference_compares_the_common_epochs() -> None:
    longer = {**HISTORY, "eval_error": [*HISTORY["eval_error"], 0.5]}
    assert curves.prefix_difference(HISTORY, longer) == (4, 0.0)
    shifted = {"eval_error": [0.12, 0.09]}
    common, difference = curves.prefix_difference(HISTORY, shifted)
    assert common == 2 and difference == pytest.approx(0.01)


def test_loss_turn_finds_the_minimum_validation_loss_and_the_rise():
    history = {
        "epoch": [1, 2, 3, 4],
        "train_loss": [0.5, 0.2, 0.1, 0.05],
        "eval_loss": [0.4, 0.1, 0.15, 0.3],
    }
    turn = curves.loss_turn(history)
    assert (turn.best_epoch, turn.best_eval_loss, turn.final_eval_loss) == (2, 0.1, 0.3)
    assert turn.ratio == pytest.approx(3.0)
    assert curves.loss_turn({"epoch": [], "train_loss": [], "eval_loss": []}) is None
