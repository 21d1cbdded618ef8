"""Running a sweep: every run of a spec not yet in the store, each stored the moment it finishes.

Work is cut into *units*: one run each, or, with ``batched``, one stack of runs trained together
(`mlp_core.sweep.units`). Units go:

- locally, to ``joblib.Parallel``: ``jobs`` worker processes (loky), each training one unit at a
  time with ``torch.set_num_threads(max(1, cores // jobs))`` so that workers do not fight over cores;
- on a cluster, to a ``dask.distributed.Client(scheduler)`` as futures (`mlp_core.sweep.cluster`):
  every Dask worker thread trains one unit at a time.

Either way the results come back to this process, which writes them to its store: **workers need
the data set (their own ``data/`` or ``$MLP_DATA_DIR``, fetched and verified on first use) but no
shared store folder**. Interrupting a sweep loses only the units in flight; running it again skips
everything stored (resume). On Dask, a unit whose worker dies is re-run on another worker by the scheduler
(up to ``distributed.scheduler.allowed-failures`` times, default 3). A unit that raises is reported
as failed and the sweep goes on. A scheduler that cannot be reached or is lost ends the sweep with a
`mlp_core.sweep.cluster.ClusterError`; what came back before is stored.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from mlp_core.config import RunConfig
from mlp_core.results import RunResult
from mlp_core.store.run_store import RunStore
from mlp_core.store.writing import save_or_rescue
from mlp_core.sweep.cluster import run_units, session
from mlp_core.sweep.estimate import flops_per_epoch
from mlp_core.sweep.progress import SweepProgress, Tracker
from mlp_core.sweep.units import (
    FixedSplit,
    SplitProvider,
    UnitOutcome,
    plan_units,
    train_unit,
)

__all__ = ["FixedSplit", "SweepProgress", "SweepReport", "plan_rows", "run_sweep", "split_missing"]


@dataclass
class SweepReport:
    """Outcome of `run_sweep`."""

    total: int  # distinct configs asked for
    already_stored: int
    trained: int  # finished or diverged runs stored now
    diverged: int
    failed: list[str]  # one line per run that could not be computed
    seconds: float


def split_missing(
    configs: Sequence[RunConfig], store: RunStore
) -> tuple[list[RunConfig], list[RunConfig]]:
    """(stored, missing) among the distinct ``configs`` (current code version).

    Only a verified entry counts as stored (`RunStore.contains`): a corrupt one is moved aside and
    its config is missing, so the sweep computes it again.
    """
    unique = list(dict.fromkeys(configs))
    stored = [config for config in unique if store.contains(config)]
    known = set(stored)
    return stored, [config for config in unique if config not in known]


def run_sweep(
    configs: Sequence[RunConfig],
    store: RunStore | None = None,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    device: str | None = None,
    batched: bool | None = None,
    max_stack: int = 32,
    threads: int | None = None,
    split_provider: SplitProvider | None = None,
    train_function: Callable[..., RunResult] | None = None,
    report: Callable[[SweepProgress], None] | None = None,
) -> SweepReport:
    """Train every config of ``configs`` that ``store`` lacks; store each result as it arrives.

    Parameters
    ----------
    configs : sequence of RunConfig
        Duplicates are run once.
    store : RunStore, optional
        Default `RunStore()` (``runs/store`` or ``$MLP_RUNS_DIR``).
    jobs : int
        Local worker processes (ignored with ``scheduler``).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``): units run on its workers.
    device : str, optional
        Device for the workers; default CUDA when the worker has it, else CPU.
    batched : bool, optional
        Train stacks of compatible runs together; default: when CUDA is available here. On CUDA
        stacks pad narrower models to the widest (one stack per depth and `max_stack` models).
    threads : int, optional
        torch threads per unit; default ``cores // jobs`` locally.
    split_provider : callable, optional
        ``config -> Split``; default `mlp_core.data.splits.load_split` in the worker. Must pickle.
    train_function : callable, optional
        Replaces `mlp_core.engine.train.train` for single-run units (tests count calls with it).
    report : callable, optional
        Receives a `SweepProgress` after each unit.
    """
    for name, count in (("jobs", jobs), ("threads", 1 if threads is None else threads)):
        if count < 1:
            raise ValueError(f"invalid {name}={count!r}: must be >= 1")
    started = time.perf_counter()
    store = store or RunStore()
    stored, missing = split_missing(configs, store)
    cuda = _cuda_here() if device is None else device.startswith("cuda")
    batched = cuda if batched is None else batched
    units = plan_units(missing, batched, pad=cuda, max_stack=max_stack)
    if threads is None and scheduler is None:
        threads = max(1, (os.cpu_count() or 1) // jobs)
    tracker = Tracker(units, "cuda" if cuda else "cpu", max(1, jobs), report)
    summary = SweepReport(len(set(configs)), len(stored), 0, 0, [], 0.0)
    if units:
        store.check_writable()  # a read-only or full store fails now, not after the first unit
        arguments = (device, threads, split_provider, train_function)
        with _outcomes(units, arguments, jobs, scheduler) as outcomes:
            _collect(outcomes, store, summary, tracker)
    summary.seconds = time.perf_counter() - started
    return summary


@contextlib.contextmanager
def _outcomes(
    units: list[list[RunConfig]], arguments: tuple[Any, ...], jobs: int, scheduler: str | None
) -> Iterator[Iterator[UnitOutcome]]:
    """The units' outcomes as they finish: on ``jobs`` local processes, or on a Dask cluster."""
    if scheduler is not None:
        with session(scheduler) as client:
            yield run_units(client, units, arguments)
        return
    import joblib

    workers = min(jobs, len(units))  # never more processes than units (``--jobs 100000``)
    parallel = joblib.Parallel(n_jobs=workers, batch_size=1, return_as="generator_unordered")
    yield parallel(joblib.delayed(train_unit)(unit, *arguments) for unit in units)


def _cuda_here() -> bool:
    import torch

    return torch.cuda.is_available()


def _collect(
    outcomes: Iterator[UnitOutcome], store: RunStore, summary: SweepReport, tracker: Tracker
) -> None:
    for outcome in outcomes:
        if outcome.error is not None:
            summary.failed += [f"{config.label()}: {outcome.error}" for config in outcome.configs]
        for result in outcome.results:
            if result.status == "cancelled":
                summary.failed.append(f"{result.config.label()}: cancelled")
                continue
            # Stored as soon as it arrives (an interruption loses only runs in flight); a store
            # that fails keeps the run elsewhere and says where (StoreNotWritable).
            save_or_rescue(store, result)
            summary.trained += 1
            summary.diverged += result.status == "diverged"
        tracker.unit_done(outcome, summary)


def plan_rows(
    sets: dict[str, list[RunConfig]], store: RunStore, flops_per_second: float
) -> list[dict[str, Any]]:
    """Per set of a spec: runs, stored, missing and the estimated seconds of the missing ones."""
    rows = []
    for name, configs in sets.items():
        _, missing = split_missing(configs, store)
        seconds = sum(flops_per_epoch(c) * c.epochs for c in missing) / flops_per_second
        rows.append(
            {
                "set": name,
                "runs": len(configs),
                "stored": len(configs) - len(missing),
                "missing": len(missing),
                "estimated_seconds": seconds,
            }
        )
    return rows
