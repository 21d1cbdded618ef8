"""The exercise-2 page's views of single runs: all factors at once (parallel coordinates and the
run table they filter) and the table of every stored run.

Both return the store key of a run the reader picked (a clicked line or row), for the page's
learning curves. Session-state keys carry the page's prefix ``ex2_``.
"""

from __future__ import annotations

import zlib

import pandas as pd
import streamlit as st

from mlp_core.report import coordinates
from ui.exercise2 import P, csv_download, downloads, in_percent, new_selection
from ui.exercise2_heatmap import STATUS_NAMES
from ui.i18n import N_, _, count, csv_note, localized_numbers, ngettext, pgettext
from ui.i18n.formats import NumberSpec
from ui.parallel_chart import AXIS_TITLES, BRUSH, CLICK, parallel_chart, stopping_level

#: Columns of the table under the parallel coordinates (`coordinates.coordinate_runs`).
COORDINATE_TABLE = [
    "eval_error", "optimizer", "learning_rate", "weight_decay", "activation", "hidden",
    "stopping_level", "seed", "epochs_run", "key",
]  # fmt: skip
#: The table of all runs: what a reader needs first (error and architecture), then the config
#: fields that differ between the rows shown (`run_table_columns`), then the rest.
FIRST_COLUMNS = ["eval_error", "hidden", "activation", "optimizer", "learning_rate"]
DISTINGUISHING = [
    "code_version", "split", "dataset", "schedule", "batch_size", "epochs", "stopping", "patience",
    "weight_decay", "dropout", "input_dropout", "validation_size", "split_seed",
]  # fmt: skip
LAST_COLUMNS = [
    "seed", "status", "best_eval_error", "best_epoch", "epochs_run", "seconds", "device_name",
    "date", "key",
]  # fmt: skip
COLUMN_LABELS = {
    "eval_error": N_("error %"), "hidden": N_("hidden layers"), "activation": N_("activation"),
    "optimizer": N_("optimizer"), "learning_rate": N_("learning rate"),
    "code_version": N_("code version"), "split": N_("evaluated on"), "dataset": N_("data set"),
    "schedule": N_("schedule"), "batch_size": N_("batch size"), "epochs": N_("epochs"),
    "stopping": N_("stopping"), "patience": N_("patience"), "weight_decay": N_("weight decay"),
    "dropout": N_("dropout"), "input_dropout": N_("input dropout"),
    "validation_size": N_("validation images"), "split_seed": N_("split seed"),
    "seed": N_("seed"), "status": N_("status"), "best_eval_error": N_("best error %"),
    "best_epoch": N_("best epoch"), "epochs_run": N_("epochs run"), "seconds": N_("seconds"),
    "device_name": N_("device"), "date": N_("date"), "key": N_("store key"),
    "stopping_level": N_("stopping"),
}  # fmt: skip


def column_config(columns: list[str]) -> dict[str, object]:
    """Translated headers (numbers are written by `localized_numbers` with `RUN_NUMBERS`)."""
    return {name: _(COLUMN_LABELS[name]) for name in columns if name in COLUMN_LABELS}


#: How the run tables write their numbers (`localized_numbers`): errors in percent at two decimals.
RUN_NUMBERS: dict[str, NumberSpec] = {
    "eval_error": 2, "best_eval_error": 2, "learning_rate": "g4", "seconds": 0,
    "weight_decay": "g4", "dropout": "g3", "input_dropout": "g3",
}  # fmt: skip


def _value_name(column: str, value: str) -> str:
    """A split or a status in the reader's words; optimizer and activation names as they are."""
    if column == "split":
        return pgettext("data split", value)
    if column == "status":
        return _(STATUS_NAMES.get(value, value))
    return value


def run_table_columns(table: pd.DataFrame) -> tuple[list[str], dict[str, object]]:
    """(the columns to show, in order; the config fields equal in every row, with their value).

    Two rows that look identical in the first columns differ in a later one (e.g. the code
    version): every field that varies among the rows is shown, right after the first columns.
    """
    varying = [c for c in DISTINGUISHING if c in table and table[c].nunique(dropna=False) > 1]
    same = {
        c: table[c].iloc[0]
        for c in DISTINGUISHING
        if c in table and c not in varying and len(table)
    }
    shown = [c for c in [*FIRST_COLUMNS, *varying, *LAST_COLUMNS] if c in table]
    return shown, same


def table_section(index: pd.DataFrame) -> str | None:
    """Filterable, sortable table of every stored run (the store's ``index``); returns the key of a
    clicked row."""
    st.subheader(_("All runs"))
    table = index
    for column, name in zip(
        st.columns(4), ("split", "optimizer", "activation", "status"), strict=True
    ):
        options = sorted(table[name].dropna().unique())
        names = {option: _value_name(name, option) for option in options}
        chosen = column.multiselect(
            _(COLUMN_LABELS[name]), options, format_func=names.__getitem__, key=f"{P}f_{name}"
        )
        if chosen:
            table = table[table[name].isin(chosen)]
    text = st.text_input(_("Hidden layers contain"), key=f"{P}f_hidden", placeholder=_("e.g. 300"))
    if text:
        table = table[table["hidden"].str.contains(text, regex=False)]
    columns, same = run_table_columns(table)
    shown = in_percent(table, columns).sort_values("eval_error", na_position="last")
    event = st.dataframe(
        localized_numbers(shown, RUN_NUMBERS), hide_index=True, on_select="rerun", selection_mode="single-row", key=f"{P}table",
        column_config=column_config(columns), placeholder="—",
    )  # fmt: skip
    equal = "; ".join(f"{_(COLUMN_LABELS[name])} {value}" for name, value in same.items())
    st.caption(
        ngettext(
            "{n} run, errors in %. Click a column header to sort, a row for its learning curves "
            "(below the tabs). Diverged runs have no error (—); their status says so. The same in "
            "every row shown: {equal}.",
            "{n} runs, errors in %. Click a column header to sort, a row for its learning curves "
            "(below the tabs). Diverged runs have no error (—); their status says so. The same in "
            "every row shown: {equal}.",
            len(table),
        ).format(n=count(len(table)), equal=equal or "—")
    )
    csv_download(in_percent(table, [*columns, *same]), "runs", _("Shown runs as CSV"))
    st.caption(csv_note())
    rows = event.selection.rows if event else []
    key = shown.iloc[rows[0]]["key"] if rows else None
    return key if new_selection("table", key) else None


def coordinates_section(frame: pd.DataFrame, configs: list) -> str | None:
    """Every run across all factors; a brush filters the table below. Returns a picked run."""
    st.subheader(_("All factors at once"))
    runs = coordinates.coordinate_runs(frame, configs, stopping_level)
    if runs.empty:
        st.info(_("No finished validation run of the two sweeps is stored yet."))
        return None
    positions = coordinates.axis_positions(runs)
    labels = dict(zip(frame["key"], (config.label() for config in frame["config"]), strict=True))
    chart = parallel_chart(positions, coordinates.axis_ticks(runs), labels)
    event = st.altair_chart(
        chart, on_select="rerun", selection_mode=[BRUSH, CLICK], key=f"{P}parallel"
    )
    selection = event.selection if event else {}
    keys = coordinates.brushed(positions, selection.get(BRUSH))
    shown = runs.set_index("key").loc[keys].reset_index()
    st.caption(
        _(
            "One line per stored validation run (every seed) of the factorial and of the "
            "one-factor-at-a-time study, coloured by its error; each axis spans its own levels "
            "(the error axis is logarithmic). Drag a box over one or more axes to keep the runs "
            "that pass through it on every axis it covers, double-click to clear it; click a "
            "line, or a row of the table, for that run's learning curves (below the tabs)."
        )
    )
    axes = coordinates.brushed_axes(selection.get(BRUSH))
    brushed = ", ".join(_(AXIS_TITLES[axis]) for axis in axes) if axes else _("no axis")
    st.markdown(
        ngettext(
            "**{shown} of {total} run** in the table (brushed: {axes})",
            "**{shown} of {total} runs** in the table (brushed: {axes})",
            len(runs),
        ).format(shown=count(len(shown)), total=count(len(runs)), axes=brushed)
    )
    # A new brush is a new table: a row picked in the old one must not pick a run of the new.
    table_key = f"{P}parallel_table_{zlib.crc32(' '.join(keys).encode()):08x}"
    event_table = st.dataframe(
        localized_numbers(in_percent(shown, COORDINATE_TABLE), RUN_NUMBERS), hide_index=True,
        on_select="rerun",
        selection_mode="single-row", key=table_key,
        column_config=column_config(COORDINATE_TABLE), placeholder="—",
    )  # fmt: skip
    downloads(chart, "parallel_coordinates", in_percent(shown, COORDINATE_TABLE))
    rows = event_table.selection.rows if event_table else []
    clicked = [row["key"] for row in selection.get(CLICK) or [] if "key" in row]
    key = shown.iloc[rows[0]]["key"] if rows else (clicked[0] if clicked else None)
    return key if new_selection("parallel", key) else None
