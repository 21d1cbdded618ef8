"""Progress of a running sweep: units done, runs diverged or failed, elapsed time and an ETA."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlp_core.config import RunConfig
from mlp_core.sweep.estimate import DEFAULT_THROUGHPUT, flops_per_epoch

if TYPE_CHECKING:
    from mlp_core.sweep.execution import SweepReport
    from mlp_core.sweep.units import UnitOutcome


@dataclass
class SweepProgress:
    """State of a running sweep, passed to the ``report`` callback after each unit.

    ``eta_seconds`` extrapolates the FLOP rate achieved so far (`mlp_core.sweep.estimate`) to the units
    left; before the first unit finishes it uses a default rate for the device.
    """

    total: int  # runs to train in this invocation
    done: int
    diverged: int
    failed: int
    elapsed_seconds: float
    eta_seconds: float
    message: str


class Tracker:
    """Progress and ETA from the FLOPs of finished units (rate so far) and of those left."""

    def __init__(
        self, units: list[list[RunConfig]], device: str, workers: int, report: Any
    ) -> None:
        self.flops = {
            tuple(unit): sum(flops_per_epoch(c) * c.epochs for c in unit) for unit in units
        }
        self.remaining = sum(self.flops.values())
        self.total = sum(len(unit) for unit in units)
        self.default_rate = DEFAULT_THROUGHPUT.get(device, 40e9) * workers
        self.started = time.perf_counter()
        self.done_flops, self.done = 0.0, 0
        self.report = report

    def unit_done(self, outcome: UnitOutcome, summary: SweepReport) -> None:
        flops = self.flops.get(tuple(outcome.configs), 0.0)
        self.done_flops += flops
        self.remaining -= flops
        self.done += len(outcome.configs)
        if self.report is None:
            return
        elapsed = time.perf_counter() - self.started
        rate = self.done_flops / elapsed if elapsed > 0 and self.done_flops else self.default_rate
        first = outcome.configs[0]
        if outcome.error:
            message = f"FAILED {first.label()}: {outcome.error}"
        elif len(outcome.results) == 1:
            result = outcome.results[0]
            error = "diverged" if result.status == "diverged" else f"{100 * result.eval_error:.2f}%"
            message = f"{first.label()} ({first.split}): {error}"
        else:
            errors = [r.eval_error for r in outcome.results if r.status == "finished"]
            best = f", best {100 * min(errors):.2f}%" if errors else ""
            message = f"stack of {len(outcome.configs)} runs of depth {len(first.hidden)}{best}"
        self.report(
            SweepProgress(
                total=self.total,
                done=self.done,
                diverged=summary.diverged,
                failed=len(summary.failed),
                elapsed_seconds=elapsed,
                eta_seconds=max(0.0, self.remaining) / rate,
                message=message,
            )
        )
