"""Exercise 2 analysis: the store's rows matched to a sweep's cells, trends, and what matters most.

Input is the store's index (`mlp_core.store.index.index_frame`; no torch). A *cell* is a config
without its seed: seeds are replicates, so a cell's error is the mean over its stored seeds, with their standard
deviation and count. Diverged runs are counted, never averaged in and never dropped. Errors are
fractions in [0, 1]; pages multiply by 100.

"Which factor matters most" is answered two ways:

- `variance_explained` on a full grid: the share of the cells' variance in validation error that
  each factor's main effect carries (eta squared, sum of squares between its levels over the total);
  the rest is interactions. Exact for a complete balanced grid; on an incomplete grid it is only a
  description of the cells present.
- `factor_ranges` on one-factor-at-a-time sets: how far the error moves from the best to the worst
  level of each factor, everything else at the base config.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mlp_core.config import RunConfig, version_order
from mlp_core.store.index import INDEX_COLUMNS, hidden_text

#: Config fields that identify a cell (every field but the seed).
CELL_FIELDS: tuple[str, ...] = tuple(f for f in RunConfig().to_dict() if f != "seed")
#: Exercise 2's factors, as index columns.
FACTORS: tuple[str, ...] = ("optimizer", "activation", "depth", "width")
CELL_COLUMNS = [
    *CELL_FIELDS,
    "depth",
    "width",
    "status",
    "n",
    "n_diverged",
    "mean_error",
    "std_error",
    "min_error",
    "max_error",
    "best_key",
    "keys",
    "seeds",
]


def cell_of(config: RunConfig) -> tuple[Any, ...]:
    """The cell (config without its seed) of ``config``, comparable with `runs_frame`'s ``cell``."""
    values = config.to_dict()
    values["hidden"] = hidden_text(config.hidden)
    return tuple(values[name] for name in CELL_FIELDS)


def runs_frame(index: pd.DataFrame) -> pd.DataFrame:
    """The store's index (`index_frame`), the newest code version of each (cell, seed) only.

    Adds ``cell`` (`cell_of` of the row's ``config``) and ``diverged`` (bool). Older code versions
    are left out here (they stay in the store and in the page's table of all runs).
    """
    if index.empty:
        return pd.DataFrame(columns=[*INDEX_COLUMNS, "cell", "diverged"])
    frame = index.copy()
    frame["cell"] = frame["config"].map(cell_of)
    frame["diverged"] = frame["status"] == "diverged"
    frame["_version"] = frame["code_version"].map(version_order)
    frame = frame.sort_values("_version").drop_duplicates(["cell", "seed"], keep="last")
    return frame.drop(columns="_version").reset_index(drop=True)


def _with_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``, or `runs_frame`'s empty frame for a bare one without columns (nothing stored)."""
    return frame if len(frame.columns) else runs_frame(pd.DataFrame())


def summarize(frame: pd.DataFrame, configs: Iterable[RunConfig]) -> pd.DataFrame:
    """One row per distinct cell of ``configs`` (in order), with its stored seeds aggregated.

    Returns
    -------
    DataFrame
        `CELL_COLUMNS`: the cell's fields (``hidden`` as text) plus ``depth`` and ``width``;
        ``status`` "finished" (some seed finished), "diverged" (all stored seeds diverged) or
        "missing"; ``n`` finished seeds, ``n_diverged``; ``mean_error``, ``std_error`` (NaN below
        two seeds), ``min_error``, ``max_error``; ``best_key`` (lowest error, else a diverged
        run; NA when missing), ``keys`` and ``seeds`` of every stored run of the cell.
    """
    frame = _with_columns(frame)
    empty = frame.iloc[0:0]
    by_cell = dict(iter(frame.groupby("cell", sort=False)))
    out: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for config in dict.fromkeys(configs):
        cell = cell_of(config)
        if cell in seen:
            continue
        seen.add(cell)
        rows = by_cell.get(cell, empty)
        finished = rows[~rows["diverged"].astype(bool)]
        errors = finished["eval_error"].astype(float)
        n_diverged = int(rows["diverged"].astype(bool).sum())
        if len(errors):
            status, best = "finished", finished.loc[errors.idxmin(), "key"]
        elif n_diverged:
            status, best = "diverged", rows["key"].iloc[0]
        else:
            status, best = "missing", None
        out.append(
            {
                **dict(zip(CELL_FIELDS, cell, strict=True)),
                "cell": cell,
                "depth": len(config.hidden),
                "width": config.hidden[0] if config.hidden else 0,
                "status": status,
                "n": len(errors),
                "n_diverged": n_diverged,
                # pandas gives NaN for the mean, min and max of no seed and the std of one
                "mean_error": errors.mean(),
                "std_error": errors.std(ddof=1),
                "min_error": errors.min(),
                "max_error": errors.max(),
                "best_key": best,
                "keys": tuple(rows["key"]),
                "seeds": tuple(sorted(rows["seed"])),
            }
        )
    return pd.DataFrame(out, columns=[*CELL_COLUMNS, "cell"])


def main_effects(cells: pd.DataFrame, factors: Sequence[str] = FACTORS) -> pd.DataFrame:
    """Mean error of the finished cells at each level of each factor.

    Returns columns ``factor``, ``level`` (as text), ``mean_error``, ``cells``.
    """
    done = cells[cells["status"] == "finished"]
    rows = []
    for factor in factors:
        for level, group in done.groupby(factor, sort=True):
            rows.append((factor, str(level), group["mean_error"].mean(), len(group)))
    return pd.DataFrame(rows, columns=["factor", "level", "mean_error", "cells"])


def variance_explained(cells: pd.DataFrame, factors: Sequence[str] = FACTORS) -> pd.DataFrame:
    """Share of the variance of the finished cells' error carried by each factor's main effect.

    ``share = sum over levels of n_level * (mean_level - grand mean)^2 / total sum of squares``
    (eta squared). A last row, "interactions", holds ``1 - sum(shares)``: what no single factor
    explains. A factor with one level explains nothing here (``levels`` says so).

    Returns columns ``factor``, ``share``, ``levels``, ``cells``; empty if under two cells.
    """
    done = cells[cells["status"] == "finished"]
    columns = ["factor", "share", "levels", "cells"]
    if len(done) < 2:
        return pd.DataFrame(columns=columns)
    values = done["mean_error"].astype(float)
    total = float(((values - values.mean()) ** 2).sum())
    rows = []
    for factor in factors:
        groups = done.groupby(factor)["mean_error"]
        between = float((groups.count() * (groups.mean() - values.mean()) ** 2).sum())
        rows.append((factor, between / total if total > 0 else 0.0, groups.ngroups, len(done)))
    explained = sum(row[1] for row in rows)
    rows.append(("interactions", max(0.0, 1.0 - explained), np.nan, len(done)))
    return pd.DataFrame(rows, columns=columns)


def factor_ranges(sets: Mapping[str, tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """For each one-factor-at-a-time set ``name -> (factor, summarized cells)``: the levels tried,
    the best and worst level, and how far the error moves between them.

    Returns columns ``factor``, ``set``, ``levels``, ``best``, ``best_error``, ``worst``,
    ``worst_error``, ``range`` (worst - best), ``diverged`` (levels that diverged); sorted by
    ``range``, largest first. Sets without two finished levels are left out.
    """
    rows = []
    for name, (factor, cells) in sets.items():
        done = cells[cells["status"] == "finished"]
        if len(done) < 2:
            continue
        best, worst = done.loc[done["mean_error"].idxmin()], done.loc[done["mean_error"].idxmax()]
        rows.append(
            {
                "factor": factor,
                "set": name,
                "levels": len(cells),
                "best": str(best[factor]),
                "best_error": best["mean_error"],
                "worst": str(worst[factor]),
                "worst_error": worst["mean_error"],
                "range": worst["mean_error"] - best["mean_error"],
                "diverged": int((cells["status"] == "diverged").sum()),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "factor",
            "set",
            "levels",
            "best",
            "best_error",
            "worst",
            "worst_error",
            "range",
            "diverged",
        ],
    )
    return frame.sort_values("range", ascending=False, ignore_index=True)


def stopping_table(
    frame: pd.DataFrame, fixed: RunConfig, long: RunConfig, patience: RunConfig
) -> pd.DataFrame:
    """Stopping rules side by side, seeds averaged.

    Rows: ``fixed`` (its epochs, last weights), ``long`` (fixed, more epochs), ``patience`` (stops
    after ``patience.patience`` epochs without improvement, keeps the best), and the long run's best
    epoch in hindsight (chosen on the validation set itself: optimistic). Columns ``rule``,
    ``epochs_run``, ``kept_epoch``, ``eval_error``, ``n``, ``status``.
    """
    rows = []
    frame = _with_columns(frame)
    finished = frame[~frame["diverged"].astype(bool)]

    def add(rule: str, config: RunConfig, hindsight: bool = False) -> None:
        cell = summarize(frame, [config]).iloc[0]
        stored = finished[finished["cell"] == cell["cell"]]  # means of no run are NaN
        if hindsight:
            error, kept = stored["best_eval_error"].mean(), stored["best_epoch"].mean()
        else:
            kept_at = "best_epoch" if config.stopping == "patience" else "epochs_run"
            error, kept = cell["mean_error"], stored[kept_at].mean()
        rows.append(
            {
                "rule": rule,
                "epochs_run": stored["epochs_run"].mean(),
                "kept_epoch": kept,
                "eval_error": error,
                "n": int(cell["n"]),
                "status": cell["status"],
            }
        )

    add(f"fixed {fixed.epochs} epochs (last weights)", fixed)
    add(f"fixed {long.epochs} epochs (last weights)", long)
    add(f"patience {patience.patience} (max {patience.epochs}), best weights restored", patience)
    add(f"best epoch of the {long.epochs}-epoch run, in hindsight", long, hindsight=True)
    return pd.DataFrame(
        rows, columns=["rule", "epochs_run", "kept_epoch", "eval_error", "n", "status"]
    )


def level_means(cells: pd.DataFrame, factor: str) -> pd.DataFrame:
    """The finished cells averaged per level of ``factor`` (other factors pooled), as cells:
    columns ``factor`` value, ``mean_error``, ``status`` ("finished"), ``n`` (cells averaged).

    Lets `factor_ranges` measure a factor of a grid: e.g. depth, averaged over widths.
    """
    done = cells[cells["status"] == "finished"]
    grouped = done.groupby(factor, sort=True)["mean_error"].agg(["mean", "count"]).reset_index()
    return pd.DataFrame(
        {
            factor: grouped[factor],
            "mean_error": grouped["mean"],
            "status": "finished",
            "n": grouped["count"],
        }
    )


def missing_configs(frame: pd.DataFrame, configs: Iterable[RunConfig]) -> list[RunConfig]:
    """The configs (seed included) of which ``frame`` holds no run, in order, without duplicates."""
    frame = _with_columns(frame)
    stored = set(zip(frame["cell"], frame["seed"], strict=True))
    return [c for c in dict.fromkeys(configs) if (cell_of(c), c.seed) not in stored]
