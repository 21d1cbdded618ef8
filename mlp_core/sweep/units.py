"""Units of sweep work: one run, or a stack of runs trained together, run where a worker is.

A unit is what one joblib or Dask task trains. `train_unit` never raises: an error comes back in the
`UnitOutcome` as one line, so the client reports it and the other units go on.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlp_core.config import RunConfig
from mlp_core.results import RunResult

if TYPE_CHECKING:  # torch stays out of the command line's start (a refused spec answers at once)
    from mlp_core.data.splits import Split

SplitProvider = Callable[[RunConfig], "Split"]


@dataclass(frozen=True)
class FixedSplit:
    """A split provider that gives every run the same data (tests, or a data set of your own)."""

    split: Split

    def __call__(self, config: RunConfig) -> Split:
        return self.split


@dataclass
class UnitOutcome:
    """What one unit sends back: its results, or why it failed."""

    configs: list[RunConfig]
    results: list[RunResult] = field(default_factory=list)
    error: str | None = None


def plan_units(
    configs: list[RunConfig], batched: bool, pad: bool = False, max_stack: int = 32
) -> list[list[RunConfig]]:
    """The units of work: stacks when ``batched`` (see `mlp_core.engine.stack.group_configs`), else runs."""
    if not batched:
        return [[config] for config in configs]
    from mlp_core.engine.stack import group_configs

    return group_configs(configs, pad=pad, max_stack=max_stack)


def error_line(error: BaseException) -> str:
    """``"Type: message"`` of an exception, on one line."""
    return " ".join(traceback.format_exception_only(type(error), error)[-1].split())


def train_unit(
    configs: list[RunConfig],
    device: str | None = None,
    threads: int | None = None,
    split_provider: SplitProvider | None = None,
    train_function: Callable[..., RunResult] | None = None,
) -> UnitOutcome:
    """Train one unit in this process (a joblib/Dask task); errors are returned, not raised.

    ``threads=None`` on a Dask worker: the machine's cores divided by the worker's threads.
    """
    import torch

    previous = torch.get_num_threads()
    threads = threads or _dask_worker_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        split = split_provider(configs[0]) if split_provider is not None else None
        if len(configs) > 1:
            from mlp_core.engine.batched import train_stack

            return UnitOutcome(configs, train_stack(configs, split=split, device=device))
        from mlp_core.engine.train import train

        run = train_function or train
        return UnitOutcome(configs, [run(configs[0], split=split, device=device)])
    except Exception as error:  # reported by the client; the other units go on
        return UnitOutcome(configs, error=error_line(error))
    finally:
        torch.set_num_threads(previous)


def _dask_worker_threads() -> int | None:
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return None
    return max(1, (os.cpu_count() or 1) // max(1, worker.state.nthreads))
