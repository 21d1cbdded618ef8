"""Altair charts of the exercise-2 page: heatmaps of the grid, trends, factor shares, stopping.

Every chart takes frames built by `mlp_core.report.analysis` (errors as fractions; charts show percent),
inlines its data and has a fixed size, so `vl_convert` can export it as PNG/SVG without a browser.
Missing cells are drawn (hatched grey, "—"), diverged ones too (dark, "div."): never dropped.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

MISSING_FILL, DIVERGED_FILL = "#eeeeee", "#3b3b3b"
STATUS_TITLE = "validation error (%)"
#: Click selection on heatmap cells (the page reads it back through ``on_select``).
CELL_SELECTION = "cell"


def percent_frame(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells with ``error`` (mean, %), ``low``/``high`` (± one standard deviation, % ; only where
    there are two or more seeds), ``label`` (the value as text, "—" missing, "div." diverged) and
    ``cell_id`` (row position, for selections)."""
    data = cells.drop(columns=["cell", "keys", "seeds"], errors="ignore").copy()
    data["error"] = data["mean_error"] * 100
    spread = data["std_error"].fillna(0) * 100
    data["low"] = (data["error"] - spread).where(data["n"] > 1)
    data["high"] = (data["error"] + spread).where(data["n"] > 1)
    data["label"] = [
        "—" if status == "missing" else "div." if status == "diverged" else f"{error:.2f}"
        for status, error in zip(data["status"], data["error"], strict=True)
    ]
    data["cell_id"] = range(len(data))
    data["seeds_run"] = data["n"] + data["n_diverged"]
    return data


def _tooltip() -> list[alt.Tooltip]:
    return [
        alt.Tooltip("optimizer:N"),
        alt.Tooltip("learning_rate:Q", title="learning rate", format="g"),
        alt.Tooltip("activation:N"),
        alt.Tooltip("hidden:N", title="hidden layers"),
        alt.Tooltip("status:N"),
        alt.Tooltip("error:Q", title="mean validation error (%)", format=".2f"),
        alt.Tooltip("n:Q", title="finished seeds"),
        alt.Tooltip("n_diverged:Q", title="diverged seeds"),
    ]


def heatmap(cells: pd.DataFrame, column_order: list[str], row_order: list[str]) -> alt.FacetChart:
    """Width x depth heatmaps, one panel per (optimizer row, activation column), value in each cell.

    One colour scale (log, shared by every panel); missing and diverged cells drawn, not dropped.
    """
    data = percent_frame(cells)
    finished = data[data["status"] == "finished"]
    low, high = (finished["error"].min(), finished["error"].max()) if len(finished) else (1, 10)
    dark_above = math.exp((math.log(low) + math.log(high)) / 2) if low > 0 else high / 2
    base = alt.Chart().encode(
        x=alt.X("width:O", title="neurons per layer"),
        y=alt.Y("depth:O", title="hidden layers"),
        tooltip=_tooltip(),
    )
    is_status = "datum.status == '{}'".format
    pick = alt.selection_point(name=CELL_SELECTION, fields=["cell_id"], on="click")
    layers = [
        base.mark_rect(fill=MISSING_FILL, stroke="#b0b0b0", strokeDash=[3, 2]).transform_filter(
            is_status("missing")
        ),
        base.mark_rect(fill=DIVERGED_FILL).transform_filter(is_status("diverged")),
        base.mark_rect()
        .encode(
            color=alt.Color(
                "error:Q",
                title=STATUS_TITLE,
                scale=alt.Scale(type="log", scheme="viridis", reverse=True, domain=[low, high]),
            )
        )
        .transform_filter(is_status("finished")),
        base.mark_text(fontSize=10).encode(
            text="label:N",
            color=alt.condition(
                f"datum.status == 'diverged' || datum.error > {dark_above}",
                alt.value("white"),
                alt.value("black"),
            ),
        ),
        # A transparent layer over every cell, missing ones included, carries the click selection.
        base.mark_rect(opacity=0.001).add_params(pick),
    ]
    return (
        alt.layer(*layers, data=data)
        .properties(width=alt.Step(30), height=alt.Step(26))
        .facet(
            column=alt.Column("activation:N", sort=column_order, title="activation"),
            row=alt.Row("optimizer:N", sort=row_order, title="optimizer"),
        )
        .resolve_scale(color="shared")
    )


def _diverged_marks(data: pd.DataFrame, x: alt.X, top: float) -> list[alt.Chart]:
    """Red crosses at the top of the chart for diverged cells: shown, not dropped."""
    diverged = data[data["status"] == "diverged"].assign(error=top)
    if diverged.empty:
        return []
    return [
        alt.Chart(diverged)
        .mark_point(shape="cross", color="#d62728", size=120, filled=True)
        .encode(x=x, y=alt.Y("error:Q"), tooltip=_tooltip())
    ]


def trend_chart(
    cells: pd.DataFrame,
    x: str,
    x_title: str,
    series: str | None,
    series_title: str = "",
    title: str = "",
) -> alt.LayerChart:
    """Mean validation error (%) against ``x``, a line per ``series``; ± one standard deviation
    across seeds as error bars where a cell has two or more seeds."""
    data = percent_frame(cells)
    x_axis = alt.X(f"{x}:O", title=x_title, sort=None, axis=alt.Axis(labelAngle=0))
    color = (
        alt.Color(
            f"{series}:O",
            title=series_title,
            scale=alt.Scale(scheme="viridis"),
            legend=alt.Legend(columns=2 if data[series].nunique() > 4 else 1),
        )
        if series
        else alt.value("#4c78a8")
    )
    finished = data[data["status"] == "finished"]
    top = float(finished["error"].max()) * 1.05 if len(finished) else 1.0
    line = (
        alt.Chart(finished)
        .mark_line(point=True)
        .encode(
            x=x_axis,
            y=alt.Y("error:Q", title=STATUS_TITLE, scale=alt.Scale(zero=False)),
            color=color,
            tooltip=_tooltip(),
        )
    )
    bars = (
        alt.Chart(finished.dropna(subset=["low"]))
        .mark_errorbar(ticks=True)
        .encode(x=x_axis, y=alt.Y("low:Q", title=STATUS_TITLE), y2="high:Q", color=color)
    )
    return alt.layer(line, bars, *_diverged_marks(data, x_axis, top)).properties(
        width=420, height=280, title=title, padding={"left": 14, "top": 4}
    )


def level_chart(
    cells: pd.DataFrame, factor: str, title: str, group: str | None = None
) -> alt.LayerChart:
    """One point per level of ``factor`` (sorted by error), ± one standard deviation across seeds;
    ``group`` colours levels (e.g. which learning-rate rule)."""
    data = percent_frame(cells)
    data["level"] = data[factor].astype(str)
    if factor == "optimizer":
        data["level"] = [
            f"{o} (lr {r:g})" for o, r in zip(data["optimizer"], data["learning_rate"], strict=True)
        ]
    order = list(data.sort_values("error", na_position="last")["level"])
    y = alt.Y("level:N", title=factor, sort=order)
    color = (
        alt.Color(f"{group}:N", title=group.replace("_", " "), scale=alt.Scale(scheme="set1"))
        if group
        else alt.value("#4c78a8")
    )
    finished = data[data["status"] == "finished"]
    low, high = finished["error"].min(), finished["error"].max()
    wide = len(finished) > 0 and high > 4 * low  # a starved optimizer: log scale
    scale = alt.Scale(type="log", nice=False) if wide else alt.Scale(zero=False, nice=False)
    x = alt.X("error:Q", title=STATUS_TITLE, scale=scale)
    points = (
        alt.Chart(finished)
        .mark_point(filled=True, size=80)
        .encode(x=x, y=y, color=color, tooltip=_tooltip())
    )
    labels = (
        alt.Chart(finished)
        .mark_text(align="left", dx=8)
        .encode(x=x, y=y, text=alt.Text("error:Q", format=".2f"))
    )
    bars = (
        alt.Chart(finished.dropna(subset=["low"]))
        .mark_rule()
        .encode(x=alt.X("low:Q"), x2="high:Q", y=y, color=color)
    )
    others = data[data["status"] != "finished"].assign(
        error=float(finished["error"].max() if len(finished) else 1)
    )
    marks = (
        alt.Chart(others)
        .mark_text(align="left", color="#d62728", dx=40)
        .encode(x=x, y=y, text=alt.Text("status:N"))
    )
    return alt.layer(bars, points, labels, marks).properties(
        width=420, height=alt.Step(26), title=title
    )


def share_chart(shares: pd.DataFrame, title: str) -> alt.LayerChart:
    """Horizontal bars: share of the grid's variance in validation error per factor (%)."""
    data = shares.assign(percent=shares["share"] * 100)
    y = alt.Y("factor:N", sort=None, title=None)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("percent:Q", title="share of variance (%)", scale=alt.Scale(domain=[0, 100])),
            y=y,
        )
    )
    text = (
        alt.Chart(data)
        .mark_text(align="left", dx=4)
        .encode(x="percent:Q", y=y, text=alt.Text("percent:Q", format=".1f"))
    )
    return alt.layer(bars, text).properties(width=420, height=alt.Step(28), title=title)


def range_chart(ranges: pd.DataFrame, title: str) -> alt.LayerChart:
    """Horizontal bars: how many points of validation error each factor moves (worst - best)."""
    data = ranges.assign(points=ranges["range"] * 100)
    y = alt.Y("factor:N", sort=None, title=None)
    tooltip = [
        "factor",
        "best",
        alt.Tooltip("best_error:Q", format=".4f"),
        "worst",
        alt.Tooltip("worst_error:Q", format=".4f"),
    ]
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("points:Q", title="worst - best level (points of error)"), y=y, tooltip=tooltip
        )
    )
    text = (
        alt.Chart(data)
        .mark_text(align="left", dx=4)
        .encode(x="points:Q", y=y, text=alt.Text("points:Q", format=".2f"))
    )
    return alt.layer(bars, text).properties(width=420, height=alt.Step(28), title=title)


def stopping_chart(table: pd.DataFrame) -> alt.LayerChart:
    """Validation error (%) of each stopping rule, epochs kept in the label."""
    data = table.dropna(subset=["eval_error"]).assign(error=lambda f: f["eval_error"] * 100)
    data["text"] = [
        f"{e:.2f}% (epoch {k:.0f})" for e, k in zip(data["error"], data["kept_epoch"], strict=True)
    ]
    y = alt.Y("rule:N", sort=None, title=None, axis=alt.Axis(labelLimit=360))
    bars = alt.Chart(data).mark_bar().encode(x=alt.X("error:Q", title=STATUS_TITLE), y=y)
    text = alt.Chart(data).mark_text(align="left", dx=4).encode(x="error:Q", y=y, text="text:N")
    return alt.layer(bars, text).properties(width=300, height=alt.Step(30), title="Stopping rules")


def effects_chart(effects: pd.DataFrame, title: str) -> alt.FacetChart:
    """Main effects: mean validation error (%) per level of each factor, one panel per factor."""
    data = effects.assign(error=effects["mean_error"] * 100)
    base = alt.Chart().encode(
        x=alt.X("level:N", title=None, sort=None),
        y=alt.Y("error:Q", title="mean validation error (%)", scale=alt.Scale(zero=False)),
        tooltip=["factor", "level", alt.Tooltip("error:Q", format=".3f"), "cells"],
    )
    text = base.mark_text(dy=-10, fontSize=10).encode(text=alt.Text("error:Q", format=".2f"))
    layered = alt.layer(base.mark_line(point=True), text, data=data)
    return (
        layered.properties(width=180, height=200)
        .facet(column=alt.Column("factor:N", title=None, sort=None))
        .resolve_scale(x="independent")
        .properties(title=title)
    )
