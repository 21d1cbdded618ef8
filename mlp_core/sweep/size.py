"""How big a sweep spec is, known before it is expanded: its run count and its cost.

A spec's runs are counted from its structure (`mlp_core.sweep.expansion.count_runs`) and its cost
estimated from a fixed random sample of its runs, so a spec of 10^9 runs is judged in milliseconds
and refused with its size and cost instead of filling the memory.
"""

from __future__ import annotations

import random
import statistics
from typing import TYPE_CHECKING

from mlp_core.sweep.estimate import DEFAULT_THROUGHPUT, estimate_seconds
from mlp_core.sweep.expansion import count_runs, run_at, set_run_count

if TYPE_CHECKING:
    from mlp_core.sweep.spec import SweepSpec

#: Runs drawn to estimate a spec's cost without expanding it.
SAMPLE_RUNS = 200


class SpecTooLarge(ValueError):
    """A spec asks for more runs than the caller allows; the message gives its size and cost."""


def estimated_seconds(spec: SweepSpec, device: str = "cpu", sample: int = SAMPLE_RUNS) -> float:
    """Seconds to train every run of ``spec`` one at a time on ``device`` at its default speed
    (`DEFAULT_THROUGHPUT`): the mean of a fixed random sample of runs times the run count."""
    total = count_runs(spec)
    sizes = [set_run_count(spec, sweep_set) for sweep_set in spec.sets]
    draw = random.Random(0)
    picks = []
    for _ in range(min(sample, total)):
        index = draw.randrange(total)
        for sweep_set, size in zip(spec.sets, sizes, strict=True):
            if index < size:
                picks.append(run_at(spec, sweep_set, index))
                break
            index -= size
    rate = DEFAULT_THROUGHPUT[device]
    return total * statistics.fmean(estimate_seconds(c, rate, device) for c in picks)


def long_duration(seconds: float) -> str:
    """``"3 h"``, ``"12 days"``, ``"4.1 years"``: the scale of a long computation."""
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.0f} s"


def check_size(spec: SweepSpec, max_runs: int) -> int:
    """The spec's run count, if at most ``max_runs``.

    Raises
    ------
    SpecTooLarge
        With the count, the limit and the estimated cost on a CPU and on a GPU.
    """
    runs = count_runs(spec)
    if runs <= max_runs:
        return runs
    cpu, gpu = estimated_seconds(spec, "cpu"), estimated_seconds(spec, "cuda")
    raise SpecTooLarge(
        f"up to {runs:,} runs, more than the limit of {max_runs:,} (--max-runs raises it); "
        f"estimated {long_duration(cpu)} of training on one CPU job "
        f"({DEFAULT_THROUGHPUT['cpu'] / 1e9:.0f} GFLOP/s), {long_duration(gpu)} on one GPU "
        f"({DEFAULT_THROUGHPUT['cuda'] / 1e12:.0f} TFLOP/s)"
    )
