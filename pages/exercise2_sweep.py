"""Exercise 2: how validation error moves with the optimizer, activation, depth, width and stopping.

Reads the run store only (`ui.store.index` and `ui.store.runs`, cached on the store's fingerprint), matches it to the
cells of the shipped sweep specs (`runs/sweeps/*.toml`) with `mlp_core.report.analysis`, and draws the
charts of `ui.exercise2_charts`. Missing cells can be queued on the shared training worker
(`ui.jobs`); whole sweeps belong to the command line (``python -m mlp_core sweep``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mlp_core.report import analysis, replication, study
from ui import exercise2_charts as charts
from ui import store
from ui.exercise2 import (
    CELL_TABLE,
    P,
    curves_section,
    downloads,
    in_percent,
    launch_section,
    learning_rate_note,
    new_selection,
    spec_sets,
)
from ui.exercise2_runs import coordinates_section, table_section
from ui.exercise2_seeds import replication_section
from ui.exercise2_stopping import stopping_section
from ui.exercise2_text import factor_name, level_names
from ui.i18n import N_, _, count, decimal, handout_quote, library_text, ngettext, number, percent
from ui.router import require_router

OPTIMIZER_ORDER = ["sgd", "adadelta", "adagrad", "adam", "sgd_momentum", "adamw", "rmsprop"]
ACTIVATION_ORDER = ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu"]
TABS = [
    N_("Heatmaps"), N_("All factors"), N_("Factors"), N_("Trends"), N_("Stopping"), N_("All runs"),
    N_("Run a missing cell"),
]  # fmt: skip


def heatmap_section(cells: pd.DataFrame, frame: pd.DataFrame) -> str | None:
    """The width x depth heatmaps and the seeds' verdicts; returns the key of a clicked cell."""
    st.subheader(_("Validation error: width × depth, by optimizer and activation"))
    judged = replication.compare_with_best(cells)
    verdicts = dict(zip(judged["cell"], judged["verdict"], strict=True))
    cells = cells.assign(verdict=[verdicts.get(cell, "") for cell in cells["cell"]])
    has_data = cells.groupby(["optimizer", "activation"])["status"].transform(
        lambda status: (status != "missing").any()
    )
    every = st.toggle(
        _("Show every panel of the factorial, empty ones too"), True, key=f"{P}panels"
    )
    shown = (cells if every else cells[has_data]).reset_index(drop=True)
    if shown.empty:
        st.info(_("No cell of the grid is stored yet."))
        return None
    rows = [name for name in OPTIMIZER_ORDER if name in set(shown["optimizer"])]
    columns = [name for name in ACTIVATION_ORDER if name in set(shown["activation"])]
    chart = charts.heatmap(shown, columns, rows)
    event = st.altair_chart(
        chart, on_select="rerun", selection_mode=charts.CELL_SELECTION, key=f"{P}heatmap"
    )
    stored = int((shown["status"] != "missing").sum())
    st.caption(
        _(
            "{stored} of {total} cells stored (grey dashed: not run yet; dark: diverged). Each "
            "value is the mean validation error (%) over the cell's stored seeds; its tooltip "
            "lists them, with their spread. One colour scale (logarithmic) for every panel. Red "
            "outline: the best cell with two or more seeds; dashed: cells indistinguishable from "
            "it (see below). Click a cell for its learning curves (below the tabs), or to queue "
            "it when it is missing."
        ).format(stored=count(stored), total=count(len(shown)))
    )
    downloads(chart, "heatmaps", in_percent(shown, ["depth", "width", *CELL_TABLE, "verdict"]))
    replication_section(judged, frame)
    picked = (event.selection.get(charts.CELL_SELECTION) or []) if event else []
    clicked = int(picked[0]["cell_id"]) if picked else None
    if not new_selection("heatmap", clicked) or clicked is None:
        return None
    cell = shown.iloc[clicked]
    if cell["status"] == "missing":
        st.session_state[f"{P}launch_cell"] = (cell["cell"], 0)
        st.info(_("That cell is not stored yet: queue it in the tab **Run a missing cell**."))
        return None
    return cell["best_key"]


def factors_section(frame: pd.DataFrame, sets: dict, factorial: pd.DataFrame) -> None:
    st.subheader(_("Which factors matter most"))
    ranges = study.one_factor_ranges(frame, sets)
    levels = level_names(study.stopping_configs(sets))
    left, right = st.columns(2)
    with left:
        if ranges.empty:
            st.info(_("Needs at least two stored levels of a factor."))
        else:
            title = _("One factor at a time: how far the error moves")
            chart = charts.range_chart(ranges, title, levels)
            st.altair_chart(chart, width="stretch")
            downloads(chart, "factor_ranges", in_percent(ranges))
    with right:
        grid = analysis.summarize(frame, sets["width_x_depth"])
        source, is_factorial = study.variance_source(factorial, grid)
        done = source[source["status"] == "finished"]
        factors = [factor for factor in analysis.FACTORS if done[factor].nunique() > 1]
        shares = analysis.variance_explained(source, factors)
        if len(factors) < 2:
            st.info(
                ngettext(
                    "Shares of variance need a grid in which two factors vary; {n} cell of the "
                    "width × depth grid is stored so far.",
                    "Shares of variance need a grid in which two factors vary; {n} cells of the "
                    "width × depth grid are stored so far.",
                    len(done),
                ).format(n=count(len(done)))
            )
        else:
            if is_factorial:
                title = _("Share of variance in the factorial ({n} cells)")
            else:
                title = _("Share of variance in the Adam/ReLU grid ({n} cells)")
            chart = charts.share_chart(shares, title.format(n=count(len(done))))
            st.altair_chart(chart, width="stretch")
            st.caption(
                _(
                    "Main effects (eta squared); *interactions* is what no single factor "
                    "explains. Exact for a complete grid, descriptive for a partial one."
                )
            )
            downloads(chart, "variance_shares", shares)
    if not ranges.empty:
        top = ranges.iloc[0]
        st.markdown(
            _(
                "Largest effect, one factor at a time: **{factor}**, from {best_error} "
                "({best}) to {worst_error} ({worst})."
            ).format(
                factor=factor_name(top["factor"]),
                best_error=percent(top["best_error"]),
                best=levels.get(top["best"], top["best"]),
                worst_error=percent(top["worst_error"]),
                worst=levels.get(top["worst"], top["worst"]),
            )
        )


def trends_section(frame: pd.DataFrame, sets: dict, factorial: pd.DataFrame) -> None:
    st.subheader(_("Trends"))
    seeds = analysis.summarize(frame, sets["seeds"]).iloc[0]
    if seeds["n"] > 1:
        st.markdown(
            _(
                "Seed noise: the handout's config over {n} seeds gives {mean} ± {sd} points "
                "(standard deviation): differences smaller than that are within noise. Error "
                "bars are ± one standard deviation where a cell has several seeds."
            ).format(
                n=count(int(seeds["n"])),
                mean=percent(seeds["mean_error"]),
                sd=decimal(100 * seeds["std_error"], 2),
            )
        )
    pooled, dof, replicated = replication.typical_spread(factorial)
    if replicated:
        st.markdown(
            _(
                "The factorial's {cells} cells with several seeds measured a pooled seed-to-seed "
                "spread of {pooled} points (standard deviation, {dof} degrees of freedom); the "
                "Heatmaps tab says which of them the noise cannot separate from the best."
            ).format(cells=count(replicated), pooled=decimal(100 * pooled, 2), dof=count(dof))
        )
    cells = study.trend_cells(frame, sets)
    figures = charts.trend_figures(cells)
    tables = {name: cells["grid"] for name in ("error_vs_width", "error_vs_depth")}
    tables |= {"optimizers": cells["optimizers"], "activations": cells["activations"]}
    names = list(figures)
    for start in range(0, len(names), 2):
        for column, name in zip(st.columns(2), names[start : start + 2], strict=False):
            with column:
                st.altair_chart(figures[name], width="stretch")
                downloads(figures[name], name, in_percent(tables[name], CELL_TABLE))
    linear = analysis.summarize(frame, sets["softmax_regression"]).iloc[0]
    if linear["status"] == "finished":
        st.caption(
            _("No hidden layer (softmax regression): {error}.").format(
                error=percent(linear["mean_error"])
            )
        )
    if study.variance_source(factorial, factorial)[1]:
        effects = analysis.main_effects(factorial)
        title = _("Factorial: mean error per level of each factor (the others pooled)")
        chart = charts.effects_chart(effects, title)
        st.altair_chart(chart)
        downloads(chart, "main_effects", in_percent(effects))


require_router()
st.title(_("Exercise 2 · Hyperparameter sweep"))
st.caption(_("Handout: *{title}*").format(title="3.2 Ejercicio 2"))
handout_quote("3.2")
st.markdown(
    _(
        "Study how the validation error depends on the optimizer, the activation function, the "
        "number of hidden layers, the neurons per layer (multiples of 100 up to 800) and the "
        "stopping criterion, showing the trends and not only the best result. Everything below "
        "is read from the run store."
    )
)
try:
    exercise2, factorial_sets = spec_sets("exercise2"), spec_sets("factorial")
except ValueError as error:
    st.error(_("A sweep spec cannot be read: {error}").format(error=library_text(error)))
    st.stop()
index = store.index()
frame = analysis.runs_frame(index)
grid_configs = list(dict.fromkeys(factorial_sets["factorial"] + exercise2["width_x_depth"]))
factorial = analysis.summarize(frame, grid_configs)
ex2_configs = list(dict.fromkeys(c for configs in exercise2.values() for c in configs))
ex2_missing = len(analysis.missing_configs(frame, ex2_configs))
grid_missing = len(analysis.missing_configs(frame, grid_configs))
st.markdown(
    _(
        "The store holds **{ex2_stored} of the {ex2_total}** runs of `runs/sweeps/exercise2.toml` "
        "(one factor at a time around the handout's config, and 3 seeds of it) and "
        "**{grid_stored} of the {grid_total}** runs of the factorial (`factorial.toml`: 4 "
        "optimizers × 3 activation functions × 3 depths × 8 widths)."
    ).format(
        ex2_stored=count(len(ex2_configs) - ex2_missing),
        ex2_total=count(len(ex2_configs)),
        grid_stored=count(len(grid_configs) - grid_missing),
        grid_total=count(len(grid_configs)),
    )
    + " "
    + learning_rate_note(exercise2)
)
cells = pd.concat([analysis.summarize(frame, ex2_configs), factorial])
cells = cells[(cells["status"] == "finished") & (cells["split"] == "validation")]
best_key = None
if len(cells):
    best = cells.sort_values("mean_error").iloc[0]
    best_key = best["best_key"]
    st.success(
        ngettext(
            "Best stored configuration: **{hidden} {activation} {algorithm} lr {rate}, {length} "
            "epochs ({stopping})**: {error} validation error ({n} seed).",
            "Best stored configuration: **{hidden} {activation} {algorithm} lr {rate}, {length} "
            "epochs ({stopping})**: {error} validation error (mean of {n} seeds).",
            int(best["n"]),
        ).format(
            hidden=best["hidden"],
            activation=best["activation"],
            algorithm=best["optimizer"],
            rate=number(best["learning_rate"]),
            length=count(int(best["epochs"])),
            stopping=best["stopping"],
            error=percent(best["mean_error"]),
            n=count(int(best["n"])),
        )
    )
else:
    st.info(
        _(
            "No run of the exercise 2 sweeps is stored yet: run `python -m mlp_core sweep "
            "exercise2`, or queue runs in the last tab."
        )
    )

picked: list[str | None] = []
# Only the open tab runs (and is sent to the browser): the seven together are some twenty charts,
# which made this page take seconds to draw on a small server.
tabs = st.tabs([_(name) for name in TABS], key=f"{P}tab", on_change="rerun")
sections = [
    lambda: picked.append(heatmap_section(factorial, frame)),
    lambda: picked.append(coordinates_section(frame, grid_configs + ex2_configs)),
    lambda: factors_section(frame, exercise2, factorial),
    lambda: trends_section(frame, exercise2, factorial),
    lambda: stopping_section(frame, exercise2),
    lambda: picked.append(table_section(index)) if len(index) else None,
    lambda: launch_section(frame, {"exercise2": exercise2, "factorial": factorial_sets}),
]
for tab, section in zip(tabs, sections, strict=True):
    if tab.open:
        with tab:
            section()
if len(index):
    curves_section(next((key for key in picked if key), None), best_key)
