"""Worker processes of the run-store stress test (`test_store_stress.py`); no torch, so that each
spawned process starts in a fraction of a second.

Every round uses a fresh config. At the start of a round (one barrier for all processes) two
writers save that config at the same instant while two readers poll it. Before the processes
start, the parent has made a third of the rounds' entries corrupt and given another third a valid
entry already (which the writers must keep). A reader records every exception and every time it
got None after it had once read the valid entry (a retrain in real life).
"""

from __future__ import annotations

import math
import time
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from mlp_core.config import CODE_VERSION, RunConfig
from mlp_core.results import Provenance, RunMetrics, RunResult
from mlp_core.store.run_store import RunStore

BASE = RunConfig(hidden=(8,), epochs=3, validation_size=50)
#: Seconds a reader polls one round before it calls the round lost.
ROUND_SECONDS = 5.0
#: Reads a reader makes after its first valid read of a round (each must be valid).
READS_AFTER_VALID = 3


def config_of(round_number: int) -> RunConfig:
    return replace(BASE, seed=round_number)


def result_of(config: RunConfig, variant: int = 0) -> RunResult:
    """A made-up finished run of ``config``; ``variant`` changes its history (who wrote it)."""
    epochs = config.epochs
    errors = [0.1 + 0.01 * abs(epoch - 1 - variant) for epoch in range(epochs)]
    history = {
        "epoch": list(range(1, epochs + 1)), "train_loss": [0.5] * epochs,
        "train_error": [0.05] * epochs, "eval_loss": [0.4] * epochs, "eval_error": errors,
        "learning_rate": [1e-3] * epochs, "seconds": [0.1] * epochs,
    }  # fmt: skip
    size = config.eval_size
    metrics = RunMetrics(errors[-1], round(errors[-1] * size), size, 0.05, epochs, epochs, None)
    return RunResult(
        config=config, status="finished", history=history, best_epoch=1 + variant,
        metrics=metrics, provenance=Provenance(CODE_VERSION, device_name="stress", seconds=0.3),
        predictions=np.full(size, config.seed % 10, dtype=np.uint8),
        confidence=np.ones(size, dtype=np.float16),
    )  # fmt: skip


def writer(root: str, rounds: int, barrier: Any) -> dict[str, Any]:
    store, errors = RunStore(Path(root)), []
    for number in range(rounds):
        barrier.wait(timeout=30)
        try:
            store.save(result_of(config_of(number)))
        except Exception:
            errors.append(f"round {number}: {traceback.format_exc(limit=3)}")
    return {"errors": errors}


def reader(root: str, rounds: int, barrier: Any, summaries: bool) -> dict[str, Any]:
    """Polls each round's config with `RunStore.load` (or `RunStore.stored` if ``summaries``)."""
    store, errors, lost, none_after_valid, reads = RunStore(Path(root)), [], [], 0, 0
    read = store.stored if summaries else store.load
    for number in range(rounds):
        barrier.wait(timeout=30)
        config, valid_reads, deadline = config_of(number), 0, time.monotonic() + ROUND_SECONDS
        while valid_reads <= READS_AFTER_VALID:
            if time.monotonic() > deadline:
                lost.append(number)
                break
            reads += 1
            try:
                got = read(config)
            except Exception:
                errors.append(f"round {number}: {traceback.format_exc(limit=3)}")
                continue
            if got is None:
                none_after_valid += valid_reads > 0
            elif got.config != config or math.isnan(got.metrics.eval_error):
                errors.append(f"round {number}: read the wrong run {got.config}")
            else:
                valid_reads += 1
    return {"errors": errors, "lost": lost, "none_after_valid": none_after_valid, "reads": reads}


def run_role(role: str, root: str, rounds: int, barrier: Any, results: Any) -> None:
    """Entry point of one process: its outcome goes to ``results`` (a queue)."""
    try:
        if role == "writer":
            outcome = writer(root, rounds, barrier)
        else:
            outcome = reader(root, rounds, barrier, summaries=role == "summary reader")
    except Exception:
        outcome = {"errors": [traceback.format_exc()]}
    results.put((role, outcome))
