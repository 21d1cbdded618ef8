"""Altair charts of learning curves (exercise 1): error or loss per epoch, best epoch marked.

The frames come from `mlp_core.report.curves`; this module only draws them. Charts carry a fixed width so
that the PNG/SVG exports (vl-convert, no browser) have a size; pages stretch them on screen.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from mlp_core.report import curves
from ui.i18n import N_, _, chart_locale, percent, pgettext

#: Width in pixels of exported charts.
EXPORT_WIDTH = 760
#: Legends go below the plot: a legend on the right took the place the best-epoch labels need.
LEGEND_ORIENT = "bottom"

METRIC_TITLES = {"error": N_("error (%)"), "loss": N_("cross-entropy loss (nats)")}


def set_name(name: str) -> str:
    """A set of `curves.history_frame` ("training", "validation", "test") in the session's language."""
    names = {
        "training": pgettext("data split", "training"),
        "validation": pgettext("data split", "validation"),
        "test": pgettext("data split", "test"),
    }
    return names.get(name, name)


def _scaled(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Errors to percent (charts show percent; frames hold fractions), set names translated."""
    frame = frame.assign(set=frame["set"].map(set_name))
    return frame.assign(value=frame["value"] * 100) if metric == "error" else frame


def run_color(runs: list[str], legend: bool) -> alt.Color:
    """Colour by run, the same colour for a run in every chart given the same ``runs``."""
    # Stroke symbols at full opacity, whichever layer (a faint band) the legend is built from.
    shown = alt.Legend(
        orient=LEGEND_ORIENT,
        columns=1,
        labelLimit=0,
        symbolType="stroke",
        symbolOpacity=1,
        symbolStrokeWidth=3,
    )
    return alt.Color(
        "run:N",
        title=_("run"),
        scale=alt.Scale(domain=runs, scheme="tableau10"),
        legend=shown if legend else None,
    )


def set_color(sets: list[str]) -> alt.Color:
    """Colour by set (training / validation or test)."""
    return alt.Color(
        "set:N",
        title=_("set"),
        scale=alt.Scale(domain=sets, range=["#4c78a8", "#f58518"]),
        legend=alt.Legend(orient=LEGEND_ORIENT),
    )


def curves_chart(
    frame: pd.DataFrame,
    best: pd.DataFrame,
    metric: str = "error",
    log_scale: bool = False,
    shade_gap: bool = True,
    title: str = "",
) -> alt.LayerChart:
    """Training (solid) and evaluation (dashed) curves per run, best evaluation epoch marked.

    Parameters
    ----------
    frame : DataFrame
        `curves.curves_frame` output (values as fractions for "error").
    best : DataFrame
        `curves.best_epochs_frame` output: a diamond, a rule and a label at each run's best epoch
        (drawn on the error chart only).
    metric : {"error", "loss"}
    log_scale : bool
        Logarithmic y axis; rows with value 0 are dropped (the caller says how many).
    shade_gap : bool
        Shade the area between the training and evaluation curve of each run.
    title : str
        Chart title.
    """
    data = _scaled(frame[frame["metric"] == metric], metric)
    if log_scale:
        data = curves.log_scale_ready(data)[0]
    runs = list(dict.fromkeys(frame["run"]))
    single = len(runs) == 1
    y_scale = alt.Scale(type="log") if log_scale else alt.Scale(zero=False)
    x = alt.X("epoch:Q", title=_("epoch"), axis=alt.Axis(tickMinStep=1))
    y = alt.Y("value:Q", title=_(METRIC_TITLES[metric]), scale=y_scale)
    sets = [set_name(name) for name in dict.fromkeys(frame["set"])]
    # One run: colour tells training from evaluation. Several: colour is the run, dash the set.
    color = set_color(sets) if single else run_color(runs, legend=True)
    dash = alt.StrokeDash(
        "set:N", title=_("set"), scale=alt.Scale(domain=sets),
        legend=alt.Legend(orient=LEGEND_ORIENT),
    )  # fmt: skip
    tooltip = _point_tooltip(metric)
    base = alt.Chart(data)
    layers: list[alt.Chart] = []
    if shade_gap and not data.empty:
        layers += _gap_band(data, x, y_scale, alt.value("gray") if single else color)
    layers.append(base.mark_line(strokeWidth=2).encode(x=x, y=y, color=color, strokeDash=dash))
    # Invisible points carry the tooltips (lines alone only answer on their exact stroke).
    layers.append(base.mark_circle(size=70, opacity=0).encode(x=x, y=y, tooltip=tooltip))
    if metric == "error" and not best.empty:
        marker_color = alt.value("black") if single else color
        last = float(data["epoch"].max()) if len(data) else 1.0
        best = best.assign(value=best["best_eval_error"] * 100)
        layers += _best_layers(best, x, marker_color, last)
    chart = alt.layer(*layers).properties(width=EXPORT_WIDTH, height=380, title=title)
    return chart.configure(locale=chart_locale())  # decimal comma in Spanish


def _point_tooltip(metric: str) -> list[alt.Tooltip]:
    value_format = ".2f" if metric == "error" else ".4f"
    return [
        alt.Tooltip("run:N", title=_("run")),
        alt.Tooltip("set:N", title=_("set")),
        alt.Tooltip("epoch:Q", title=_("epoch")),
        alt.Tooltip("value:Q", title=_(METRIC_TITLES[metric]), format=value_format),
    ]


def _gap_band(data: pd.DataFrame, x: alt.X, y_scale: alt.Scale, color) -> list[alt.Chart]:
    """A faint band between each run's training and evaluation curve: the overfitting gap."""
    wide = data.pivot_table(index=["run", "epoch"], columns="set", values="value").reset_index()
    training = set_name("training")  # the frame's set names are translated already
    others = [name for name in wide.columns if name not in ("run", "epoch", training)]
    if training not in wide.columns or not others:
        return []
    wide = wide.rename(columns={training: "low", others[0]: "high"})
    band = alt.Chart(wide).mark_area(opacity=0.15)
    return [band.encode(x=x, y=alt.Y("low:Q", scale=y_scale), y2="high:Q", color=color)]


def _best_layers(best: pd.DataFrame, x: alt.X, color, last_epoch: float) -> list[alt.Chart]:
    """Rule, diamond and label at each run's epoch of minimum evaluation error (percent).

    A label right of its rule in the left half of the plot, left of it in the right half: a
    label near the last epoch never runs past the plot (into a legend, or off the export).
    """
    labels = [
        _("min {error} @ {number}").format(error=percent(value / 100), number=epoch)
        for value, epoch in zip(best["value"], best["best_epoch"], strict=True)
    ]
    best = best.assign(epoch=best["best_epoch"], label=labels)
    tooltip = [
        alt.Tooltip("run:N", title=_("run")),
        alt.Tooltip("best_epoch:Q", title=_("best epoch")),
        alt.Tooltip("value:Q", title=_("minimum error (%)"), format=".2f"),
    ]
    marks = alt.Chart(best)
    y = alt.Y("value:Q")
    layers = [
        marks.mark_rule(strokeDash=[2, 3], opacity=0.6).encode(x=x, color=color),
        marks.mark_point(shape="diamond", size=160, filled=True, opacity=1).encode(
            x=x, y=y, color=color, tooltip=tooltip
        ),
    ]
    # Each label sits at the top of its run's rule, one line lower per run: they never overlap.
    for row in range(len(best)):
        right_half = float(best["epoch"].iloc[row]) > last_epoch / 2
        layers.append(
            alt.Chart(best.iloc[[row]])
            .mark_text(
                align="right" if right_half else "left", baseline="top",
                dx=-4 if right_half else 4, fontWeight="bold",
            )
            .encode(x=x, y=alt.value(6 + 16 * row), text="label:N", color=color)
        )  # fmt: skip
    return layers


def gap_chart(gaps: pd.DataFrame, metric: str = "error") -> alt.LayerChart:
    """Evaluation minus training value per epoch and run: the overfitting, on its own axis.

    Runs keep the colours of `curves_chart` (same order of first appearance); no legend.
    """
    data = gaps.assign(gap=gaps["gap"] * 100) if metric == "error" else gaps
    unit = _("gap (percentage points)") if metric == "error" else _("gap (nats)")
    x = alt.X("epoch:Q", title=_("epoch"), axis=alt.Axis(tickMinStep=1))
    line = (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=20))
        .encode(
            x=x,
            y=alt.Y("gap:Q", title=unit),
            color=run_color(list(dict.fromkeys(gaps["run"])), legend=False),
            tooltip=[
                alt.Tooltip("run:N", title=_("run")),
                alt.Tooltip("epoch:Q", title=_("epoch")),
                alt.Tooltip("gap:Q", title=unit, format=".3f"),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"gap": [0.0]})).mark_rule(color="gray").encode(y="gap:Q")
    chart = alt.layer(zero, line).properties(width=EXPORT_WIDTH, height=240)
    return chart.configure(locale=chart_locale())
