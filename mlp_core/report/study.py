"""Exercise 2's study read from the store: the frames its tabs draw, one function per question.

Input: `analysis.runs_frame` of the store and the configs of each set of the ``exercise2`` spec
(`mlp_core.sweep.spec.expand_sets`); output: `analysis.summarize`-style frames (errors as
fractions). The page only lays them out. No torch.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from mlp_core.config import RunConfig
from mlp_core.report import analysis

Sets = Mapping[str, list[RunConfig]]


def stopping_configs(sets: Sets) -> tuple[RunConfig, RunConfig, RunConfig]:
    """(the handout's fixed 20 epochs, fixed for longer, patience) from the exercise 2 spec."""
    by_rule = {config.stopping: config for config in sets["stopping"]}
    return sets["seeds"][0], by_rule["fixed"], by_rule["patience"]


def one_factor_ranges(frame: pd.DataFrame, sets: Sets) -> pd.DataFrame:
    """`analysis.factor_ranges` of each factor of the study: optimizers, activations, depth
    (mean over widths), width (mean over depths) and the stopping rule (hindsight left out)."""
    grid = analysis.summarize(frame, sets["width_x_depth"])
    fixed, long, patience = stopping_configs(sets)
    stopping = analysis.stopping_table(frame, fixed, long, patience).iloc[:3]  # not hindsight
    labels = [f"fixed {fixed.epochs}", f"fixed {long.epochs}", f"patience {patience.patience}"]
    stopping = stopping.rename(columns={"eval_error": "mean_error"}).assign(stopping=labels)
    return analysis.factor_ranges(
        {
            "optimizers": ("optimizer", analysis.summarize(frame, sets["optimizers"])),
            "activations": ("activation", analysis.summarize(frame, sets["activations"])),
            "depth (mean over widths)": ("depth", analysis.level_means(grid, "depth")),
            "width (mean over depths)": ("width", analysis.level_means(grid, "width")),
            "stopping": ("stopping", stopping),
        }
    )


def variance_source(factorial: pd.DataFrame, grid: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """(the cells to split the variance of, whether they are the factorial): the factorial once
    two optimizers or activations are stored in it, else the Adam/ReLU width x depth grid."""
    finished = factorial[factorial["status"] == "finished"]
    if finished[["optimizer", "activation"]].nunique().max() > 1:
        return factorial, True
    return grid, False


def trend_cells(frame: pd.DataFrame, sets: Sets) -> dict[str, pd.DataFrame]:
    """The cells of each trend chart: ``grid`` (width x depth), ``optimizers`` (with a
    ``learning_rate_rule`` column: "own rate" or "handout 1e-3"), ``activations``."""
    grid = analysis.summarize(frame, sets["width_x_depth"])
    optimizers = analysis.summarize(frame, sets["optimizers"] + sets["handout_learning_rate"])
    starved = set(analysis.summarize(frame, sets["handout_learning_rate"])["cell"])
    optimizers["learning_rate_rule"] = [
        "handout 1e-3" if cell in starved else "own rate" for cell in optimizers["cell"]
    ]
    return {
        "grid": grid,
        "optimizers": optimizers,
        "activations": analysis.summarize(frame, sets["activations"]),
    }
