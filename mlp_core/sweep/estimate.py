"""Cost of a run before it starts: floating-point work per epoch and a seconds estimate.

Two estimates, both torch-free here:

- from timings of this machine (`StepTiming`, measured by `mlp_core.sweep.calibration`, which runs a
  few real training steps of the asked shape): `timed_estimate`, with a range. Pages that offer
  training use it;
- from FLOPs (a step costs about 6 per weight per example, forward 2 and backward 4; evaluating the
  training and evaluation sets after each epoch 2) at a throughput read off stored runs of the same
  device, or a conservative default: `estimate_seconds`. Sweep dry runs and report pages use it; it is
  only as good as the stored runs were representative of this machine now.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from mlp_core.config import RunConfig, version_order
from mlp_core.store.entry import StoredRun

#: FLOP/s assumed when no stored run on this device says better (2 CPU cores reach ~70e9 on matmul).
DEFAULT_THROUGHPUT = {"cpu": 40e9, "cuda": 2e12}

#: Fixed cost of one optimizer step besides its FLOPs (Python, small kernels): it dominates small
#: nets. Measured on the 2-core dev machine with engine v2: a 784-100-10 step takes 0.43 ms in all.
STEP_OVERHEAD_SECONDS = {"cpu": 0.3e-3, "cuda": 3e-4}


#: Drawing one dropout mask value: ``bernoulli_`` runs element by element on the CPU (measured 9 ns
#: on the dev machine; on the 1024-1024 runs with dropout it is a third of the time).
DROPOUT_SECONDS_PER_UNIT = {"cpu": 9e-9, "cuda": 0.0}


def weights(config: RunConfig) -> int:
    """Number of weights and biases of the MLP of ``config``."""
    widths = (784, *config.hidden, 10)
    return sum(a * b + b for a, b in itertools.pairwise(widths))


def flops_per_epoch(config: RunConfig) -> float:
    """FLOPs of one epoch: training steps plus the per-epoch evaluation of both sets."""
    return weights(config) * (
        6.0 * config.train_size + 2.0 * (config.train_size + config.eval_size)
    )


def steps_per_epoch(config: RunConfig) -> int:
    """Optimizer steps in one epoch."""
    return -(-config.train_size // config.batch_size)


def timed_runs(entries: Iterable[StoredRun], device_name: str) -> list[StoredRun]:
    """The stored runs computed on ``device_name`` that say how long they took, of the newest code
    version among them (an older engine's speed says little)."""
    runs = [
        entry
        for entry in entries
        if entry.provenance.device_name == device_name
        and entry.provenance.seconds
        and entry.metrics.epochs_run
    ]
    newest = max((version_order(entry.code_version) for entry in runs), default=None)
    return [entry for entry in runs if version_order(entry.code_version) == newest]


def throughput(entries: Iterable[StoredRun], device_name: str, device: str = "cpu") -> float:
    """Median FLOP/s of the `timed_runs` on ``device_name``, step overhead taken out.

    Falls back to `DEFAULT_THROUGHPUT` when no stored run comes from this device.
    """
    rates = []
    for entry in timed_runs(entries, device_name):
        epochs, seconds = entry.metrics.epochs_run, float(entry.provenance.seconds or 0)
        compute = seconds - _fixed_seconds_per_epoch(entry.config, device) * epochs
        if compute > 0:
            rates.append(flops_per_epoch(entry.config) * epochs / compute)
    return statistics.median(rates) if rates else DEFAULT_THROUGHPUT.get(device, 40e9)


def estimate_seconds(config: RunConfig, flops_per_second: float, device: str = "cpu") -> float:
    """Seconds for all of ``config``'s epochs (the maximum with patience) on ``device``.

    FLOPs at ``flops_per_second``, plus a fixed overhead per optimizer step, plus the dropout masks.
    """
    per_epoch = flops_per_epoch(config) / flops_per_second + _fixed_seconds_per_epoch(
        config, device
    )
    return per_epoch * config.epochs


def _fixed_seconds_per_epoch(config: RunConfig, device: str) -> float:
    """The part of an epoch that does not scale with FLOPs: step overhead and dropout masks."""
    overhead = STEP_OVERHEAD_SECONDS.get(device, 1.5e-3) * steps_per_epoch(config)
    masked = (784 if config.input_dropout > 0 else 0) + (
        sum(config.hidden) if config.dropout > 0 else 0
    )
    return overhead + DROPOUT_SECONDS_PER_UNIT.get(device, 0.0) * masked * config.train_size


@dataclass(frozen=True)
class StepTiming:
    """Seconds measured on this machine for one shape of run (`mlp_core.sweep.calibration`).

    Attributes
    ----------
    step_seconds : tuple of float
        Seconds per training step (batch drawn, forward, backward, optimizer update), one figure per
        timed block of steps: their spread is the machine's noise.
    eval_seconds : tuple of float
        Seconds per evaluated example (a forward pass of the evaluation), one figure per repeat.
    setup_seconds : float
        Once per run: images to features and the model built (data files already read).
    device_name : str
        As results name it (`Provenance.device_name`).
    threads : int
        torch's intra-op threads during the timing.
    """

    step_seconds: tuple[float, ...]
    eval_seconds: tuple[float, ...]
    setup_seconds: float
    device_name: str
    threads: int


@dataclass(frozen=True)
class CostEstimate:
    """Seconds a run should take: the middle estimate and a range, all in seconds.

    ``total`` covers every epoch (the maximum with patience) plus the setup; ``low`` and ``high``
    take the fastest and the slowest of the repeated timings.
    """

    per_epoch: float
    total: float
    low: float
    high: float
    epochs: int

    def relative_error(self, measured_seconds: float) -> float:
        """(measured - estimated) / estimated: +0.25 means the run took 25% longer."""
        return (measured_seconds - self.total) / self.total


def timed_estimate(config: RunConfig, timing: StepTiming) -> CostEstimate:
    """The cost of ``config`` from `StepTiming` of its shape on this machine.

    Per epoch: `steps_per_epoch` steps plus the evaluation of the training and evaluation sets
    (``train_size + eval_size`` examples); in all: ``epochs`` of them plus the setup. The middle
    estimate uses the median timings (one block slowed by a burst of load elsewhere must not make a
    20-minute estimate of a 2-minute run), the range their minimum and maximum: on a machine
    whose load changes, that range is the honest answer.

    >>> timing = StepTiming((0.01, 0.012, 0.011), (1e-6, 2e-6), 0.5, "cpu (x)", 2)
    >>> estimate = timed_estimate(RunConfig(epochs=2), timing)
    >>> round(estimate.per_epoch, 3), round(estimate.total, 3), round(estimate.low, 3)
    (6.03, 12.56, 11.42)
    """
    steps, examples = steps_per_epoch(config), config.train_size + config.eval_size

    def epoch(step: float, evaluation: float) -> float:
        return steps * step + examples * evaluation

    middle = epoch(statistics.median(timing.step_seconds), statistics.median(timing.eval_seconds))
    fastest = epoch(min(timing.step_seconds), min(timing.eval_seconds))
    slowest = epoch(max(timing.step_seconds), max(timing.eval_seconds))
    return CostEstimate(
        per_epoch=middle,
        total=timing.setup_seconds + middle * config.epochs,
        low=timing.setup_seconds + fastest * config.epochs,
        high=timing.setup_seconds + slowest * config.epochs,
        epochs=config.epochs,
    )
