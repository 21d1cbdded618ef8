"""Parallel coordinates of exercise 2: every stored run across all factors at once.

One line per finished validation run of the studied cells (any seed), crossing one vertical axis
per factor (`AXES`): optimizer (with its learning rate, and weight decay when not 0), activation,
hidden layers, neurons per layer, stopping rule, and its validation error. Each axis is normalised
to [0, 1] on its own: a factor's levels evenly spaced in their natural order, the error on a
logarithmic scale between the lowest and the highest stored error (a starved optimizer's 20% would
squash a linear axis's 1-3%). `axis_ticks` gives each axis its own labels.

A brush is an interval over axis indexes and positions, as the chart's selection reports it;
`brushed` keeps the runs that pass through it on *every* axis it covers. No torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from mlp_core.choices import ACTIVATIONS, OPTIMIZERS
from mlp_core.config import RunConfig
from mlp_core.report.analysis import cell_of

#: The axes, left to right (``error`` is the validation error, always last).
AXES: tuple[str, ...] = ("optimizer", "activation", "depth", "width", "stopping", "error")
#: Columns of `coordinate_runs`.
RUN_COLUMNS = [
    "key", "seed", "optimizer", "learning_rate", "weight_decay", "activation", "hidden", "depth",
    "width", "epochs", "stopping", "patience", "epochs_run", "eval_error", "eval_errors",
    "eval_size", *(f"{axis}_level" for axis in AXES[:-1]),
]  # fmt: skip
#: Error values (fractions) offered as labels of the error axis, where they fall in its range.
ERROR_TICKS = (0.01, 0.015, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 0.9)

StoppingLabel = Callable[[str, int, int], str]


def english_stopping(rule: str, epochs: int, patience: int) -> str:
    """``fixed 20`` or ``patience 5 (max 100)``: a stopping level as the command line says it."""
    return f"fixed {epochs}" if rule == "fixed" else f"patience {patience} (max {epochs})"


def _optimizer_level(row: Mapping[str, Any]) -> str:
    text = f"{row['optimizer']} {row['learning_rate']:g}"
    return text + (f" wd {row['weight_decay']:g}" if row["weight_decay"] else "")


def _width_level(config: RunConfig) -> str:
    if not config.hidden:
        return "none"
    widths = set(config.hidden)
    return str(config.hidden[0]) if len(widths) == 1 else "-".join(map(str, config.hidden))


def coordinate_runs(
    frame: pd.DataFrame,
    configs: Sequence[RunConfig],
    stopping_label: StoppingLabel = english_stopping,
) -> pd.DataFrame:
    """The finished validation runs of ``frame`` (`analysis.runs_frame`) whose cell is a cell of
    ``configs``, every stored seed, with one ``<axis>_level`` text column per factor axis.

    Returns `RUN_COLUMNS`, lowest error first. ``stopping_label(rule, epochs, patience)`` names
    a stopping level (a page passes one in its reader's language).
    """
    wanted = {cell_of(config) for config in configs}
    if frame.empty:
        return pd.DataFrame(columns=RUN_COLUMNS)
    rows = frame[frame["cell"].isin(wanted) & ~frame["diverged"].astype(bool)]
    rows = rows[rows["split"] == "validation"].copy()
    if rows.empty:
        return pd.DataFrame(columns=RUN_COLUMNS)
    rows["optimizer_level"] = [_optimizer_level(row) for row in rows.to_dict("records")]
    rows["activation_level"] = rows["activation"]
    rows["depth_level"] = rows["depth"].astype(int).astype(str)
    rows["width_level"] = rows["config"].map(_width_level)
    rows["stopping_level"] = [
        stopping_label(rule, int(epochs), int(patience))
        for rule, epochs, patience in zip(
            rows["stopping"], rows["epochs"], rows["patience"], strict=True
        )
    ]
    rows = rows.sort_values(["eval_error", "key"], kind="stable")
    return rows[RUN_COLUMNS].reset_index(drop=True)


def _level_orders(runs: pd.DataFrame) -> dict[str, list[str]]:
    """Each factor axis's levels, bottom to top, in their natural order."""

    def ordered(column: str, key: Callable[[Mapping[str, Any]], Any]) -> list[str]:
        first = runs.drop_duplicates(column)
        return [row[column] for row in sorted(first.to_dict("records"), key=key)]

    optimizer_rank = {name: index for index, name in enumerate(OPTIMIZERS)}
    activation_rank = {name: index for index, name in enumerate(ACTIVATIONS)}
    return {
        "optimizer": ordered(
            "optimizer_level",
            lambda r: (optimizer_rank[r["optimizer"]], r["learning_rate"], r["weight_decay"]),
        ),
        "activation": ordered("activation_level", lambda r: activation_rank[r["activation"]]),
        "depth": ordered("depth_level", lambda r: r["depth"]),
        "width": ordered(  # equal widths first: 500, then 500-300
            "width_level",
            lambda r: (r["width"], r["width_level"] != str(r["width"]), r["width_level"]),
        ),
        "stopping": ordered(
            "stopping_level", lambda r: (r["stopping"] != "fixed", r["epochs"], r["patience"])
        ),
    }


def _spaced(levels: Sequence[str]) -> dict[str, float]:
    if len(levels) == 1:
        return {levels[0]: 0.5}
    return {level: index / (len(levels) - 1) for index, level in enumerate(levels)}


def _error_range(runs: pd.DataFrame) -> tuple[float, float]:
    errors = runs["eval_error"].astype(float)
    low = max(float(errors.min()), 1e-4)  # a run without errors still has a place on a log axis
    high = max(float(errors.max()), low * 1.01)
    return low, high


def error_position(error: float, low: float, high: float) -> float:
    """Where ``error`` sits on the logarithmic error axis from ``low`` (0) to ``high`` (1).

    >>> error_position(0.02, 0.01, 0.04)
    0.5
    """
    return (math.log(max(error, 1e-4)) - math.log(low)) / (math.log(high) - math.log(low))


def axis_positions(runs: pd.DataFrame) -> pd.DataFrame:
    """`coordinate_runs` as one row per (run, axis): ``key``, ``axis``, ``axis_index`` (0..5),
    ``position`` in [0, 1], ``level`` (the level's text; empty on the error axis) and the run's
    ``eval_error``."""
    columns = ["key", "axis", "axis_index", "position", "level", "eval_error"]
    if runs.empty:
        return pd.DataFrame(columns=columns)
    orders = _level_orders(runs)
    low, high = _error_range(runs)
    parts = []
    for index, axis in enumerate(AXES):
        if axis == "error":
            position = [error_position(e, low, high) for e in runs["eval_error"]]
            level = [""] * len(runs)  # a number: the chart formats it in its reader's language
        else:
            spaced = _spaced(orders[axis])
            level = list(runs[f"{axis}_level"])
            position = [spaced[value] for value in level]
        parts.append(
            pd.DataFrame(
                {
                    "key": runs["key"].to_numpy(), "axis": axis, "axis_index": index,
                    "position": position, "level": level, "eval_error": runs["eval_error"],
                }
            )
        )  # fmt: skip
    return pd.concat(parts, ignore_index=True)[columns]


def axis_ticks(runs: pd.DataFrame) -> pd.DataFrame:
    """The labels of every axis: ``axis``, ``axis_index``, ``position``, ``label`` (a level's
    text; empty on the error axis) and ``value`` (the error, a fraction, on the error axis; NaN on
    the others)."""
    columns = ["axis", "axis_index", "position", "label", "value"]
    if runs.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for index, axis in enumerate(AXES[:-1]):
        for level, position in _spaced(_level_orders(runs)[axis]).items():
            rows.append((axis, index, position, level, math.nan))
    low, high = _error_range(runs)
    ticks = [value for value in ERROR_TICKS if low <= value <= high]
    if len(ticks) < 2:
        ticks = sorted({low, high, *ticks})
    for value in ticks:
        rows.append(("error", len(AXES) - 1, error_position(value, low, high), "", value))
    return pd.DataFrame(rows, columns=columns)


def brushed(positions: pd.DataFrame, brush: Mapping[str, Sequence[float]] | None) -> list[str]:
    """Keys of the runs that pass through ``brush`` on every axis it covers, lowest error first.

    ``brush`` is the chart's interval selection, ``{"axis_index": [x0, x1], "position": [y0, y1]}``
    (either order); an empty brush, or one that covers no axis, keeps every run.
    """
    keys = list(dict.fromkeys(positions.sort_values("eval_error", kind="stable")["key"]))
    if not brush or "axis_index" not in brush or "position" not in brush:
        return keys
    x0, x1 = sorted(float(value) for value in brush["axis_index"])
    y0, y1 = sorted(float(value) for value in brush["position"])
    covered = positions[(positions["axis_index"] >= x0) & (positions["axis_index"] <= x1)]
    if covered.empty:
        return keys
    inside = covered.assign(ok=(covered["position"] >= y0) & (covered["position"] <= y1))
    passing = set(inside.groupby("key")["ok"].all().loc[lambda ok: ok].index)
    return [key for key in keys if key in passing]


def brushed_axes(brush: Mapping[str, Sequence[float]] | None) -> list[str]:
    """The axes a brush covers (by name), for saying what filters the table."""
    if not brush or "axis_index" not in brush:
        return []
    x0, x1 = sorted(float(value) for value in brush["axis_index"])
    return [axis for index, axis in enumerate(AXES) if x0 <= index <= x1]
