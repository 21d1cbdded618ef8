"""Model selection for exercise 3: the best validation configuration and its final (test) config.

The handout's exercise 3 trains a final classifier "with the parameters chosen on validation" on the
official 60000 images and tests it once on the official 10000. Choosing anything from test errors
would bias the reported error, so everything here reads only runs with ``config.split ==
"validation"`` (`rank_candidates` filters on the split before it reads anything else of a run).

Selection rule (`SELECTION_RULE`): runs are grouped by configuration, all fields except ``seed``;
only finished runs count. A configuration's score is its mean validation error over the seeds that
exist (one seed: that run's error). Lowest mean wins; ties go to the configuration with more seeds
(more evidence), then fewer parameters (the simpler model), then fewer epochs, then the label.

The final configuration keeps every field and sets ``split="test"``, ``stopping="fixed"`` and
``epochs`` to the validation run's stopping point: its ``epochs`` for a fixed run, the best
validation epoch (the epoch whose weights early stopping kept) for a patience run, the median over
seeds (rounded half up) when there are replicates. A cosine schedule then decays over that shorter
run, as it would in any fixed-length run of that length.

No torch and no streamlit here: pages and tests call it on the store's verified entries
(`mlp_core.store.entry.StoredRun`, from `RunStore.entries`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from mlp_core.config import RunConfig
from mlp_core.store.entry import StoredRun
from mlp_core.sweep.estimate import weights

SELECTION_RULE = (
    "Among finished validation runs (never test runs), group by configuration (every field but the "
    "seed); score = mean validation error over the seeds run; lowest wins; ties: more seeds, then "
    "fewer parameters, then fewer epochs."
)


@dataclass(frozen=True)
class Candidate:
    """One configuration tried on validation, with every seed it was run with.

    Attributes
    ----------
    config : RunConfig
        The configuration with the smallest seed run (``split == "validation"``).
    seeds : tuple of int
        Seeds run, ascending.
    errors : tuple of int
        Validation errors (counts) of the kept model, one per seed, out of ``eval_size``.
    eval_size : int
        Validation images.
    stopping_epochs : tuple of int
        Per seed, the epoch whose weights were kept (``epochs`` for fixed runs).
    keys : tuple of str
        Store keys of the runs.
    """

    config: RunConfig
    seeds: tuple[int, ...]
    errors: tuple[int, ...]
    eval_size: int
    stopping_epochs: tuple[int, ...]
    keys: tuple[str, ...]

    @property
    def mean_error(self) -> float:
        """Mean validation error rate over seeds, in [0, 1]."""
        return sum(self.errors) / (len(self.errors) * self.eval_size)

    @property
    def stopping_epoch(self) -> int:
        """Epochs for the final run: the median stopping epoch over seeds, rounded half up."""
        return math.floor(statistics.median(self.stopping_epochs) + 0.5)

    @property
    def label(self) -> str:
        return self.config.label(seed=False, split=False)


def _kept_epoch(entry: StoredRun) -> int:
    return entry.best_epoch if entry.config.stopping == "patience" else entry.config.epochs


def _newest_per_run(entries: list[StoredRun]) -> list[StoredRun]:
    # The same config may be stored under several code versions: keep the newest.
    def version(entry: StoredRun) -> tuple[int, str]:
        text = entry.code_version
        return (int(text), text) if text.isdigit() else (-1, text)

    newest: dict[RunConfig, StoredRun] = {}
    for entry in entries:
        if entry.config not in newest or version(entry) > version(newest[entry.config]):
            newest[entry.config] = entry
    return list(newest.values())


def rank_candidates(
    entries: Iterable[StoredRun],
    dataset: str = "mnist",
    allowed: Collection[RunConfig] | None = None,
) -> list[Candidate]:
    """Validation configurations of ``dataset``, best first (see `SELECTION_RULE`).

    Parameters
    ----------
    entries : iterable of StoredRun
        The store's entries. Runs whose split is not "validation" are dropped before anything else
        of them is read: test errors can never influence the choice.
    dataset : str
    allowed : collection of RunConfig, optional
        Only runs whose config (seed included) is in it, e.g. a sweep spec's expansion.

    Returns
    -------
    list of Candidate
        Empty when no finished validation run matches.
    """
    validation = [entry for entry in entries if entry.config.split == "validation"]
    usable = [
        entry
        for entry in validation
        if entry.status == "finished"
        and entry.config.dataset == dataset
        and entry.metrics.eval_errors is not None
        and (allowed is None or entry.config in allowed)
    ]
    groups: dict[RunConfig, list[StoredRun]] = {}
    for entry in _newest_per_run(usable):
        groups.setdefault(replace(entry.config, seed=0), []).append(entry)
    candidates = []
    for members in groups.values():
        members.sort(key=lambda member: member.config.seed)
        sizes = {member.metrics.eval_size for member in members}
        if len(sizes) != 1:  # cannot happen for one config; guards against a corrupt store
            raise ValueError(
                f"runs of {members[0].config.label()} have different eval sizes {sorted(sizes)}"
            )
        candidates.append(
            Candidate(
                config=members[0].config,
                seeds=tuple(member.config.seed for member in members),
                errors=tuple(int(member.metrics.eval_errors or 0) for member in members),
                eval_size=sizes.pop(),
                stopping_epochs=tuple(_kept_epoch(member) for member in members),
                keys=tuple(member.key for member in members),
            )
        )
    return sorted(candidates, key=_rank)


def _rank(c: Candidate) -> tuple[float, int, int, int, str]:
    return c.mean_error, -len(c.seeds), weights(c.config), c.stopping_epoch, c.label


def best_candidate(
    entries: Iterable[StoredRun],
    dataset: str = "mnist",
    allowed: Collection[RunConfig] | None = None,
) -> Candidate:
    """The first of `rank_candidates`; ValueError with a clear message when there is none."""
    ranked = rank_candidates(entries, dataset, allowed)
    if not ranked:
        raise ValueError(
            f"no finished validation run of {dataset} in the store: run the exercise 2 sweep "
            "(python -m mlp_core sweep runs/sweeps/exercise2.toml) or train a validation run"
        )
    return ranked[0]


def final_config(candidate: Candidate, seed: int = 0) -> RunConfig:
    """The final run of ``candidate``: same fields, official 60000/10000, fixed epochs, ``seed``."""
    return replace(
        candidate.config,
        split="test",
        stopping="fixed",
        epochs=candidate.stopping_epoch,
        seed=seed,
    )


def stored_test_runs(
    entries: Iterable[StoredRun], config: RunConfig, seeds: Sequence[int]
) -> dict[int, StoredRun]:
    """Finished test runs of ``config`` at each of ``seeds`` (newest code version), by seed.

    ``config`` must have ``split == "test"``; seeds without a finished stored run are absent.
    """
    if config.split != "test":
        raise ValueError(f"expected a final config with split='test', got split={config.split!r}")
    wanted = {replace(config, seed=seed): seed for seed in seeds}
    finished = [
        entry
        for entry in entries
        if entry.config.split == "test"
        and entry.status == "finished"
        and entry.metrics.eval_errors is not None
    ]
    found = {}
    for entry in _newest_per_run(finished):
        if entry.config in wanted:
            found[wanted[entry.config]] = entry
    return dict(sorted(found.items()))


def candidates_frame(candidates: Sequence[Candidate]) -> pd.DataFrame:
    """One row per candidate, best first: rank, configuration, seeds, validation error (percent)."""
    rows = []
    for rank, candidate in enumerate(candidates, start=1):
        rates = [100 * errors / candidate.eval_size for errors in candidate.errors]
        rows.append(
            {
                "rank": rank,
                "configuration": candidate.label,
                "seeds": len(candidate.seeds),
                "mean_error_pct": 100 * candidate.mean_error,
                "min_error_pct": min(rates),
                "max_error_pct": max(rates),
                "errors": ", ".join(map(str, candidate.errors)),
                "n": candidate.eval_size,
                "stopping_epoch": candidate.stopping_epoch,
                "parameters": weights(candidate.config),
            }
        )
    return pd.DataFrame(rows)
