"""The exercise-2 page's replication view: the seed-to-seed spread measured per cell, which of
the cells are indistinguishable from the best (`mlp_core.report.replication`), and where the
seeds that would tell them apart stand (``runs/sweeps/factorial_best_seeds.toml``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from mlp_core.report import analysis, replication
from mlp_core.sweep.spec import SPEC_DIR, expand, load_spec
from ui.exercise2 import in_percent
from ui.exercise2_heatmap import REPLICATION_RULE, VERDICT_NAMES
from ui.i18n import _, count, decimal, localized_numbers, percent
from ui.i18n.formats import NumberSpec

#: The spec ``python -m mlp_core replicate factorial`` writes: more seeds of the best cells.
SEEDS_SPEC = SPEC_DIR / "factorial_best_seeds.toml"
#: Columns of the table of replicated cells.
REPLICATED_TABLE = [
    "hidden", "activation", "optimizer", "learning_rate", "seeds_text", "mean_error", "std_error",
    "sem_error", "p_adjusted", "verdict_text",
]  # fmt: skip


#: How that table writes its numbers (`localized_numbers`).
REPLICATED_NUMBERS: dict[str, NumberSpec] = {
    "learning_rate": "g4", "mean_error": 2, "std_error": 3, "sem_error": 3, "p_adjusted": "g3",
}  # fmt: skip


def replicated_columns() -> dict[str, object]:
    return {
        "hidden": _("hidden layers"),
        "activation": _("activation"),
        "optimizer": _("optimizer"),
        "learning_rate": _("learning rate"),
        "seeds_text": _("seeds"),
        "mean_error": _("mean validation error %"),
        "std_error": _("standard deviation (points)"),
        "sem_error": _("standard error (points)"),
        "p_adjusted": _("p-value against the best (Holm)"),
        "verdict_text": _("against the best"),
    }


def replication_section(judged: pd.DataFrame, frame: pd.DataFrame) -> None:
    """What the seeds measured (``judged``: `replication.compare_with_best` of the heatmap's
    cells) and the state of the seeds spec (``frame``: `analysis.runs_frame`)."""
    st.markdown(_("**Seeds: how much each cell moves, and which cells the noise cannot separate**"))
    spread = judged[judged["n"] >= 2]
    unranked = int((judged["verdict"] == "unranked").sum())
    if spread.empty:
        st.info(
            _(
                "No cell of the factorial has two seeds yet: no cell's seed-to-seed spread is "
                "measured, and its {n} stored cells cannot be ranked against each other (one "
                "seed mixes the cell's merit with its seed's luck)."
            ).format(n=count(unranked))
        )
    else:
        best = spread[spread["verdict"] == "best"].iloc[0]
        tied = int((spread["verdict"] == "indistinguishable").sum())
        pooled = replication.typical_spread(judged)[0]
        st.markdown(
            _(
                "Best of the {n} cells with two or more seeds: **{cell}**, {mean} over {seeds} "
                "seeds; {tied} more are indistinguishable from it, {worse} are worse. The seeds "
                "measured a spread (pooled standard deviation) of {pooled} points; {unranked} "
                "cells have one seed and cannot be ranked."
            ).format(
                n=count(len(spread)), mean=percent(best["mean_error"]), seeds=count(best["n"]),
                cell=f"{best['hidden']} {best['activation']} {best['optimizer']}",
                tied=count(tied), worse=count(len(spread) - tied - 1),
                pooled=decimal(100 * pooled, 2), unranked=count(unranked),
            )
        )  # fmt: skip
        table = spread.assign(
            seeds_text=[", ".join(map(str, seeds)) for seeds in spread["seeds"]],
            verdict_text=[_(VERDICT_NAMES[verdict]) for verdict in spread["verdict"]],
        )
        st.dataframe(
            localized_numbers(in_percent(table, REPLICATED_TABLE), REPLICATED_NUMBERS),
            hide_index=True, placeholder="—",
            column_config=replicated_columns(),
        )  # fmt: skip
    st.caption(_(REPLICATION_RULE))
    seeds_spec_note(frame, SEEDS_SPEC)


def seeds_spec_note(frame: pd.DataFrame, path: Path) -> None:
    """Where the seeds of the best cells stand: the spec to write, or how much of it is stored."""
    shown = f"runs/sweeps/{path.name}"
    if not path.exists():
        st.caption(
            _(
                "To replicate the best cells: `python -m mlp_core replicate factorial` (once the "
                "factorial is complete) writes `{spec}`, seeds 1 and 2 of its 10 best cells; "
                "`python -m mlp_core sweep {name}` trains them."
            ).format(spec=shown, name=path.stem)
        )
        return
    try:
        configs = expand(load_spec(path))
    except ValueError as error:
        st.warning(_("`{spec}` cannot be read: {error}").format(spec=shown, error=error))
        return
    missing = len(analysis.missing_configs(frame, configs))
    st.caption(
        _(
            "`{spec}` (more seeds of the best cells): {stored} of its {total} runs stored; "
            "`python -m mlp_core sweep {name}` trains the rest."
        ).format(
            spec=shown, stored=count(len(configs) - missing), total=count(len(configs)),
            name=path.stem,
        )
    )  # fmt: skip
