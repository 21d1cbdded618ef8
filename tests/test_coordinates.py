"""Parallel coordinates (`mlp_core.report.coordinates`): axes normalised on their own, and a brush
keeps exactly the runs that pass through it on every axis it covers."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from synthetic_runs import stored_run

from mlp_core.config import RunConfig
from mlp_core.report import analysis, coordinates
from mlp_core.store.index import index_frame

BASE = RunConfig()
CONFIGS = [
    replace(BASE, hidden=(100,)),  # 60 errors: 1.00%
    replace(BASE, hidden=(800, 800)),  # 120: 2.00%
    replace(BASE, hidden=(500, 300)),  # 240: 4.00%, the handout's unequal widths
    replace(BASE, hidden=(100,), optimizer="sgd", learning_rate=0.1),  # 480: 8.00%
    replace(BASE, epochs=100, stopping="patience"),  # 90: 1.50%
]
ERRORS = [60, 120, 240, 480, 90]


def runs_of(configs=CONFIGS, errors=ERRORS, **kwargs):
    entries = [
        stored_run(config, count, key=f"{index:016d}")
        for index, (config, count) in enumerate(zip(configs, errors, strict=True))
    ]
    frame = analysis.runs_frame(index_frame(entries))
    return coordinates.coordinate_runs(frame, configs, **kwargs)


def test_every_run_is_one_row_with_its_levels():
    runs = runs_of()
    assert list(runs["eval_errors"]) == sorted(ERRORS)  # lowest error first
    by_key = runs.set_index("key")
    assert by_key.loc["0000000000000002", "width_level"] == "500-300"
    assert by_key.loc["0000000000000001", "width_level"] == "800"
    assert by_key.loc["0000000000000003", "optimizer_level"] == "sgd 0.1"
    assert by_key.loc["0000000000000004", "stopping_level"] == "patience 5 (max 100)"
    named = runs_of(stopping_label=lambda rule, epochs, patience: f"{rule}/{epochs}/{patience}")
    assert set(named["stopping_level"]) == {"fixed/20/5", "patience/100/5"}


def test_axes_are_normalised_each_on_its_own():
    positions = coordinates.axis_positions(runs_of())
    assert positions["position"].between(0, 1).all()
    assert len(positions) == len(CONFIGS) * len(coordinates.AXES)
    width = positions[positions["axis"] == "width"].drop_duplicates("level")
    width = width.set_index("level")["position"]
    # Levels 100 < 500-300 < 800, evenly spaced (equal widths before unequal ones of a width).
    assert (width["100"], width["500-300"], width["800"]) == pytest.approx((0, 0.5, 1))
    error = positions[positions["axis"] == "error"].set_index("key")["position"]
    # Logarithmic between 1% and 8%: 2% and 4% sit at 1/3 and 2/3.
    assert error["0000000000000001"] == pytest.approx(1 / 3)
    assert error["0000000000000002"] == pytest.approx(2 / 3)
    assert (error.min(), error.max()) == pytest.approx((0, 1))


def test_ticks_label_every_level_and_the_error_range():
    ticks = coordinates.axis_ticks(runs_of())
    assert list(ticks[ticks["axis"] == "depth"]["label"]) == ["1", "2"]
    errors = ticks[ticks["axis"] == "error"]
    assert list(errors["value"]) == [0.01, 0.015, 0.02, 0.03, 0.05, 0.07]
    assert errors["position"].iloc[0] == pytest.approx(0)
    assert errors["position"].iloc[2] == pytest.approx(math.log(2) / math.log(8))


def test_a_brush_keeps_the_runs_passing_through_it_on_every_covered_axis():
    runs = runs_of()
    positions = coordinates.axis_positions(runs)
    everyone = list(runs["key"])
    assert coordinates.brushed(positions, None) == everyone
    assert coordinates.brushed(positions, {}) == everyone
    between = {"axis_index": [3.3, 3.7], "position": [0, 1]}  # between two axes: no filter
    assert coordinates.brushed(positions, between) == everyone
    width = coordinates.AXES.index("width")
    top = {"axis_index": [width + 0.1, width - 0.1], "position": [1.0, 0.4]}  # either order
    # Widths 500-300 (the patience run's too) and 800, lowest error first.
    assert coordinates.brushed(positions, top) == [
        "0000000000000004", "0000000000000001", "0000000000000002",
    ]  # fmt: skip
    assert coordinates.brushed_axes(top) == ["width"]
    # Width and stopping axes covered together: a run must pass on both (stopping: "fixed 20"
    # at 0, "patience" at 1; the box keeps 0.4..1 on both axes).
    both = {"axis_index": [width - 0.1, width + 1.1], "position": [0.4, 1.0]}
    assert coordinates.brushed(positions, both) == ["0000000000000004"]
    low_width = {"axis_index": [width - 0.1, width + 1.1], "position": [-0.1, 0.6]}
    assert coordinates.brushed(positions, low_width) == [
        "0000000000000000", "0000000000000002", "0000000000000003",
    ]  # fmt: skip


def test_runs_outside_the_studied_cells_diverged_or_on_test_are_left_out():
    extra = [replace(BASE, hidden=(64,)), replace(BASE, split="test")]
    entries = [stored_run(config, 50, key=f"{9:015d}{i}") for i, config in enumerate(extra)]
    entries.append(stored_run(CONFIGS[0], 0, key="f" * 16, status="diverged"))
    frame = analysis.runs_frame(index_frame(entries))
    left = coordinates.coordinate_runs(frame, [*CONFIGS, extra[1]])
    assert left.empty and list(left.columns) == coordinates.RUN_COLUMNS


def test_a_brush_edge_exactly_on_an_axis_or_a_level_still_counts():
    runs = runs_of()
    positions = coordinates.axis_positions(runs)
    width = coordinates.AXES.index("width")
    # A box from the width axis exactly to the stopping axis covers both; positions 0.5 and 1
    # (500-300 and 800 on width, fixed 20 at 0 and patience at 1 on stopping) sit on its edges.
    edges = {"axis_index": [width, width + 1], "position": [0.5, 1.0]}
    assert coordinates.brushed(positions, edges) == ["0000000000000004"]
    assert coordinates.brushed_axes(edges) == ["width", "stopping"]
    on_level = {"axis_index": [width, width], "position": [0.5, 0.5]}  # only 500-300 passes
    assert coordinates.brushed(positions, on_level) == ["0000000000000004", "0000000000000002"]
    # A selection with only one of its two fields filters nothing and names no axis.
    assert coordinates.brushed(positions, {"axis_index": [width, width]}) == list(runs["key"])
    assert coordinates.brushed(positions, {"position": [0.5, 0.5]}) == list(runs["key"])
    assert coordinates.brushed_axes({"position": [0, 1]}) == []
    assert coordinates.brushed_axes(None) == []


def test_levels_name_weight_decay_and_order_activations_and_stopping_naturally():
    configs = [
        replace(BASE, activation="tanh"),
        replace(BASE, activation="sigmoid", weight_decay=1e-4),
        replace(BASE, epochs=100, stopping="patience", patience=3),
        replace(BASE, epochs=50),
    ]
    runs = runs_of(configs, [100, 110, 120, 130])
    assert set(runs["optimizer_level"]) == {"adam 0.001", "adam 0.001 wd 0.0001"}
    assert coordinates.english_stopping("fixed", 20, 5) == "fixed 20"
    assert coordinates.english_stopping("patience", 100, 3) == "patience 3 (max 100)"
    ticks = coordinates.axis_ticks(runs)
    labels = {axis: list(ticks[ticks["axis"] == axis]["label"]) for axis in coordinates.AXES[:-1]}
    assert labels["activation"] == ["relu", "sigmoid", "tanh"]
    assert labels["stopping"] == ["fixed 20", "fixed 50", "patience 3 (max 100)"]
    assert list(ticks["axis_index"].drop_duplicates()) == list(range(len(coordinates.AXES)))
    # Unequal widths sort after the equal ones of their first width; no hidden layer is "none".
    assert coordinates.coordinate_runs(
        analysis.runs_frame(index_frame([stored_run(replace(BASE, hidden=()), 400, key="a" * 16)])),
        [replace(BASE, hidden=())],
    )["width_level"].tolist() == ["none"]


def test_one_run_still_has_an_error_axis_with_two_labels_and_empty_inputs_keep_their_columns():
    runs = runs_of(CONFIGS[:1], ERRORS[:1])
    ticks = coordinates.axis_ticks(runs)
    errors = ticks[ticks["axis"] == "error"]
    assert list(errors["value"]) == pytest.approx([0.01, 0.0101])  # low and low * 1.01
    assert list(errors["position"]) == pytest.approx([0.0, 1.0])
    assert (errors["label"] == "").all() and ticks[ticks["axis"] != "error"]["value"].isna().all()
    positions = coordinates.axis_positions(runs)
    assert list(positions.index) == list(range(len(coordinates.AXES)))
    assert list(positions[positions["axis"] == "error"]["level"]) == [""]
    empty = coordinates.coordinate_runs(analysis.runs_frame(index_frame([])), CONFIGS)
    assert list(empty.columns) == coordinates.RUN_COLUMNS
    assert list(coordinates.axis_positions(empty).columns) == [
        "key", "axis", "axis_index", "position", "level", "eval_error",
    ]  # fmt: skip
    assert list(coordinates.axis_ticks(empty).columns) == [
        "axis", "axis_index", "position", "label", "value",
    ]  # fmt: skip
    assert list(runs_of().index) == list(range(len(CONFIGS)))
    assert list(runs_of().columns) == coordinates.RUN_COLUMNS


def test_equal_widths_come_before_unequal_ones_and_fixed_before_patience_whatever_the_epochs():
    configs = [
        replace(BASE, hidden=(500, 300)),
        replace(BASE, hidden=(500, 500)),
        replace(BASE, epochs=200),
        replace(BASE, epochs=100, stopping="patience"),
    ]
    ticks = coordinates.axis_ticks(runs_of(configs, [60, 90, 100, 120]))
    assert list(ticks[ticks["axis"] == "width"]["label"]) == ["500", "500-300"]
    assert list(ticks[ticks["axis"] == "stopping"]["label"]) == [
        "fixed 20", "fixed 200", "patience 5 (max 100)",
    ]  # fmt: skip
    # Errors from exactly 1% to exactly 2%: both ends are labels.
    errors = ticks[ticks["axis"] == "error"]
    assert list(errors["value"]) == [0.01, 0.015, 0.02]
