"""Which committed runs keep their weights: the models the Draw a digit page runs. No torch.

The pages need, of MNIST: the handout's experiment (seeds 0-2, validation and test), softmax
regression (test), the final beyond-the-handout model (the best validation configuration trained on
60000/10000, seed 0, as exercise 3 chooses it) and the best run of each optimizer x activation panel
of the factorial (`runs/sweeps/factorial.toml`). `weight_targets` lists them from the store;
``python -m mlp_core weights keep`` trains each one that lacks weights again, with them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from mlp_core.config import RunConfig
from mlp_core.report.model_choice import best_candidate, final_config
from mlp_core.store.entry import StoredRun
from mlp_core.store.weights import parameter_count
from mlp_core.sweep.spec import SPEC_DIR, expand, load_spec

#: The handout's experiment (`RunConfig()` defaults) and softmax regression, as exercise 3 names them.
HANDOUT = RunConfig()
SOFTMAX = RunConfig(hidden=(), split="test")
FACTORIAL_SPEC = SPEC_DIR / "factorial.toml"


@dataclass(frozen=True)
class WeightTarget:
    """A run whose weights the pages need.

    Attributes
    ----------
    role : str
        Why: "handout", "softmax regression", "final model", "best of adam x relu" ...
    config : RunConfig
    stored : StoredRun or None
        Its entry in the store (newest code version), None when it is not stored yet.
    """

    role: str
    config: RunConfig
    stored: StoredRun | None

    @property
    def parameters(self) -> int:
        return parameter_count(self.config)


def handout_configs(seeds: Sequence[int] = (0, 1, 2)) -> list[tuple[str, RunConfig]]:
    """(role, config) of the handout's experiment at ``seeds``, validation then test."""
    return [
        (f"handout, {split}, seed {seed}", replace(HANDOUT, split=split, seed=seed))
        for split in ("validation", "test")
        for seed in seeds
    ]


def panel_bests(entries: Iterable[StoredRun], factorial: Iterable[RunConfig]) -> list[StoredRun]:
    """The finished run of fewest validation errors of each (optimizer, activation) panel of the
    ``factorial`` configs stored in ``entries`` (ties: fewer parameters, then the label)."""
    wanted = set(factorial)
    best: dict[tuple[str, str], StoredRun] = {}
    for entry in entries:
        if entry.config not in wanted or entry.status != "finished":
            continue
        if entry.metrics.eval_errors is None:
            continue
        panel = (entry.config.optimizer, entry.config.activation)
        if panel not in best or _order(entry) < _order(best[panel]):
            best[panel] = entry
    return [best[panel] for panel in sorted(best)]


def _order(entry: StoredRun) -> tuple[int, int, str]:
    return (entry.metrics.eval_errors or 0, parameter_count(entry.config), entry.config.label())


def weight_targets(entries: Iterable[StoredRun], code_version: str) -> list[WeightTarget]:
    """Every run the pages need weights of, in the order above, each config once.

    Parameters
    ----------
    entries : iterable of StoredRun
        The store's entries; only those of ``code_version`` count (the app shows those).
    code_version : str
        The current `mlp_core.config.CODE_VERSION`.
    """
    current = [entry for entry in entries if entry.code_version == code_version]
    by_config = {entry.config: entry for entry in current}
    wanted = [*handout_configs(), ("softmax regression", SOFTMAX)]
    with contextlib.suppress(ValueError):  # no validation run yet: no final model to keep
        wanted.append(("final model", final_config(best_candidate(current, "mnist"), seed=0)))
    for entry in panel_bests(current, expand(load_spec(FACTORIAL_SPEC))):
        wanted.append(
            (f"best of {entry.config.optimizer} x {entry.config.activation}", entry.config)
        )
    targets, seen = [], set()
    for role, config in wanted:
        if config not in seen:
            seen.add(config)
            targets.append(WeightTarget(role, config, by_config.get(config)))
    return targets


#: The runs the Draw a digit page shows first, by role, and how it names them.
SHOWN_FIRST: dict[str, str] = {
    "handout, test, seed 0": "Handout MLP",
    "final model": "Final model",
    "softmax regression": "Softmax regression",
}


def runnable(
    entries: Iterable[StoredRun], code_version: str, roles: dict[str, str]
) -> list[StoredRun]:
    """Finished MNIST runs of ``code_version`` stored with weights: those with a role (store key ->
    role, from `weight_targets`) first, then test runs, then by label."""
    found = [
        entry
        for entry in entries
        if entry.has_weights
        and entry.code_version == code_version
        and entry.status == "finished"
        and entry.config.dataset == "mnist"
    ]
    return sorted(
        found, key=lambda e: (e.key not in roles, e.config.split != "test", e.config.label())
    )


def shown_first(roles: dict[str, str], available: Iterable[str]) -> list[str]:
    """The store keys among ``available`` of the `SHOWN_FIRST` roles, in that order."""
    keys = set(available)
    by_role = {role: key for key, role in roles.items() if key in keys}
    return [by_role[role] for role in SHOWN_FIRST if role in by_role]


def display_name(entry: StoredRun, role: str | None) -> str:
    """E.g. "Handout MLP (784-500-300-10 relu adam, test)"; the label for a run without a role."""
    title = SHOWN_FIRST.get(role or "", role)
    config = entry.config
    details = f"{config.architecture} {config.activation} {config.optimizer}, {config.split}"
    return f"{title} ({details})" if title else config.label()
