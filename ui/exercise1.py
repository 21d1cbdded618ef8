"""Exercise 1's table of best epochs and the sentences read from each run's history.

The numbers come from `mlp_core.report.curves`; this module shows them in the session's language
(headers, sentences, decimal comma). The page (pages/exercise1_curves.py) draws the charts.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from mlp_core.report import curves
from mlp_core.store.entry import StoredRun
from ui.i18n import N_, _, count, decimal, localized_numbers, ngettext, percent
from ui.i18n.formats import NumberSpec

#: Headers of the best-epoch table (`best_table`'s columns) and how its numbers are written
#: (`localized_numbers`; None: as they are).
BEST_COLUMNS: dict[str, tuple[str, NumberSpec | None]] = {
    "run": (N_("run"), None),
    "epochs": (N_("epochs"), None),
    "best_epoch": (N_("best epoch"), None),
    "best_eval_error": (N_("min validation error"), 2),
    "errors at best": (N_("errors at best"), None),
    "final_eval_error": (N_("final validation error"), 2),
    "rise": (N_("rise since best (points)"), "+2"),
    "final_train_error": (N_("final training error"), 3),
}


def best_table(runs: dict[str, StoredRun], picked: list[str], labels: dict[str, str]):
    """One row per picked run: epochs, best epoch and its error with count, final errors."""
    best = curves.best_epochs_frame({labels[key]: runs[key].history for key in picked})
    sizes = {labels[key]: runs[key].metrics.eval_size for key in picked}
    final_train = {labels[key]: runs[key].history["train_error"][-1] for key in picked}
    best["errors at best"] = [
        f"{round(rate * sizes[run])}/{sizes[run]}"  # a ratio of counts, written plain: 107/6000
        for run, rate in zip(best["run"], best["best_eval_error"], strict=True)
    ]
    best["final_train_error"] = best["run"].map(final_train)
    for column in ("best_eval_error", "final_eval_error", "final_train_error"):
        best[column] = best[column] * 100
    best["rise"] = best["rise"] * 100
    order = ["run", "epochs", "best_epoch", "best_eval_error", "errors at best"]
    return best[[*order, "final_eval_error", "rise", "final_train_error"]]


def show_best_table(best: pd.DataFrame) -> None:
    """`best_table` with headers and numbers in the session's language (decimal comma)."""
    specs = {column: spec for column, (_title, spec) in BEST_COLUMNS.items() if spec is not None}
    st.dataframe(
        localized_numbers(best, specs),
        hide_index=True,
        column_config={column: _(title) for column, (title, _spec) in BEST_COLUMNS.items()},
    )


def observations(
    best, runs: dict[str, StoredRun], picked: list[str], labels: dict[str, str]
) -> None:
    """One sentence per run, every number read from its history; then where the loss turns and
    whether longer runs repeat shorter ones (`loss_observations`, `prefix_observations`)."""
    for row in best.to_dict("records"):
        text = ngettext(
            "- **`{run}`**: validation error is lowest at epoch **{best}** ({error} = {errors}), "
            "ends at {final} after {n} epoch ({rise} points) while training error ends at "
            "{train}.",
            "- **`{run}`**: validation error is lowest at epoch **{best}** ({error} = {errors}), "
            "ends at {final} after {n} epochs ({rise} points) while training error ends at "
            "{train}.",
            int(row["epochs"]),
        )
        st.markdown(
            text.format(
                run=row["run"],
                best=row["best_epoch"],
                error=percent(row["best_eval_error"] / 100),
                errors=row["errors at best"],
                final=percent(row["final_eval_error"] / 100),
                n=count(int(row["epochs"])),
                rise=decimal(row["rise"], 2, sign=True),
                train=percent(row["final_train_error"] / 100, 3),
            )
        )
    loss_observations(runs, picked, labels)
    prefix_observations(runs, picked, labels)


def loss_observations(
    runs: dict[str, StoredRun], picked: list[str], labels: dict[str, str]
) -> None:
    """For each run whose validation loss rises 5% or more past its lowest: where, and what it means."""
    for key in picked:
        turn = curves.loss_turn(runs[key].history)
        if turn is None or turn.ratio < 1.05:
            continue
        text = _(
            "- **`{run}`**: validation *loss* is lowest at epoch **{best}** ({loss} nats) and ends "
            "at {final} ({ratio}×) while training loss falls to {train}: the network grows ever "
            "more confident on the validation digits it gets wrong. That is overfitting, and on "
            "MNIST it shows in the loss long before it shows in the error (switch the metric to "
            "*loss*)."
        )
        st.markdown(
            text.format(
                run=labels[key],
                best=turn.best_epoch,
                loss=decimal(turn.best_eval_loss, 3),
                final=decimal(turn.final_eval_loss, 3),
                ratio=decimal(turn.ratio, 1),
                train=decimal(turn.final_train_loss, 4),
            )
        )


def prefix_observations(
    runs: dict[str, StoredRun], picked: list[str], labels: dict[str, str]
) -> None:
    """Runs of one config but their epoch count: whether their common epochs are identical."""
    by_config = {}
    for key in picked:
        config = dataclasses.replace(runs[key].config, epochs=1)
        by_config.setdefault((config, runs[key].code_version), []).append(key)
    for keys in by_config.values():
        if len(keys) < 2 or runs[keys[0]].config.schedule != "constant":
            continue
        first, second = keys[:2]
        common, difference = curves.prefix_difference(runs[first].history, runs[second].history)
        if difference == 0:
            text = _(
                "The first {n} epochs of `{first}` and `{second}` are identical: training is "
                "deterministic, so a longer run repeats the shorter one."
            )
        else:
            text = _(
                "The first {n} epochs of `{first}` and `{second}` differ by up to {difference} "
                "(validation error): they were not computed identically (other code, device or "
                "thread count)."
            )
        st.caption(
            text.format(
                n=count(common),
                first=labels[first],
                second=labels[second],
                difference=percent(difference),
            )
        )
