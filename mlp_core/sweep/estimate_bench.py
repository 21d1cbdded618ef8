"""Benchmark of the cost estimate: estimated seconds before a run against the seconds it took.

For each of three runs (the handout's 784-500-300-10, a 3 x 800 network, exercise 3's 1024-1024 with
dropout), time its step on this machine (`mlp_core.sweep.calibration`, never a cached timing), estimate
it, then train it for real on MNIST and read the seconds from its provenance. The target (issue 14):
every measured time within ±30% of its estimate. The data files are read before the first estimate,
so neither side pays for reading them (a page's server has them in memory after its first run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from mlp_core.config import RunConfig
from mlp_core.data.splits import load_arrays
from mlp_core.engine.train import train
from mlp_core.sweep.calibration import measure_step_timing
from mlp_core.sweep.estimate import CostEstimate, timed_estimate

#: The largest relative error of an estimate that meets the target.
TARGET = 0.30

#: The benchmark's runs, by name: the handout's experiment, the factorial's largest 3-layer cell,
#: and exercise 3's final network (784-1024-1024-10, cosine schedule, dropout 0.4, input 0.2).
RUNS: dict[str, RunConfig] = {
    "handout 784-500-300-10": RunConfig(),
    "3 x 800": RunConfig(hidden=(800, 800, 800)),
    "1024-1024 dropout (exercise 3)": RunConfig(
        split="test",
        hidden=(1024, 1024),
        epochs=50,
        schedule="cosine",
        dropout=0.4,
        input_dropout=0.2,
    ),
}


@dataclass(frozen=True)
class EstimateCheck:
    """One run of the benchmark: what was estimated and what it took (seconds)."""

    name: str
    config: RunConfig
    estimate: CostEstimate
    measured: float
    device_name: str
    threads: int

    @property
    def error(self) -> float:
        """(measured - estimated) / estimated."""
        return self.estimate.relative_error(self.measured)

    @property
    def met(self) -> bool:
        """Whether the measured time is within `TARGET` of the estimate."""
        return abs(self.error) <= TARGET

    @property
    def in_range(self) -> bool:
        """Whether the measured time lies in the estimate's range."""
        return self.estimate.low <= self.measured <= self.estimate.high


def bench_estimates(
    epochs: int | None = None,
    device: str | None = None,
    runs: dict[str, RunConfig] | None = None,
    report: Callable[[str], None] = print,
) -> list[EstimateCheck]:
    """Estimate then train each of ``runs`` (default `RUNS`), ``epochs`` each if given.

    Parameters
    ----------
    epochs : int, optional
        Epochs of every run (default: each config's own, 20 or 50); 1 is enough on a busy machine.
    device : str, optional
        cpu or cuda (default: cuda when available).
    runs : dict of str to RunConfig, optional
    report : callable
        Receives a line per finished run.
    """
    checks = []
    for name, config in (runs or RUNS).items():
        config = replace(config, epochs=epochs) if epochs else config
        load_arrays(config.dataset)  # read once, outside both the estimate and the run
        timing = measure_step_timing(config, device)
        estimate = timed_estimate(config, timing)
        result = train(config, device=device)
        measured = float(result.provenance.seconds or 0.0)
        check = EstimateCheck(name, config, estimate, measured, timing.device_name, timing.threads)
        report(
            f"{name}: estimated {estimate.total:.1f} s, took {measured:.1f} s "
            f"({100 * check.error:+.0f}%)"
        )
        checks.append(check)
    return checks


def estimate_lines(checks: Sequence[EstimateCheck]) -> list[str]:
    """The checks as a table (seconds), then whether every estimate is within the target."""
    if not checks:
        return ["no runs"]
    first = checks[0]
    lines = [
        f"device: {first.device_name}, {first.threads} threads",
        f"{'run':32} {'epochs':>6} {'estimate':>9} {'range':>17} {'measured':>9} {'error':>7}"
        f" {'in range':>8}",
    ]
    for check in checks:
        estimate = check.estimate
        span = f"{estimate.low:.1f}-{estimate.high:.1f}"
        lines.append(
            f"{check.name:32} {check.config.epochs:>6} {estimate.total:>9.1f} {span:>17} "
            f"{check.measured:>9.1f} {100 * check.error:>+6.0f}% {'yes' if check.in_range else 'no':>8}"
        )
    met = all(check.met for check in checks)
    lines.append(
        f"target (every measured time within ±{100 * TARGET:.0f}% of its estimate): "
        + ("met" if met else "not met")
    )
    return lines
