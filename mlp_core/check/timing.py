"""Where the time goes: one run's epoch and one stack's steps, timed, then profiled.

Each region is run three times: a warm-up, a timed run (wall seconds, the device synchronised) and
a run under ``torch.profiler`` whose per-operator self times (device kernels on CUDA, CPU time on
the CPU) give the fraction spent in matrix products (``mm``, ``addmm``, ``bmm``, ``baddbmm``) and
how busy the device was. FLOP/s count the model's arithmetic (6 FLOPs per weight per training
example, 2 per evaluated example) over the timed wall seconds, and over the matrix products' own
time; on CUDA they are compared with the GPU's float32 peak (TF32 stays off: it would change results).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch

from mlp_core.config import RunConfig
from mlp_core.engine.backprop import Backprop
from mlp_core.engine.batched import stack_optimizers, stack_step
from mlp_core.engine.model import build_model
from mlp_core.engine.stack import Stack, evaluate_stack, group_configs
from mlp_core.engine.train import Batches, DeviceData, evaluate, make_optimizer
from mlp_core.sweep.estimate import weights

MATMUL_OPERATORS = frozenset({"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm"})


def _synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def single_run_region(
    config: RunConfig, data: DeviceData, device: torch.device, steps: int
) -> tuple[Callable[[], None], float]:
    """(one epoch of ``config``: ``steps`` steps then the per-epoch evaluations, its FLOPs)."""
    model = build_model(config, device)
    backprop = Backprop(model, config.activation, config.dropout, config.input_dropout)
    optimizer = make_optimizer(config, backprop.parameters)
    update = getattr(optimizer, "update", optimizer.step)
    batches = Batches(data, config.batch_size, config.seed)
    steps = min(steps, batches.count)

    def region() -> None:
        for batch, (inputs, labels) in enumerate(batches.epoch()):
            if batch == steps:
                break
            backprop.step_gradients(inputs, labels)
            update()
        evaluate(model, data.train_x, data.train_y)
        evaluate(model, data.eval_x, data.eval_y)

    evaluated = data.train_size + data.eval_size
    flop = weights(config) * (6.0 * steps * config.batch_size + 2.0 * evaluated)
    return region, flop


def stack_region(
    configs: list[RunConfig], data: DeviceData, device: torch.device, steps: int
) -> tuple[Callable[[], None], float]:
    """(``steps`` training steps of the stack of ``configs`` and one evaluation, its FLOPs)."""
    configs = sorted(configs, key=lambda c: (c.activation, c.optimizer))
    stack = Stack(configs, device)
    optimizers = stack_optimizers(stack, configs)
    models, batch = len(configs), configs[0].batch_size
    generator = torch.Generator().manual_seed(0)

    def region() -> None:
        for _ in range(steps):
            rows = torch.randint(0, data.train_size, (models * batch,), generator=generator)
            rows = rows.to(device)
            images = data.train_x.index_select(0, rows).view(models, batch, -1)
            stack_step(stack, optimizers, images, data.train_y.index_select(0, rows), 1.0)
        evaluate_stack(stack, stack.flat, data.eval_x, data.eval_y)

    padded = replace(configs[0], hidden=stack.template.hidden)
    flop = models * weights(padded) * (6.0 * steps * batch + 2.0 * data.eval_size)
    return region, flop


def measure(region: Callable[[], None], flop: float, device: torch.device) -> dict[str, Any]:
    """Warm up, time and profile ``region``; the time split and the FLOP/s it reached."""
    from torch.profiler import ProfilerActivity, profile

    region()
    _synchronise(device)
    started = time.perf_counter()
    region()
    _synchronise(device)
    wall = time.perf_counter() - started
    activities = [ProfilerActivity.CPU]
    if device.type == "cuda":
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities) as profiler:
        region()
        _synchronise(device)
    split = operator_split(profiler.key_averages(), device, wall)
    return {"wall_seconds": round(wall, 4), "flop": flop, "flop_per_s": flop / wall, **split}


def operator_split(averages: Any, device: torch.device, wall: float) -> dict[str, Any]:
    """Fraction of operator time in matrix products, device busy fraction, the top operators."""
    on_device = device.type == "cuda"

    def own_time(event: Any) -> float:  # microseconds
        if on_device:
            # self_device_time_total since PyTorch 2.4; self_cuda_time_total before
            value = getattr(event, "self_device_time_total", None)
            return float(value if value is not None else getattr(event, "self_cuda_time_total", 0))
        return float(event.self_cpu_time_total)

    times = {event.key: own_time(event) for event in averages}
    total = sum(times.values())
    matmul = sum(value for name, value in times.items() if name in MATMUL_OPERATORS)
    top = sorted(times.items(), key=lambda item: -item[1])[:6]
    return {
        "time_base": "device kernels" if on_device else "CPU operators",
        "operator_seconds": round(total / 1e6, 4),
        "matmul_fraction": round(matmul / total, 3) if total else None,
        "matmul_seconds": round(matmul / 1e6, 4),
        "device_busy_fraction": round(total / 1e6 / wall, 3) if on_device and wall else None,
        "top_operators": [  # name, milliseconds, share
            [name, round(value / 1e3, 2), round(value / total, 3)] for name, value in top if total
        ],
    }


def widest_stack(quick: bool, pad: bool, max_stack: int) -> list[RunConfig]:
    """The factorial's costliest stack as the check groups it: the deepest, widest one."""
    from mlp_core.check.training import factorial

    configs = factorial(0, quick)
    depth = max(len(config.hidden) for config in configs)
    deepest = [config for config in configs if len(config.hidden) == depth]
    return group_configs(deepest, pad=pad, max_stack=max_stack)[-1]


def where_the_time_goes(
    data: DeviceData, device: torch.device, quick: bool, max_stack: int, peak: float | None
) -> dict[str, Any]:
    """One handout run's epoch and the factorial's widest stack, measured (see the module)."""
    single_config = RunConfig(hidden=(20, 12), epochs=1) if quick else RunConfig(epochs=1)
    steps, stack_steps = (20, 5) if quick else (540, 100)
    stacked_configs = widest_stack(quick, device.type == "cuda", max_stack)
    single = measure(*single_run_region(single_config, data, device, steps), device)
    stacked = measure(*stack_region(stacked_configs, data, device, stack_steps), device)
    for figures in (single, stacked):
        matmul = figures["matmul_seconds"]
        figures["matmul_flop_per_s"] = figures["flop"] / matmul if matmul else None
        figures["fraction_of_fp32_peak"] = figures["flop_per_s"] / peak if peak else None
    widths = "-".join(
        str(max(c.hidden[layer] for c in stacked_configs))
        for layer in range(len(stacked_configs[0].hidden))
    )
    single["what"] = (
        f"one epoch of {single_config.label(seed=False)}: {steps} steps of batch "
        f"{single_config.batch_size}, then the training and evaluation sets evaluated"
    )
    stacked["what"] = (
        f"a stack of {len(stacked_configs)} runs padded to 784-{widths}-10: {stack_steps} steps, "
        "then the evaluation set evaluated"
    )
    return {
        "single": single,
        "stacked": stacked,
        "tf32": bool(torch.backends.cuda.matmul.allow_tf32),
        "fp32_peak_flops": peak,
    }
