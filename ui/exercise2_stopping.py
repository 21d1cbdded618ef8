"""The stopping tab of the exercise-2 page: the stopping criteria side by side
(`mlp_core.report.analysis.stopping_table`), the long and the patience run's curves."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mlp_core.report import analysis, curves, study
from ui import exercise2_charts as charts
from ui import store
from ui.exercise2 import downloads, in_percent
from ui.exercise2_text import STOPPING_NUMBERS, stopping_rules, table_columns
from ui.i18n import _, count, localized_numbers
from ui.learning_curves import curves_chart


def stopping_section(frame: pd.DataFrame, sets: dict) -> None:
    st.subheader(_("Stopping criterion"))
    fixed, long, patience = study.stopping_configs(sets)
    table = analysis.stopping_table(frame, fixed, long, patience)
    table["rule"] = stopping_rules(fixed, long, patience)  # the same rows, in the reader's words
    table["status"] = [_(charts.STATUS_NAMES.get(status, status)) for status in table["status"]]
    if table["eval_error"].isna().all():
        st.info(_("None of the stopping runs is stored yet."))
        return
    left, right = st.columns(2)
    with left:
        chart = charts.stopping_chart(table)
        st.altair_chart(chart, width="stretch")
        downloads(chart, "stopping", in_percent(table))
    with right:
        runs = store.runs_by_key()
        histories = {}
        named = (
            (_("fixed, {n} epochs").format(n=count(long.epochs)), long),
            (_("patience"), patience),
        )
        for label, config in named:
            key = analysis.summarize(frame, [config]).iloc[0]["best_key"]
            if key in runs:
                histories[label] = runs[key].history
        if histories:
            chart = curves_chart(
                curves.curves_frame(histories),
                curves.best_epochs_frame(histories),
                title=_("The long run and the patience run"),
            )
            st.altair_chart(chart, width="stretch")
    st.dataframe(
        localized_numbers(in_percent(table), STOPPING_NUMBERS),
        hide_index=True,
        column_config=table_columns(),
        placeholder="—",
    )
    st.caption(
        _(
            "Seeds are averaged where several are stored (column *seeds*). The best epoch in "
            "hindsight is picked on the validation set itself, so its error is optimistic; "
            "patience picks it the same way but must stop without seeing the epochs after."
        )
    )
