"""The exercise-2 page's words for what `mlp_core.report.analysis` and `study` return: factor
names, stopping rules and levels, learning-rate rules, table headers, in the session's language.

The library's frames keep their English values (CSV downloads stay machine-readable); the page
shows these instead, built from the same configs and identifiers, never parsed from the English.
"""

from __future__ import annotations

from mlp_core.config import RunConfig
from ui.i18n import N_, _, count

#: Factors of the study (`analysis.FACTORS`, `study.one_factor_ranges`, `variance_explained`).
FACTOR_NAMES = {
    "optimizer": N_("optimizer"),
    "activation": N_("activation function"),
    "depth": N_("hidden layers"),
    "width": N_("neurons per layer"),
    "stopping": N_("stopping criterion"),
    "interactions": N_("interactions"),
}
#: `study.trend_cells`' ``learning_rate_rule`` values.
LEARNING_RATE_RULES = {"own rate": N_("its own rate"), "handout 1e-3": N_("the handout's 1e-3")}


def factor_name(factor: str) -> str:
    return _(FACTOR_NAMES[factor]) if factor in FACTOR_NAMES else factor


def learning_rate_rule(rule: str) -> str:
    return _(LEARNING_RATE_RULES[rule]) if rule in LEARNING_RATE_RULES else rule


def stopping_rules(fixed: RunConfig, long: RunConfig, patience: RunConfig) -> list[str]:
    """The rows of `analysis.stopping_table(frame, fixed, long, patience)`, in its order."""
    return [
        _("fixed {n} epochs (last weights)").format(n=count(fixed.epochs)),
        _("fixed {n} epochs (last weights)").format(n=count(long.epochs)),
        _("patience {patience} (max {n}), best weights restored").format(
            patience=count(patience.patience), n=count(patience.epochs)
        ),
        _("best epoch of the {n}-epoch run, in hindsight").format(n=count(long.epochs)),
    ]


def level_names(configs: tuple[RunConfig, RunConfig, RunConfig]) -> dict[str, str]:
    """The stopping levels of `study.one_factor_ranges` (``best``/``worst``), by their value."""
    fixed, long, patience = configs
    return {
        f"fixed {fixed.epochs}": _("fixed {n}").format(n=count(fixed.epochs)),
        f"fixed {long.epochs}": _("fixed {n}").format(n=count(long.epochs)),
        f"patience {patience.patience}": _("patience {patience}").format(
            patience=count(patience.patience)
        ),
    }


#: How the stopping table writes its numbers (`localized_numbers`): epochs are means over seeds.
STOPPING_NUMBERS = {"eval_error": 2, "epochs_run": 0, "kept_epoch": 0}


def table_columns() -> dict[str, object]:
    """Headers of the stopping table (`analysis.stopping_table`)."""
    return {
        "rule": _("stopping criterion"),
        "eval_error": _("validation error %"),
        "epochs_run": _("epochs run"),
        "kept_epoch": _("weights of epoch"),
        "n": _("seeds"),
        "status": _("status"),
    }
