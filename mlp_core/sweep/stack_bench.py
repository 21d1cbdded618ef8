"""``python -m mlp_core bench --sweep``: runs per second, one at a time vs stacked, and what the
exercise 2 factorial would take on this device.

Both sides train the same configs (the handout's data, ``models`` seeds of one hidden layer of
``width`` neurons, ``epochs`` epochs) on the same device; the projection scales the stacked
throughput (FLOP/s, see `mlp_core.sweep.estimate`) to the factorial as the sweep runner would group it
(padded stacks on CUDA, exact-architecture stacks on the CPU).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch

from mlp_core.config import RunConfig
from mlp_core.data.splits import Split, load_split
from mlp_core.engine.batched import train_stack
from mlp_core.engine.stack import group_configs
from mlp_core.engine.train import resolve_device, train
from mlp_core.sweep.estimate import flops_per_epoch
from mlp_core.sweep.spec import expand, load_spec


def stacked_flops(configs: list[RunConfig], pad: bool, max_stack: int) -> float:
    """FLOPs of all epochs of ``configs`` grouped as the runner groups them (padding included)."""
    total = 0.0
    for members in group_configs(configs, pad=pad, max_stack=max_stack):
        widths = tuple(
            max(c.hidden[layer] for c in members) for layer in range(len(members[0].hidden))
        )
        padded = RunConfig(**{**members[0].to_dict(), "hidden": widths})
        total += len(members) * flops_per_epoch(padded) * members[0].epochs
    return total


def bench_sweep(
    device: str | None = None,
    report: Callable[[str], None] = print,
    models: int = 8,
    width: int = 100,
    epochs: int = 1,
    spec: str = "factorial",
    split: Split | None = None,
) -> dict[str, Any]:
    """Measure one-at-a-time vs stacked throughput and project the factorial's wall time.

    ``split``: the data of every run (default the handout's 54000/6000 split, loaded once).

    Returns
    -------
    dict
        device, threads, models, width, epochs, single_seconds, stacked_seconds, single_runs_per_s,
        stacked_runs_per_s, ratio, max_error_difference (stacked vs single, fraction),
        factorial_runs, factorial_single_s, factorial_stacked_s (projections, seconds).
    """
    torch_device = resolve_device(device)
    configs = [RunConfig(hidden=(width,), epochs=epochs, seed=seed) for seed in range(models)]
    split = split if split is not None else load_split(configs[0])  # outside the timings
    train_stack(configs[:2], split=split, device=torch_device, should_stop=lambda: True)  # warm-up
    report(f"{models} runs of 784-{width}-10, {epochs} epoch(s) each, on {torch_device}")

    started = time.perf_counter()
    single = [train(config, split=split, device=torch_device) for config in configs]
    single_seconds = time.perf_counter() - started
    report(f"one at a time: {single_seconds:.2f} s, {models / single_seconds:.3f} runs/s")

    started = time.perf_counter()
    stacked = train_stack(configs, split=split, device=torch_device)
    stacked_seconds = time.perf_counter() - started
    report(f"stacked: {stacked_seconds:.2f} s, {models / stacked_seconds:.3f} runs/s")
    ratio = single_seconds / stacked_seconds
    difference = max(abs(a.eval_error - b.eval_error) for a, b in zip(single, stacked, strict=True))
    report(
        f"ratio: {ratio:.2f}x; largest validation-error difference {100 * difference:.3f} points"
    )
    rate = models * flops_per_epoch(configs[0]) * epochs  # FLOPs of each side's runs
    projection = project(spec, rate / single_seconds, rate / stacked_seconds, torch_device, report)
    return {
        "device": single[0].provenance.device_name,
        "threads": torch.get_num_threads(),
        "models": models,
        "width": width,
        "epochs": epochs,
        "single_seconds": single_seconds,
        "stacked_seconds": stacked_seconds,
        "single_runs_per_s": models / single_seconds,
        "stacked_runs_per_s": models / stacked_seconds,
        "ratio": ratio,
        "max_error_difference": difference,
        **projection,
    }


def project(
    spec: str,
    single_rate: float,
    stacked_rate: float,
    device: torch.device,
    report: Callable[[str], None],
) -> dict[str, Any]:
    """The wall time of sweep ``spec`` at the FLOP/s measured one at a time and stacked (as the
    runner would group it: padded stacks on CUDA, exact-architecture stacks on the CPU)."""
    factorial = expand(load_spec(spec))
    factorial_single = sum(flops_per_epoch(c) * c.epochs for c in factorial) / single_rate
    pad = device.type == "cuda"
    factorial_stacked = stacked_flops(factorial, pad=pad, max_stack=32) / stacked_rate
    report(
        f"projected {spec} ({len(factorial)} runs): one at a time {factorial_single / 60:.1f} min, "
        f"stacked {factorial_stacked / 60:.1f} min (at the FLOP/s measured here; wider layers "
        f"run at other rates, so this is a rough figure)"
    )
    return {
        "factorial_runs": len(factorial),
        "factorial_single_s": factorial_single,
        "factorial_stacked_s": factorial_stacked,
    }
