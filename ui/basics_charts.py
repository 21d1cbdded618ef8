"""Chart builders of the "PyTorch basics" pages: pure functions of data and labels (no ``st.*``).

Titles and series names come in already translated, and the number locale of the viewer's
language (``ui.i18n.chart_locale()``), so a builder reads nothing from the session.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

#: Batches the running mean of the loss chart averages over.
RUNNING_MEAN_BATCHES = 20
#: Most points drawn per series: longer runs are thinned, so the chart stays light.
MOST_POINTS = 1500


@dataclass(frozen=True)
class LossChartLabels:
    """The words of the loss chart, in the viewer's language."""

    batch_axis: str  # x axis: the batch number over all epochs
    loss_axis: str  # y axis: the training loss
    loss_series: str  # legend: the per-batch loss
    mean_series: str  # legend: its running mean over `RUNNING_MEAN_BATCHES` batches


def loss_chart(
    losses: list[float], labels: LossChartLabels, locale: dict[str, object] | None = None
) -> alt.Chart:
    """Per-batch training loss and its running mean over `RUNNING_MEAN_BATCHES` batches.

    Parameters
    ----------
    losses : list of float
        The training loss of each batch, in order (all epochs).
    labels : LossChartLabels
    locale : dict, optional
        Vega-Lite's ``config.locale`` (``ui.i18n.chart_locale()``): the number marks of the axes.
    """
    frame = pd.DataFrame({"batch": range(1, len(losses) + 1), labels.loss_series: losses})
    frame[labels.mean_series] = (
        frame[labels.loss_series].rolling(RUNNING_MEAN_BATCHES, min_periods=1).mean()
    )
    stride = max(1, len(frame) // MOST_POINTS)
    long = frame.iloc[::stride].melt("batch", var_name="series", value_name="value")
    chart = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("batch:Q", title=labels.batch_axis),
            y=alt.Y("value:Q", title=labels.loss_axis, scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title=None),
        )
        .properties(height=260)
    )
    return chart.configure(locale=locale) if locale else chart
