"""Seeds as replicates: the noise of each exercise-2 cell, and which cells the noise cannot separate.

Input is `mlp_core.report.analysis.summarize` output: one row per cell (a config without its seed)
with ``n`` finished seeds, their ``mean_error`` and ``std_error`` (sample standard deviation,
``ddof=1``), as fractions. No torch.

**Seed-to-seed spread** (`seed_spread`): measured only where a cell has two or more finished seeds;
a one-seed cell has none, and its one error mixes the cell's merit with its seed's luck in unknown
shares.

**Indistinguishable from the best** (`compare_with_best`), the rule:

1. Only *replicated* cells (two or more finished seeds) are ranked. The reference ("best") is the
   replicated cell of lowest mean validation error. Cells with one seed are "unranked": they cannot
   be told apart from anything, lower error or not.
2. Each other replicated cell is compared with the reference by Welch's two-sided t-test on the
   seeds' validation errors (unequal variances; from the means, standard deviations and counts).
3. The p-values are adjusted by Holm's method over the cells compared (the family-wise error rate
   stays at ``alpha`` however many cells are compared). A cell whose adjusted p-value is below
   ``alpha`` (0.05) is "worse"; else "indistinguishable" from the best.

The test is conditional on the shared validation set (every cell is measured on the same 6000
images): it asks whether a difference exceeds what retraining with another seed moves, not whether
it would hold on new images. With 3 seeds a test has little power, so "indistinguishable" is the
honest reading of most close cells, not a proof that they are equal. Picking the reference as the
minimum biases it low, which makes "worse" slightly too easy; Holm does not correct for that.
Two cells whose seeds all have identical errors have no spread: equal means are then
indistinguishable (p = 1), different ones are told apart (p = 0).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

#: Level of the Holm-adjusted Welch tests.
ALPHA = 0.05
#: Verdicts of `compare_with_best`, in the order a table lists them.
VERDICTS: tuple[str, ...] = ("best", "indistinguishable", "worse", "unranked")
#: The columns `compare_with_best` adds.
VERDICT_COLUMNS = ["sem_error", "p_value", "p_adjusted", "verdict"]


def seed_spread(cells: pd.DataFrame) -> pd.DataFrame:
    """The finished cells with two or more seeds: their spread across seeds.

    Returns
    -------
    DataFrame
        The rows of ``cells`` with ``n >= 2``, lowest mean first, plus ``sem_error`` (standard
        error of the mean, ``std_error / sqrt(n)``). Empty (same columns) when no cell is
        replicated.
    """
    done = cells[(cells["status"] == "finished") & (cells["n"] >= 2)].copy()
    done["sem_error"] = done["std_error"] / np.sqrt(done["n"].astype(float))
    return done.sort_values("mean_error", kind="stable")


def typical_spread(cells: pd.DataFrame) -> tuple[float, int, int]:
    """(pooled seed standard deviation, its degrees of freedom, replicated cells).

    The pooled standard deviation ``sqrt(sum((n - 1) * s^2) / sum(n - 1))`` over the replicated
    cells summarises the noise the seeds measured; NaN and zeros when no cell is replicated.
    """
    spread = seed_spread(cells)
    if spread.empty:
        return math.nan, 0, 0
    dof = (spread["n"] - 1).astype(float)
    pooled = float(np.sqrt((dof * spread["std_error"] ** 2).sum() / dof.sum()))
    return pooled, int(dof.sum()), len(spread)


def welch_p_value(
    mean_a: float, std_a: float, n_a: int, mean_b: float, std_b: float, n_b: int
) -> float:
    """Two-sided p-value of Welch's t-test from summary statistics (``n >= 2`` each).

    >>> round(welch_p_value(0.020, 0.001, 3, 0.024, 0.001, 3), 4)
    0.008
    >>> welch_p_value(0.02, 0.0, 2, 0.02, 0.0, 2)
    1.0
    """
    if min(n_a, n_b) < 2:
        raise ValueError(f"Welch's test needs two or more seeds per cell, got {n_a} and {n_b}")
    if std_a == 0 and std_b == 0:
        return 1.0 if mean_a == mean_b else 0.0
    result = scipy_stats.ttest_ind_from_stats(
        mean_a, std_a, n_a, mean_b, std_b, n_b, equal_var=False
    )
    return float(result.pvalue)


def holm_adjust(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order.

    >>> holm_adjust([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    order = sorted(range(len(p_values)), key=p_values.__getitem__)
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def compare_with_best(cells: pd.DataFrame, alpha: float = ALPHA) -> pd.DataFrame:
    """Each finished cell's verdict against the best replicated cell (the module's rule).

    Parameters
    ----------
    cells : DataFrame
        `analysis.summarize` output.
    alpha : float
        Level of the Holm-adjusted tests, in (0, 1).

    Returns
    -------
    DataFrame
        The finished rows of ``cells``, replicated cells first (best first, then by mean), then the
        unranked ones by their error, with `VERDICT_COLUMNS`: ``sem_error`` (NaN below two
        seeds), ``p_value`` and ``p_adjusted`` (Welch, Holm; NaN for the best and unranked cells)
        and ``verdict``, one of `VERDICTS`. Without a replicated cell every verdict is "unranked".
    """
    if not 0 < alpha < 1:
        raise ValueError(f"invalid alpha={alpha!r}: must be in (0, 1)")
    done = cells[cells["status"] == "finished"].copy()
    done["sem_error"] = done["std_error"] / np.sqrt(done["n"].astype(float))
    done["p_value"] = np.nan
    done["p_adjusted"] = np.nan
    done["verdict"] = "unranked"
    replicated = done[done["n"] >= 2].sort_values("mean_error", kind="stable")
    if replicated.empty:
        return done.sort_values("mean_error", kind="stable")
    best = replicated.iloc[0]
    done.loc[replicated.index[0], "verdict"] = "best"
    others = replicated.index[1:]
    raw = [
        welch_p_value(
            best["mean_error"], best["std_error"], int(best["n"]),
            done.at[index, "mean_error"], done.at[index, "std_error"], int(done.at[index, "n"]),
        )
        for index in others
    ]  # fmt: skip
    for index, p, adjusted in zip(others, raw, holm_adjust(raw), strict=True):
        done.loc[index, ["p_value", "p_adjusted"]] = [p, adjusted]
        done.loc[index, "verdict"] = "worse" if adjusted < alpha else "indistinguishable"
    rank = done["verdict"].map({"best": 0, "indistinguishable": 1, "worse": 1, "unranked": 2})
    return (
        done.assign(_rank=rank)
        .sort_values(["_rank", "mean_error"], kind="stable")
        .drop(columns="_rank")
    )


def best_cells(cells: pd.DataFrame, count: int) -> pd.DataFrame:
    """The ``count`` finished cells of lowest mean validation error, best first.

    Ties are broken by the cell's fields (optimizer, activation, hidden, ...), so the same store
    always gives the same cells. Diverged and missing cells are never chosen.
    """
    if count < 1:
        raise ValueError(f"invalid count={count!r}: must be >= 1")
    done = cells[cells["status"] == "finished"]
    order = done.assign(_tie=done["cell"].map(repr)).sort_values(
        ["mean_error", "_tie"], kind="stable"
    )
    return order.drop(columns="_tie").head(count)
