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


def test_history_frame_defaults_and_full_rows() -> None:
    frame = curves.history_frame(
        {"epoch": [1, 2], "train_error": [0.3, 0.2], "eval_error": [0.4, 0.1]}
    )
    assert frame.to_dict("records") == [
        {"run": "run", "epoch": 1, "metric": "error", "set": "training", "value": 0.3},
        {"run": "run", "epoch": 2, "metric": "error", "set": "training", "value": 0.2},
        {"run": "run", "epoch": 1, "metric": "error", "set": "validation", "value": 0.4},
        {"run": "run", "epoch": 2, "metric": "error", "set": "validation", "value": 0.1},
    ]
    # A training column missing (loss here) leaves the other metric's rows in place.
    partial = curves.history_frame({"epoch": [1], "eval_loss": [0.5], "train_error": [0.3]})
    assert sorted(zip(partial["metric"], partial["set"], strict=True)) == [
        ("error", "training"),
        ("loss", "validation"),
    ]


def test_histories_with_columns_of_different_lengths_are_refused() -> None:
    ragged = {"epoch": [1, 2, 3], "train_error": [0.1, 0.2], "eval_error": [0.1, 0.2, 0.3]}
    with pytest.raises(ValueError):
        curves.history_frame(ragged)
    with pytest.raises(ValueError):
        curves.gap_frame({"a": ragged})
    with pytest.raises(ValueError):
        curves.best_epoch({"epoch": [1, 2], "eval_error": [0.1]})


def test_histories_without_columns_have_no_rows() -> None:
    assert curves.best_epoch({}) is None
    assert curves.gap_frame({"a": {}}).empty
    assert curves.loss_turn({}) is None
    assert curves.history_frame({}).empty
    assert list(curves.curves_frame({}).columns) == ["run", "epoch", "metric", "set", "value"]


def test_curves_frame_names_each_runs_evaluation_set_and_numbers_rows_once() -> None:
    frame = curves.curves_frame({"a": HISTORY, "b": HISTORY}, splits={"b": "test"})
    assert set(frame.loc[frame["run"] == "a", "set"]) == {"training", "validation"}
    assert set(frame.loc[frame["run"] == "b", "set"]) == {"training", "test"}
    assert frame.index.tolist() == list(range(32))  # one row number per row, not per run
    assert curves.curves_frame({"a": {"epoch": []}, "b": HISTORY})["run"].unique().tolist() == ["b"]


def test_gap_frame_has_one_row_per_epoch_with_both_values() -> None:
    frame = curves.gap_frame({"a": HISTORY}, metric="loss")
    assert list(frame.columns) == ["run", "epoch", "train", "eval", "gap"]
    assert frame.iloc[2].to_dict() == {
        "run": "a",
        "epoch": 3,
        "train": 0.1,
        "eval": 0.35,
        "gap": pytest.approx(0.25),
    }
    with pytest.raises(ValueError, match=r"^invalid metric='accuracy': allowed: error, loss$"):
        curves.gap_frame({"a": HISTORY}, metric="accuracy")


def test_log_scale_keeps_the_other_columns_and_renumbers() -> None:
    frame = pd.DataFrame({"value": [0.0, 0.1, 0.0, 0.2], "run": list("abcd")})
    kept, dropped = curves.log_scale_ready(frame)
    assert list(kept.columns) == ["value", "run"] and kept.index.tolist() == [0, 1]
    assert kept["run"].tolist() == ["b", "d"] and dropped == 2
    assert curves.log_scale_ready(pd.DataFrame({"value": [0.5]}))[1] == 0


def test_run_label_adds_the_code_version_only_when_both_are_known_and_differ() -> None:
    config = RunConfig()
    assert curves.run_label(config, code_version="2", current="2") == config.label()
    assert curves.run_label(config, code_version="1") == config.label()
    assert curves.run_label(config, current="2") == config.label()
    assert curves.run_label(config, code_version="1", current="2") == f"{config.label()} code v1"


def test_prefix_difference_of_one_common_epoch_and_of_none() -> None:
    assert curves.prefix_difference({"eval_error": [0.1]}, {"eval_error": [0.3, 0.2]}) == (
        1,
        pytest.approx(0.2),
    )
    common, difference = curves.prefix_difference({"eval_error": []}, HISTORY)
    assert common == 0 and math.isnan(difference)
    assert curves.prefix_difference({}, HISTORY)[0] == 0
    assert curves.prefix_difference(HISTORY, HISTORY, column="train_loss") == (4, 0.0)


def test_loss_turn_reads_the_last_training_loss_and_skips_non_finite_losses() -> None:
    history = {
        "epoch": [1, 2, 3],
        "train_loss": [0.5, 0.3, 0.2],
        "eval_loss": [math.nan, 0.2, 0.25],
    }
    turn = curves.loss_turn(history)
    assert (turn.best_epoch, turn.best_eval_loss) == (2, 0.2)
    assert (turn.final_eval_loss, turn.final_train_loss) == (0.25, 0.2)
    assert curves.loss_turn({"epoch": [1], "train_loss": [1.0], "eval_loss": [math.inf]}) is None
