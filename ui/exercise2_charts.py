"""Altair charts of the exercise-2 page: trends, factor shares, stopping (heatmaps: `ui.exercise2_heatmap`).

Every chart takes frames built by `mlp_core.report.analysis` (errors as fractions; charts show percent),
inlines its data and has a fixed size, so `vl_convert` can export it as PNG/SVG without a browser.
Missing cells are drawn (hatched grey, "—"), diverged ones too (dark, "div."): never dropped.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui import exercise2_heatmap as heatmaps
from ui.exercise2_heatmap import STATUS_NAMES, cell_tooltip, error_title
from ui.exercise2_text import factor_name, learning_rate_rule
from ui.i18n import _, chart_locale, decimal, number

CELL_SELECTION = heatmaps.CELL_SELECTION
__all__ = ["STATUS_NAMES"]
heatmap = heatmaps.heatmap
percent_frame = heatmaps.percent_frame


def _diverged_marks(data: pd.DataFrame, x: alt.X, top: float) -> list[alt.Chart]:
    """Red crosses at the top of the chart for diverged cells: shown, not dropped."""
    diverged = data[data["status"] == "diverged"].assign(error=top)
    if diverged.empty:
        return []
    return [
        alt.Chart(diverged)
        .mark_point(shape="cross", color="#d62728", size=120, filled=True)
        .encode(x=x, y=alt.Y("error:Q"), tooltip=cell_tooltip())
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
            y=alt.Y("error:Q", title=error_title(), scale=alt.Scale(zero=False)),
            color=color,
            tooltip=cell_tooltip(),
        )
    )
    bars = (
        alt.Chart(finished.dropna(subset=["low"]))
        .mark_errorbar(ticks=True)
        .encode(x=x_axis, y=alt.Y("low:Q", title=error_title()), y2="high:Q", color=color)
    )
    return (
        alt.layer(line, bars, *_diverged_marks(data, x_axis, top))
        .properties(width=420, height=280, title=title, padding={"left": 14, "top": 4})
        .configure(locale=chart_locale())
    )


def _level_scale(finished: pd.DataFrame) -> alt.Scale:
    """An error axis holding every point and error bar, with room for the values' labels (the
    points alone set it before: a bar or the lowest point ran over the axis)."""
    if finished.empty:
        return alt.Scale(zero=False)
    values = pd.concat([finished["error"], finished["low"], finished["high"]]).dropna()
    low, high = float(values.min()), float(values.max())
    if float(finished["error"].max()) > 4 * float(finished["error"].min()):  # a starved optimizer
        return alt.Scale(type="log", nice=False, domain=[low / 1.06, high * 1.3])
    room = (high - low) or high * 0.1
    return alt.Scale(zero=False, nice=False, domain=[low - 0.05 * room, high + 0.15 * room])


def level_chart(
    cells: pd.DataFrame, factor: str, title: str, group: str | None = None
) -> alt.LayerChart:
    """One point per level of ``factor`` (sorted by error), ± one standard deviation across seeds;
    ``group`` colours levels (e.g. which learning-rate rule)."""
    data = percent_frame(cells)
    data["level"] = data[factor].astype(str)
    if factor == "optimizer":
        data["level"] = [
            f"{o} (lr {number(r)})"
            for o, r in zip(data["optimizer"], data["learning_rate"], strict=True)
        ]
    if group == "learning_rate_rule":
        data[group] = [learning_rate_rule(rule) for rule in data[group]]
    data["status_text"] = [_(STATUS_NAMES.get(status, status)) for status in data["status"]]
    order = list(data.sort_values("error", na_position="last")["level"])
    y = alt.Y("level:N", title=factor_name(factor), sort=order)
    color = (
        alt.Color(
            f"{group}:N",
            title=_("learning rate"),
            scale=alt.Scale(scheme="set1"),
            legend=alt.Legend(orient="bottom"),  # beside it, it squeezed the chart in a column
        )
        if group
        else alt.value("#4c78a8")
    )
    finished = data[data["status"] == "finished"]
    x = alt.X("error:Q", title=error_title(), scale=_level_scale(finished))
    points = (
        alt.Chart(finished)
        .mark_point(filled=True, size=80)
        .encode(x=x, y=y, color=color, tooltip=cell_tooltip())
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
        .encode(x=x, y=y, text=alt.Text("status_text:N"))
    )
    return (
        alt.layer(bars, points, labels, marks)
        .properties(width=420, height=alt.Step(26), title=title)
        .configure(locale=chart_locale())
    )


def share_chart(shares: pd.DataFrame, title: str) -> alt.LayerChart:
    """Horizontal bars: share of the grid's variance in validation error per factor (%)."""
    data = shares.assign(percent=shares["share"] * 100)
    data["factor"] = [factor_name(factor) for factor in data["factor"]]
    y = alt.Y("factor:N", sort=None, title=None)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "percent:Q", title=_("share of variance (%)"), scale=alt.Scale(domain=[0, 100])
            ),
            y=y,
        )
    )
    text = (
        alt.Chart(data)
        .mark_text(align="left", dx=4)
        .encode(x="percent:Q", y=y, text=alt.Text("percent:Q", format=".1f"))
    )
    return (
        alt.layer(bars, text)
        .properties(width=420, height=alt.Step(28), title=title)
        .configure(locale=chart_locale())
    )


def range_chart(
    ranges: pd.DataFrame, title: str, levels: dict[str, str] | None = None
) -> alt.LayerChart:
    """Horizontal bars: how many points of validation error each factor moves (worst - best);
    ``levels`` names levels shown otherwise as they are (the stopping rules)."""
    levels = levels or {}
    data = ranges.assign(
        points=ranges["range"] * 100,
        factor=[factor_name(factor) for factor in ranges["factor"]],
        best=[levels.get(level, level) for level in ranges["best"]],
        worst=[levels.get(level, level) for level in ranges["worst"]],
        best_pct=ranges["best_error"] * 100,
        worst_pct=ranges["worst_error"] * 100,
    )
    y = alt.Y("factor:N", sort=None, title=None)
    tooltip = [
        alt.Tooltip("factor:N", title=_("factor")),
        alt.Tooltip("best:N", title=_("best level")),
        alt.Tooltip("best_pct:Q", title=_("its validation error (%)"), format=".2f"),
        alt.Tooltip("worst:N", title=_("worst level")),
        alt.Tooltip("worst_pct:Q", title=_("its validation error (%)"), format=".2f"),
    ]
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("points:Q", title=_("worst − best level (points of error)")),
            y=y,
            tooltip=tooltip,
        )
    )
    text = (
        alt.Chart(data)
        .mark_text(align="left", dx=4)
        .encode(x="points:Q", y=y, text=alt.Text("points:Q", format=".2f"))
    )
    return (
        alt.layer(bars, text)
        .properties(width=420, height=alt.Step(28), title=title)
        .configure(locale=chart_locale())
    )


def stopping_chart(table: pd.DataFrame) -> alt.LayerChart:
    """Validation error (%) of each stopping rule, epochs kept in the label."""
    data = table.dropna(subset=["eval_error"]).assign(error=lambda f: f["eval_error"] * 100)
    data["text"] = [
        _("{error} % (epoch {epoch})").format(error=decimal(e, 2), epoch=f"{k:.0f}")
        for e, k in zip(data["error"], data["kept_epoch"], strict=True)
    ]
    y = alt.Y("rule:N", sort=None, title=None, axis=alt.Axis(labelLimit=360))
    bars = alt.Chart(data).mark_bar().encode(x=alt.X("error:Q", title=error_title()), y=y)
    text = alt.Chart(data).mark_text(align="left", dx=4).encode(x="error:Q", y=y, text="text:N")
    return (
        alt.layer(bars, text)
        .properties(width=300, height=alt.Step(30), title=_("Stopping criteria"))
        .configure(locale=chart_locale())
    )


def effects_chart(effects: pd.DataFrame, title: str) -> alt.FacetChart:
    """Main effects: mean validation error (%) per level of each factor, one panel per factor."""
    data = effects.assign(
        error=effects["mean_error"] * 100,
        factor=[factor_name(factor) for factor in effects["factor"]],
    )
    base = alt.Chart().encode(
        x=alt.X("level:N", title=None, sort=None),
        y=alt.Y("error:Q", title=_("mean validation error (%)"), scale=alt.Scale(zero=False)),
        tooltip=[
            alt.Tooltip("factor:N", title=_("factor")),
            alt.Tooltip("level:N", title=_("level")),
            alt.Tooltip("error:Q", format=".3f", title=_("mean validation error (%)")),
            alt.Tooltip("cells:Q", title=_("cells")),
        ],
    )
    text = base.mark_text(dy=-10, fontSize=10).encode(text=alt.Text("error:Q", format=".2f"))
    layered = alt.layer(base.mark_line(point=True), text, data=data)
    return (
        layered.properties(width=180, height=200)
        .facet(column=alt.Column("factor:N", title=None, sort=None))
        .resolve_scale(x="independent")
        .properties(title=title)
        .configure(locale=chart_locale())
    )


def trend_figures(cells: dict[str, pd.DataFrame]) -> dict[str, alt.LayerChart]:
    """The four trend charts, by export name, of `mlp_core.report.study.trend_cells`."""
    grid = cells["grid"]
    return {
        "error_vs_width": trend_chart(
            grid, "width", _("neurons per layer"), "depth", _("hidden layers"),
            _("Error against width, one line per depth (Adam, ReLU)"),
        ),
        "error_vs_depth": trend_chart(
            grid, "depth", _("hidden layers"), "width", _("neurons per layer"),
            _("Error against depth, one line per width (Adam, ReLU)"),
        ),
        "optimizers": level_chart(
            cells["optimizers"], "optimizer", _("Optimizers (ReLU, 500-300)"), "learning_rate_rule"
        ),
        "activations": level_chart(
            cells["activations"], "activation", _("Activation functions (Adam, 500-300)")
        ),
    }  # fmt: skip
