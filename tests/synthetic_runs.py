"""Stored runs with made-up histories, for page tests that must not train (shared helper)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from mlp_core.config import CODE_VERSION, RunConfig
from mlp_core.data.splits import Split
from mlp_core.results import Provenance, RunMetrics, RunResult
from mlp_core.store.entry import StoredRun
from mlp_core.store.run_store import RunStore


def overfitting_history(epochs: int, best: int) -> dict[str, list[float]]:
    """Validation error falls until epoch ``best`` then rises; training error keeps falling."""
    eval_error = [0.02 + 0.001 * abs(epoch - best) ** 1.2 for epoch in range(1, epochs + 1)]
    train_error = [0.03 * math.exp(-0.3 * epoch) for epoch in range(1, epochs + 1)]
    return {
        "epoch": list(range(1, epochs + 1)),
        "train_loss": [error * 3 for error in train_error],
        "train_error": train_error,
        "eval_loss": [error * 4 for error in eval_error],
        "eval_error": eval_error,
        "learning_rate": [1e-3] * epochs,
        "seconds": [1.5] * epochs,
    }


def fake_result(
    config: RunConfig,
    history: dict[str, list[float]],
    status: str = "finished",
    version: str = CODE_VERSION,
) -> RunResult:
    """A `RunResult` of ``config`` with ``history`` (last epoch kept), as the trainer would store it."""
    size = config.eval_size
    last = history["eval_error"][-1] if history["epoch"] else math.nan
    best = int(np.argmin(history["eval_error"])) + 1 if history["epoch"] else 0
    diverged = status == "diverged"
    return RunResult(
        config=config,
        status=status,
        history=history,
        best_epoch=best,
        metrics=RunMetrics(
            eval_error=math.nan if diverged else last,
            eval_errors=None if diverged else round(last * size),
            eval_size=size,
            train_error=history["train_error"][-1] if history["epoch"] else math.nan,
            epochs_run=len(history["epoch"]),
            kept_epoch=len(history["epoch"]),
            diverged_epoch=len(history["epoch"]) + 1 if diverged else None,
        ),
        predictions=np.zeros(size, dtype=np.uint8),
        confidence=np.ones(size, dtype=np.float16),
        provenance=Provenance(
            code_version=version,
            torch="test",
            python="test",
            device="cpu",
            device_name="synthetic",
            threads=1,
            date="2026-01-01T00:00:00+00:00",
            seconds=1.5 * len(history["epoch"]),
        ),
    )


def stored_run(
    config: RunConfig,
    errors: int,
    key: str = "0123456789abcdef",
    *,
    version: str = CODE_VERSION,
    status: str = "finished",
    best_epoch: int | None = None,
    seconds: float = 10.0,
    device_name: str = "synthetic",
) -> StoredRun:
    """An in-memory `StoredRun` of ``config`` with ``errors`` evaluation errors, for functions that
    read the store's entries (no disk: its key and path are made up)."""
    epochs = config.epochs
    history = overfitting_history(epochs, best_epoch or epochs)
    result = fake_result(config, history, status, version)
    metrics = replace(
        result.metrics,
        eval_errors=None if status == "diverged" else errors,
        eval_error=math.nan if status == "diverged" else errors / config.eval_size,
    )
    parts = result.parts() | {
        "metrics": metrics,
        "best_epoch": best_epoch or epochs,
        "provenance": replace(result.provenance, seconds=seconds, device_name=device_name),
    }
    return StoredRun(
        **parts,
        key=key, code_version=version, path=Path("/nonexistent") / key, arrays_sha256="",
        arrays_size=None,
    )  # fmt: skip


def store_handout_runs(root: Path, best_short: int = 12, best_long: int = 9) -> RunStore:
    """A store holding the handout config (20 epochs) and its 100-epoch extension, made up."""
    store = RunStore(root)
    store.save(fake_result(RunConfig(), overfitting_history(20, best_short)))
    store.save(fake_result(RunConfig(epochs=100), overfitting_history(100, best_long)))
    return store


def synthetic_split(train: int = 300, evaluation: int = 100, seed: int = 0) -> Split:
    """Random 28x28 uint8 images with labels that depend on them (a learnable toy task)."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.randint(
        0, 256, (train + evaluation, 28, 28), dtype=torch.uint8, generator=generator
    )
    # Label = which tenth of the range the mean of the top rows falls in: learnable, not trivial.
    labels = (images[:, :4].float().mean(dim=(1, 2)) / 25.6).long().clamp(0, 9)
    return Split(images[:train], labels[:train], images[train:], labels[train:])
