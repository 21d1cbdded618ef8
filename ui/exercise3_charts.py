"""Altair charts of the exercise-3 page (also exported, as PNG/SVG, in the report zip).

Every chart takes frames built by `mlp_core.report.final_tables` / `mlp_core.report.tables` (rates in percent)
and inlines its data, so `mlp_core.report.export.render_chart` can render it without a server.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from mlp_core.report import intervals
from ui.exercise3_text import category_name, level_text, method_name
from ui.i18n import N_, _, chart_locale

MEASURED = N_("This project (same test set)")
OURS_COLOR = "#d62728"
INVARIANT = N_("permutation-invariant")
NOT_INVARIANT = N_("uses image structure or augmentation")
#: Who measured a classifier: the legend of the comparison chart.
KINDS = {"ours": N_("ours"), "measured here": N_("measured here"), "published": N_("published")}
ROW_PX = 15  # height of one classifier row in the comparison chart
WIDTH = 560  # plot width of exported charts, pixels (pages stretch them)


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def comparison_data(
    published: pd.DataFrame, measured: pd.DataFrame, ours: intervals.Interval | None = None
) -> pd.DataFrame:
    """One row per classifier, measured ones first, then published ones by category (file order)
    and error: label (unique), category, kind, error_pct, lower_pct/upper_pct (measured only),
    invariance, source, and our interval (``ours_*_pct``, the same on every row; NaN without one).
    Category, kind and invariance are in the session's language (they are the chart's legends).
    """
    invariant, not_invariant = _(INVARIANT), _(NOT_INVARIANT)
    kinds = {kind: _(name) for kind, name in KINDS.items()}
    rows = []
    for _index, row in measured.iterrows():
        rows.append(
            {
                "label": _short(str(row["classifier"])),
                "category": _(MEASURED),
                "kind": kinds["ours" if row["kind"] == "ours" else "measured here"],
                "error_pct": row["error_pct"],
                "lower_pct": row["lower_pct"],
                "upper_pct": row["upper_pct"],
                "invariance": invariant,
                "source": row["source"],
            }
        )
    order = {category: index for index, category in enumerate(dict.fromkeys(published["category"]))}
    ranked = published.assign(_order=published["category"].map(order))
    for _index, row in ranked.sort_values(["_order", "test_error_pct"], kind="stable").iterrows():
        preprocessing = str(row["preprocessing"])
        name = str(row["classifier"]) + ("" if preprocessing == "none" else f" [{preprocessing}]")
        rows.append(
            {
                "label": _short(name),
                "category": category_name(str(row["category"])),
                "kind": kinds["published"],
                "error_pct": float(row["test_error_pct"]),
                "lower_pct": float("nan"),
                "upper_pct": float("nan"),
                "invariance": invariant if row["permutation_invariant"] else not_invariant,
                "source": f"{row['reference']} ({row['source_url']})",
            }
        )
    frame = pd.DataFrame(rows)
    # Axis labels must be unique: number repeated names ("... (2)").
    counts = frame.groupby("label").cumcount()
    frame["label"] = [
        label if count == 0 else f"{label} ({count + 1})"
        for label, count in zip(frame["label"], counts, strict=True)
    ]
    nan = float("nan")
    frame["ours_error_pct"] = 100 * ours.error if ours else nan
    frame["ours_lower_pct"] = 100 * ours.lower if ours else nan
    frame["ours_upper_pct"] = 100 * ours.upper if ours else nan
    return frame


def _ours_band(base: alt.Chart, x_scale: alt.Scale) -> list[alt.Chart]:
    """Our interval as a band and our error as a dashed rule, in every panel (none without)."""
    band = base.transform_aggregate(low="min(ours_lower_pct)", high="min(ours_upper_pct)")
    line = base.transform_aggregate(error="min(ours_error_pct)")
    return [
        band.mark_rect(color=OURS_COLOR, opacity=0.15).encode(
            x=alt.X("low:Q", scale=x_scale), x2="high:Q"
        ),
        line.mark_rule(color=OURS_COLOR, strokeDash=[4, 3]).encode(
            x=alt.X("error:Q", scale=x_scale)
        ),
    ]


def _classifier_points(base: alt.Chart, x_scale: alt.Scale, y: alt.Y) -> alt.Chart:
    """One point per classifier: colour says who measured it, shape whether it is invariant."""
    return base.mark_point(filled=True, size=50).encode(
        x=alt.X("error_pct:Q", scale=x_scale, title=_("test error (%, log scale)")),
        y=y,
        color=alt.Color(
            "kind:N",
            title=None,
            scale=alt.Scale(
                domain=[_(KINDS[kind]) for kind in ("ours", "measured here", "published")],
                range=[OURS_COLOR, "black", "#4c78a8"],
            ),
        ),
        shape=alt.Shape(
            "invariance:N",
            title=None,
            scale=alt.Scale(
                domain=[_(INVARIANT), _(NOT_INVARIANT)], range=["circle", "triangle-up"]
            ),
        ),
        tooltip=[
            alt.Tooltip("label:N", title=_("classifier")),
            alt.Tooltip("category:N", title=_("category")),
            alt.Tooltip("error_pct:Q", title=_("test error (%)"), format=".2f"),
            alt.Tooltip("lower_pct:Q", title=_("lower (%)"), format=".2f"),
            alt.Tooltip("upper_pct:Q", title=_("upper (%)"), format=".2f"),
            alt.Tooltip("invariance:N", title=_("invariance")),
            alt.Tooltip("source:N", title=_("source")),
        ],
    )


#: Category names over their panels: with no padding the label sits just above its own panel.
CATEGORY_HEADER = alt.Header(
    labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top",
    labelBaseline="top", labelPadding=0, labelFontWeight="bold",
)  # fmt: skip


def comparison_chart(data: pd.DataFrame, confidence: float | None = None) -> alt.FacetChart:
    """Error rates (log scale), one panel per category, our interval as a band in every panel.

    ``data`` is `comparison_data`; without our interval (no final run yet) there is no band.
    Circles: permutation-invariant classifiers (the fair comparison for an MLP); triangles: those
    using convolution, deskewing or distortions. Measured rows carry their interval as a line.
    """
    low, high = data["error_pct"].min(), data["error_pct"].max()
    x_scale = alt.Scale(type="log", domain=[low / 1.3, high * 1.3], nice=False)
    y = alt.Y("label:N", sort=list(data["label"]), title=None, axis=alt.Axis(labelLimit=430))
    base = alt.Chart(data)
    layers = _ours_band(base, x_scale) if data["ours_error_pct"].notna().any() else []
    layers.append(
        base.transform_filter("isValid(datum.lower_pct)")
        .mark_rule(color="black")
        .encode(x=alt.X("lower_pct:Q", scale=x_scale), x2="upper_pct:Q", y=y)
    )
    layers.append(_classifier_points(base, x_scale, y))
    title = (
        _("MNIST test error: measured here and published")
        if confidence is None
        else _(
            "MNIST test error: measured here and published; red band: ours, {level} interval"
        ).format(level=level_text(confidence))
    )
    row = alt.Row(
        "category:N", sort=list(dict.fromkeys(data["category"])), title=None, header=CATEGORY_HEADER
    )
    return (
        alt.layer(*layers)
        .properties(width=WIDTH, height=alt.Step(ROW_PX))
        .facet(row=row, spacing=16)
        .resolve_scale(y="independent")
        .properties(title=title)
        .configure(locale=chart_locale())
        .configure_legend(orient="top", labelLimit=320)
    )


def intervals_chart(table: pd.DataFrame) -> alt.LayerChart:
    """The three intervals of one error rate side by side (a `final_report.intervals_table`)."""
    axis = alt.Axis(labelLimit=220, labelOverlap=False)
    names = {intervals.METHOD_NAMES[method]: method_name(method) for method in intervals.METHODS}
    table = table.assign(method=[names.get(name, name) for name in table["method"]])
    base = alt.Chart(table).encode(
        y=alt.Y("method:N", title=None, sort=list(table["method"]), axis=axis)
    )
    rules = base.mark_rule(strokeWidth=3).encode(
        x=alt.X("lower_pct:Q", title=_("test error (%)"), scale=alt.Scale(zero=False)),
        x2="upper_pct:Q",
    )
    point = base.mark_point(filled=True, color="black").encode(x="error_pct:Q")
    return (
        alt.layer(rules, point)
        .properties(width=WIDTH // 2, height=alt.Step(34))
        .configure(locale=chart_locale())
    )


def confusion_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Heatmap of a `final_report.confusion_frame`: rows true class, columns prediction.

    Off-diagonal cells are coloured by count (the errors); the diagonal (correct) is grey.
    """
    order = list(dict.fromkeys(frame["true"]))
    base = alt.Chart(frame).encode(
        x=alt.X("predicted:N", sort=order, title=_("predicted class")),
        y=alt.Y("true:N", sort=order, title=_("true class")),
    )
    tooltip = [
        alt.Tooltip("true:N", title=_("true class")),
        alt.Tooltip("predicted:N", title=_("predicted class")),
        alt.Tooltip("count:Q", title=_("test images")),
        alt.Tooltip("share_pct:Q", format=".2f", title=_("share of the class (%)")),
    ]
    # Grey diagonal (correct), white empty cells, then the errors coloured by count on top.
    background = base.mark_rect().encode(
        color=alt.condition(alt.datum.correct, alt.value("#e6e6e6"), alt.value("white")),
        tooltip=tooltip,
    )
    cells = (
        base.transform_filter("!datum.correct && datum.count > 0")
        .mark_rect()
        .encode(
            color=alt.Color("count:Q", title=_("errors"), scale=alt.Scale(scheme="orangered")),
            tooltip=tooltip,
        )
    )
    errors = frame.loc[~frame["correct"], "count"]
    dark = 0.6 * float(errors.max()) if len(errors) else 0.0  # counts drawn on a dark cell
    text = (
        base.transform_filter("datum.count > 0")
        .mark_text(fontSize=11)
        .encode(
            text=alt.Text("count:Q"),
            color=alt.condition(
                f"!datum.correct && datum.count > {dark}", alt.value("white"), alt.value("black")
            ),
        )
    )
    return (
        alt.layer(background, cells, text)
        .properties(width=420, height=380, title=_("Confusion matrix (test set)"))
        .configure(locale=chart_locale())
    )


def per_class_chart(table: pd.DataFrame, confidence: float) -> alt.LayerChart:
    """Error of each true class with its interval (a `final_report.per_class_table`)."""
    order = list(table["class"])
    axis = alt.Axis(labelOverlap=False)
    base = alt.Chart(table).encode(y=alt.Y("class:N", sort=order, title=_("true class"), axis=axis))
    title = _("test error (%) with its {level} interval").format(level=level_text(confidence))
    rules = base.mark_rule().encode(x=alt.X("lower_pct:Q", title=title), x2="upper_pct:Q")
    points = base.mark_point(filled=True, size=50, color=OURS_COLOR).encode(
        x="error_pct:Q",
        tooltip=[
            alt.Tooltip("class:N", title=_("class")),
            alt.Tooltip("n:Q", title=_("test images")),
            alt.Tooltip("errors:Q", title=_("errors")),
            alt.Tooltip("error_pct:Q", format=".2f", title=_("test error (%)")),
            alt.Tooltip("lower_pct:Q", format=".2f", title=_("lower (%)")),
            alt.Tooltip("upper_pct:Q", format=".2f", title=_("upper (%)")),
        ],
    )
    return (
        alt.layer(rules, points)
        .properties(width=WIDTH // 2, height=alt.Step(30), title=_("Test error per class"))
        .configure(locale=chart_locale())
    )
