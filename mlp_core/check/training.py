"""The device check's training: which runs, trained stacked until a deadline, into its own store.

The runs are the exercise-2 factorial (``runs/sweeps/factorial.toml``, seed 0) where the committed
store lacks them, the same 288 cells with seeds 1 and 2, and the final model of exercise 3
(`mlp_core.report.model_choice`: the best validation configuration in the stores, its test runs at
`FINAL_SEEDS` and its validation replicates at seeds 1 and 2). A CUDA run of a config is the same
config as a CPU run of it (the device is provenance: ``runs/README.md``), so nothing the committed
store holds is trained again.

Runs are grouped into stacks as the sweep runner groups them (padded on CUDA), cheapest first, and
each stack is stored the moment it finishes; at the deadline the stack in training is cancelled
(and not stored), so the step ends on time with everything finished kept.

``quick``: the same runs made toys (hidden widths / 25, one epoch, a few cells) on a synthetic split,
so the whole pipeline runs on a CPU in a minute; their archive can never be merged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch

from mlp_core.config import RunConfig
from mlp_core.data.splits import Split
from mlp_core.engine.batched import train_stack
from mlp_core.engine.stack import group_configs
from mlp_core.engine.train import train
from mlp_core.results import RunResult
from mlp_core.store.run_store import RunStore
from mlp_core.sweep.estimate import weights
from mlp_core.sweep.spec import expand, load_spec

#: Seeds of the final model's test runs (the exercise 3 page offers 0-9 and shows 0, 1, 2 first).
FINAL_SEEDS = (0, 1, 2, 3, 4)
#: Seeds of the chosen configuration's validation runs (as many as each factorial cell gets).
CHOICE_SEEDS = (0, 1, 2)
#: Factorial cells a --quick check trains (every 48th of the 288: all optimizers, two depths).
QUICK_STRIDE = 48


def toy(config: RunConfig) -> RunConfig:
    """The --quick version of ``config``: hidden widths / 25 (at least 2), one epoch."""
    return replace(config, hidden=tuple(max(2, width // 25) for width in config.hidden), epochs=1)


def factorial(seed: int, quick: bool) -> list[RunConfig]:
    """The 288 factorial configs with ``seed`` (a few toys with ``quick``)."""
    configs = [replace(config, seed=seed) for config in expand(load_spec("factorial"))]
    return [toy(config) for config in configs[::QUICK_STRIDE]] if quick else configs


def final_model_runs(stores: Sequence[RunStore], quick: bool) -> tuple[str, list[RunConfig]]:
    """(label of the chosen configuration, its test runs and validation replicates).

    The choice is exercise 3's (`model_choice.best_candidate`) over every run of ``stores``.
    """
    from mlp_core.report.model_choice import best_candidate, final_config

    entries = [entry for store in stores for entry in store.entries()]
    candidate = best_candidate(entries, "mnist")
    runs = [final_config(candidate, seed) for seed in FINAL_SEEDS]
    runs += [replace(candidate.config, seed=seed) for seed in CHOICE_SEEDS]
    return candidate.label, [toy(config) for config in runs] if quick else runs


@dataclass
class TrainingReport:
    """What `train_missing` did: counts, wall time and one row per stack."""

    asked: int
    already_stored: int
    trained: int = 0
    diverged: int = 0
    failed: list[str] | None = None
    not_trained: int = 0  # missing runs left at the deadline
    wall_seconds: float = 0.0
    units: list[dict[str, Any]] | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def train_missing(
    configs: Sequence[RunConfig],
    stores: Sequence[RunStore],
    store: RunStore,
    device: torch.device,
    split: Split | None,
    deadline: float,
    max_stack: int = 32,
) -> TrainingReport:
    """Train the ``configs`` none of ``stores`` (nor ``store``) holds into ``store``, until
    ``deadline`` (`time.time` seconds); cheapest stacks first.

    ``split``: the data of every run (None: each run's own split, loaded once per kind).
    """
    wanted = list(dict.fromkeys(configs))
    missing = [c for c in wanted if not any(s.contains(c) for s in (*stores, store))]
    pad = device.type == "cuda"
    units = group_configs(missing, pad=pad, max_stack=max_stack)
    units.sort(key=lambda unit: unit_flops(unit, split))
    report = TrainingReport(len(wanted), len(wanted) - len(missing), failed=[], units=[])
    started = time.perf_counter()
    for unit in units:
        if time.time() >= deadline:
            report.not_trained += len(unit)
            continue
        row, results = _train_unit(unit, device, split, deadline)
        report.units.append(row)  # type: ignore[union-attr]
        for result in results:
            if result.status == "cancelled":
                report.not_trained += 1
                continue
            store.save(result)
            report.trained += 1
            report.diverged += result.status == "diverged"
        if row.get("error"):
            report.failed.append(f"{unit[0].label()} (+{len(unit) - 1}): {row['error']}")  # type: ignore[union-attr]
    report.wall_seconds = time.perf_counter() - started
    return report


def unit_flops(unit: Sequence[RunConfig], split: Split | None) -> float:
    """FLOPs of training a stack (padded to its widest model) or a run, evaluations included.

    Image counts are ``split``'s when given, else the configs' own.
    """
    first = unit[0]
    widths = tuple(
        max(config.hidden[layer] for config in unit) for layer in range(len(first.hidden))
    )
    train_size = first.train_size if split is None else int(split.train_images.shape[0])
    eval_size = first.eval_size if split is None else int(split.eval_images.shape[0])
    per_example = weights(replace(first, hidden=widths))
    return len(unit) * per_example * first.epochs * (8.0 * train_size + 2.0 * eval_size)


def _train_unit(
    unit: list[RunConfig], device: torch.device, split: Split | None, deadline: float
) -> tuple[dict[str, Any], list[RunResult]]:
    """Train one stack (or one run); its row for the report and its results (none if it failed)."""
    stop: Callable[[], bool] = lambda: time.time() >= deadline  # noqa: E731
    started = time.perf_counter()
    row: dict[str, Any] = {
        "runs": len(unit),
        "depth": len(unit[0].hidden),
        "widths": [
            max(config.hidden[layer] for config in unit) for layer in range(len(unit[0].hidden))
        ],
        "gflop": round(unit_flops(unit, split) / 1e9, 3),
    }
    try:
        if len(unit) == 1:
            results = [train(unit[0], split=split, device=device, should_stop=stop)]
        else:
            results = train_stack(unit, split=split, device=device, should_stop=stop)
    except Exception as error:  # one stack failing (e.g. out of memory) must not end the step
        row["error"] = f"{type(error).__name__}: {str(error)[:300]}"
        results = []
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    row["seconds"] = round(time.perf_counter() - started, 2)
    row["cancelled"] = any(result.status == "cancelled" for result in results)
    if row["seconds"] > 0 and not row["cancelled"] and results:
        row["tflop_per_s"] = round(row["gflop"] / row["seconds"] / 1e3, 2)
    return row, results


def new_entries(store: RunStore) -> list[tuple[str, str]]:
    """Every (code version, key) of ``store`` (the check's own store holds only new runs)."""
    return [(entry.code_version, entry.key) for entry in store.entries()]
