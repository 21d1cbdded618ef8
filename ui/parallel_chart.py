"""The parallel-coordinates chart of exercise 2 (a pure builder: no ``st.*``).

Frames come from `mlp_core.report.coordinates`: one line per run over six axes normalised to
[0, 1], each axis with its own labels. Two selections, read back by the page through
``on_select``: `BRUSH`, an interval dragged over one or more axes (the page filters its run table
with `coordinates.brushed`; the chart greys the lines that miss it, by the same rule), and
`CLICK`, a clicked line (its run's key). Data inline and a fixed size, so vl-convert exports it.
"""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from mlp_core.report.coordinates import AXES
from ui.i18n import N_, _, chart_locale, percent

BRUSH = "brush"
CLICK = "run"
WIDTH, HEIGHT = 760, 380
TITLE_CHARACTERS = 16  # an axis title's line, at most (about 110 px of the 140 between axes)
AXIS_TITLES = {
    "optimizer": N_("optimizer (learning rate)"),
    "activation": N_("activation"),
    "depth": N_("hidden layers"),
    "width": N_("neurons per layer"),
    "stopping": N_("stopping"),
    "error": N_("validation error"),
}


def stopping_level(rule: str, epochs: int, patience: int) -> str:
    """A level of the stopping axis in the reader's language (`coordinates.coordinate_runs`)."""
    if rule == "fixed":
        return _("fixed {n}").format(n=epochs)  # n: epochs
    return _("patience {patience} (max {n})").format(patience=patience, n=epochs)


# A point is covered by the brush when its axis lies inside the brush's axis range; a run passes
# when every covered point lies inside the brush's position range (`coordinates.brushed`).
_COVERED = (
    f"isValid({BRUSH}.axis_index) && datum.axis_index >= min({BRUSH}.axis_index[0], "
    f"{BRUSH}.axis_index[1]) && datum.axis_index <= max({BRUSH}.axis_index[0], "
    f"{BRUSH}.axis_index[1])"
)
_OUTSIDE = (
    f"datum.position < min({BRUSH}.position[0], {BRUSH}.position[1]) || "
    f"datum.position > max({BRUSH}.position[0], {BRUSH}.position[1])"
)


def _lines(positions: pd.DataFrame, x: alt.X, y: alt.Y) -> alt.Chart:
    """One line per run, coloured by its error; grey when it misses the brush."""
    color = alt.Color(
        "error_pct:Q",
        title=_("validation error (%)"),
        scale=alt.Scale(type="log", scheme="viridis", reverse=True),
        legend=None,  # the last axis is the error: no legend needed
    )
    tooltip = [
        alt.Tooltip("label:N", title=_("run")),
        alt.Tooltip("error_pct:Q", title=_("validation error (%)"), format=".2f"),
    ]
    return (
        alt.Chart(positions)
        .transform_calculate(covered=f"({_COVERED}) ? 1 : 0")
        .transform_calculate(missed=f"datum.covered == 1 && ({_OUTSIDE}) ? 1 : 0")
        .transform_joinaggregate(any_covered="max(covered)", any_missed="max(missed)", groupby=["key"])
        .transform_calculate(passes="datum.any_covered == 0 || datum.any_missed == 0")
        .mark_line(strokeWidth=1.4)
        .encode(
            x=x, y=y, detail="key:N", tooltip=tooltip,
            color=alt.condition("datum.passes", color, alt.value("#d9d9d9")),
            opacity=alt.condition("datum.passes", alt.value(0.85), alt.value(0.35)),
            order=alt.Order("passes:N"),
        )
        .add_params(
            alt.selection_interval(name=BRUSH, encodings=["x", "y"]),
            alt.selection_point(name=CLICK, fields=["key"], on="click"),
        )
    )  # fmt: skip


def _axes(ticks: pd.DataFrame, x: alt.X, y: alt.Y) -> list[alt.Chart]:
    """The vertical axes, their labels and their titles."""
    # A rule with only x spans the plot's height.
    indexes = pd.DataFrame({"axis_index": range(len(AXES))})
    rules = alt.Chart(indexes).mark_rule(color="#555555").encode(x=x)
    labels = ticks.assign(
        label=[
            percent(value, 0 if round(100 * value, 6).is_integer() else 1)
            if axis == "error"
            else label
            for axis, label, value in zip(
                ticks["axis"], ticks["label"], ticks["value"], strict=True
            )
        ]
    )
    text = (
        alt.Chart(labels)
        .mark_text(align="left", dx=5, fontSize=10, color="#222222", stroke="white",
                   strokeWidth=3, strokeOpacity=0.8)
        .encode(x=x, y=y, text="label:N")
    )  # fmt: skip
    text_top = alt.Chart(labels).mark_text(align="left", dx=5, fontSize=10, color="#222222")
    titles = pd.DataFrame(
        {
            "axis_index": range(len(AXES)),
            "position": 0.0,  # below the axis: a wrapped title grows downwards, off the plot
            # Wrapped to the room between two axes (a line break in the text, see mark_text).
            "title": [textwrap.fill(_(AXIS_TITLES[axis]), TITLE_CHARACTERS) for axis in AXES],
        }
    )
    heads = (
        alt.Chart(titles)
        .mark_text(fontWeight="bold", fontSize=11, baseline="top", dy=14, lineBreak="\n")
        .encode(x=x, y=y, text="title:N")
    )
    return [rules, text, text_top.encode(x=x, y=y, text="label:N"), heads]


def parallel_chart(
    positions: pd.DataFrame, ticks: pd.DataFrame, labels: dict[str, str], title: str = ""
) -> alt.LayerChart:
    """The chart: `coordinates.axis_positions` and `coordinates.axis_ticks` frames; ``labels``
    names each run (by key) in the tooltip."""
    data = positions.assign(
        error_pct=positions["eval_error"] * 100, label=positions["key"].map(labels)
    )
    x = alt.X(
        "axis_index:Q", axis=None, scale=alt.Scale(domain=[-0.15, len(AXES) - 0.35], nice=False)
    )
    y = alt.Y("position:Q", axis=None, scale=alt.Scale(domain=[-0.04, 1.04], nice=False))
    return (
        alt.layer(_lines(data, x, y), *_axes(ticks, x, y))
        .properties(
            width=WIDTH, height=HEIGHT, title=title, padding={"top": 8, "left": 6, "bottom": 36}
        )
        .configure_view(stroke=None)
        .configure(locale=chart_locale())
    )
