"""The width x depth heatmaps of exercise 2 and the cell frame every exercise-2 chart draws from.

Pure builders (no ``st.*``): frames from `mlp_core.report.analysis.summarize` (errors as fractions,
charts show percent), optionally with the ``verdict`` of `mlp_core.report.replication`. Every cell
is drawn: missing ones hatched grey ("—"), diverged ones dark ("div."). A cell's value is the mean
over its stored seeds; its tooltip names its depth and width, its seeds, their mean and their
spread. Data inline and a fixed size, so `vl_convert` exports the charts.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from ui.i18n import N_, _, chart_locale, decimal

MISSING_FILL, DIVERGED_FILL = "#eeeeee", "#3b3b3b"
#: Width of a heatmap cell, px: three panels of eight cells fit a wide page's column.
CELL_PX = 26
#: Click selection on heatmap cells (the page reads it back through ``on_select``).
CELL_SELECTION = "cell"
STATUS_NAMES = {
    "finished": N_("finished"),
    "missing": N_("not run yet"),
    "diverged": N_("diverged"),
}
VERDICT_NAMES = {
    "best": N_("best replicated cell"),
    "indistinguishable": N_("indistinguishable from the best"),
    "worse": N_("worse than the best"),
    "unranked": N_("one seed: cannot be ranked"),
}

#: How `mlp_core.report.replication` ranks the cells, as the page states it.
REPLICATION_RULE = N_(
    "Rule: only cells with two or more seeds are ranked, and the best is the one of lowest mean. "
    "Each other is compared with it by Welch's t-test on the seeds' validation errors "
    "(two-sided), its p-value Holm-adjusted over the cells compared: below 5% it is worse, "
    "otherwise indistinguishable from the best. With 3 seeds the test has little power: "
    "indistinguishable does not prove equal. The test is conditional on the shared validation "
    "set: it asks whether retraining with other seeds keeps the order on these 6000 images. "
    "Cells with one seed cannot be ranked."
)


def error_title() -> str:
    return _("validation error (%)")


def percent_frame(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells ready to draw: ``error`` (mean, %), ``low``/``high`` (± one standard deviation, %;
    only with two or more seeds), ``label`` (the value as text, "—" missing, "div." diverged),
    ``cell_id`` (row position, for selections), and the tooltip's texts: ``status_text``,
    ``seeds_text`` (the stored seeds), ``spread_text`` (the standard deviation in points, or why
    there is none) and ``verdict_text`` (empty without a ``verdict`` column)."""
    data = cells.drop(columns=["cell", "keys", "seeds"], errors="ignore").copy()
    data["error"] = data["mean_error"] * 100
    spread = data["std_error"].fillna(0) * 100
    data["low"] = (data["error"] - spread).where(data["n"] > 1)
    data["high"] = (data["error"] + spread).where(data["n"] > 1)
    data["label"] = [
        "—" if status == "missing" else "div." if status == "diverged" else decimal(error, 2)
        for status, error in zip(data["status"], data["error"], strict=True)
    ]
    data["cell_id"] = range(len(data))
    data["seeds_run"] = data["n"] + data["n_diverged"]
    data["status_text"] = [_(STATUS_NAMES.get(status, status)) for status in data["status"]]
    seeds = cells["seeds"] if "seeds" in cells else [()] * len(cells)
    data["seeds_text"] = [", ".join(map(str, stored)) or "—" for stored in seeds]
    data["spread_text"] = [_spread_text(n, std) for n, std in zip(data["n"], spread, strict=True)]
    verdicts = data["verdict"] if "verdict" in data else pd.Series([""] * len(data))
    data["verdict_text"] = [_(VERDICT_NAMES[v]) if v in VERDICT_NAMES else "" for v in verdicts]
    return data


def _spread_text(n: int, std_points: float) -> str:
    if n < 2:
        return _("none: one seed")
    return _("{sd} points (standard deviation)").format(sd=decimal(std_points, 2))


def cell_tooltip() -> list[alt.Tooltip]:
    """What a cell says when pointed at: its factors (depth and width by name), its seeds, their
    mean and spread, and its verdict against the best cell."""
    return [
        alt.Tooltip("optimizer:N", title=_("optimizer")),
        alt.Tooltip("learning_rate:Q", title=_("learning rate"), format="g"),
        alt.Tooltip("activation:N", title=_("activation")),
        alt.Tooltip("depth:Q", title=_("hidden layers")),
        alt.Tooltip("width:Q", title=_("neurons per layer")),
        alt.Tooltip("status_text:N", title=_("status")),
        alt.Tooltip("error:Q", title=_("mean validation error (%)"), format=".2f"),
        alt.Tooltip("seeds_text:N", title=_("seeds")),
        alt.Tooltip("spread_text:N", title=_("seed-to-seed spread")),
        alt.Tooltip("n_diverged:Q", title=_("diverged seeds")),
        alt.Tooltip("verdict_text:N", title=_("against the best")),
    ]


def _cell_layers(data: pd.DataFrame, base: alt.Chart, low: float, high: float) -> list[alt.Chart]:
    is_status = "datum.status == '{}'".format
    dark_above = math.exp((math.log(low) + math.log(high)) / 2) if low > 0 else high / 2
    scale = alt.Scale(type="log", scheme="viridis", reverse=True, domain=[low, high])
    # Below the panels: on the right it fell off a page column's width.
    legend = alt.Legend(orient="bottom", direction="horizontal", gradientLength=320)
    return [
        base.mark_rect(fill=MISSING_FILL, stroke="#b0b0b0", strokeDash=[3, 2]).transform_filter(
            is_status("missing")
        ),
        base.mark_rect(fill=DIVERGED_FILL).transform_filter(is_status("diverged")),
        base.mark_rect()
        .encode(color=alt.Color("error:Q", title=error_title(), scale=scale, legend=legend))
        .transform_filter(is_status("finished")),
        base.mark_text(fontSize=9).encode(
            text="label:N",
            color=alt.condition(
                f"datum.status == 'diverged' || datum.error > {dark_above}",
                alt.value("white"),
                alt.value("black"),
            ),
        ),
    ]


def _verdict_layers(base: alt.Chart) -> list[alt.Chart]:
    """Outlines: solid on the best replicated cell, dashed on those indistinguishable from it."""
    return [
        base.mark_rect(filled=False, stroke="#d62728", strokeWidth=2.5).transform_filter(
            "datum.verdict == 'best'"
        ),
        base.mark_rect(
            filled=False, stroke="#d62728", strokeWidth=1.8, strokeDash=[3, 2]
        ).transform_filter("datum.verdict == 'indistinguishable'"),
    ]


def heatmap(cells: pd.DataFrame, column_order: list[str], row_order: list[str]) -> alt.FacetChart:
    """Width x depth heatmaps, one panel per (optimizer row, activation column), value in each cell.

    One colour scale (log, shared by every panel); missing and diverged cells drawn, not dropped;
    with a ``verdict`` column, the best replicated cell and those indistinguishable from it
    outlined in red.
    """
    data = percent_frame(cells)
    if "verdict" not in data:
        data["verdict"] = ""
    finished = data[data["status"] == "finished"]
    low, high = (finished["error"].min(), finished["error"].max()) if len(finished) else (1, 10)
    base = alt.Chart().encode(
        x=alt.X("width:O", title=_("neurons per layer")),
        y=alt.Y("depth:O", title=_("hidden layers")),
        tooltip=cell_tooltip(),
    )
    pick = alt.selection_point(name=CELL_SELECTION, fields=["cell_id"], on="click")
    layers = [
        *_cell_layers(data, base, low, high),
        *_verdict_layers(base),
        # A transparent layer over every cell, missing ones included, carries the click selection.
        base.mark_rect(opacity=0.001).add_params(pick),
    ]
    return (
        alt.layer(*layers, data=data)
        .properties(width=alt.Step(CELL_PX), height=alt.Step(24))
        .facet(
            column=alt.Column("activation:N", sort=column_order, title=_("activation")),
            row=alt.Row("optimizer:N", sort=row_order, title=_("optimizer")),
        )
        .resolve_scale(color="shared")
        .configure(locale=chart_locale())
    )
