"""Cost of a run before it starts: floating-point work per epoch and a seconds estimate.

A training step costs about 6 FLOPs per weight per example (forward 2, backward 4); evaluating the
training and evaluation sets after each epoch costs 2 per weight per example. Seconds follow from a
throughput measured on this machine (stored runs on the same device) or a conservative default.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable
from typing import Any

from mlp_core.config import RunConfig, version_order
from mlp_core.store.run_store import record_config

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


def throughput(records: Iterable[dict[str, Any]], device_name: str, device: str = "cpu") -> float:
    """Median FLOP/s of stored runs computed on ``device_name``, step overhead taken out.

    Only runs of the newest code version among them count (an older engine's speed says little).
    Falls back to `DEFAULT_THROUGHPUT` when no stored run comes from this device.
    """
    rows = [
        row
        for row in records
        if row.get("device_name") == device_name and row.get("seconds") and row.get("epochs_run")
    ]
    if rows:
        newest = max(version_order(row.get("code_version")) for row in rows)
        rows = [row for row in rows if version_order(row.get("code_version")) == newest]
    rates = []
    for row in rows:
        config = record_config(row)
        compute = row["seconds"] - _fixed_seconds_per_epoch(config, device) * row["epochs_run"]
        if compute > 0:
            rates.append(flops_per_epoch(config) * row["epochs_run"] / compute)
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
