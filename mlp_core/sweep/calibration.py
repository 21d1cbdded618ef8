"""Timing a few real training steps of a run's shape on this machine, for an honest cost estimate.

An estimate read off stored runs is only as good as the machine that stored them: the development
machine's runs said 1.4 s per epoch for a run that took 19 s on a busy one. Here the engine's own step
(`Backprop.step_gradients` and the config's optimizer, on random batches of the asked size drawn with
``index_select`` as the training loop draws them) is timed in a few blocks, and one evaluation pass
(`evaluate`) besides, on the device training will use, with the threads it will have.
`mlp_core.sweep.estimate.timed_estimate` turns the timings into seconds with a range.

Results are cached per shape (widths, activation, optimizer, batch size, dropout, weight decay on or
off) and device and threads, for `MAX_AGE_SECONDS`: a page asks again at every rerun, and the load of a
shared machine changes within minutes. Imports torch: call it where training is offered, never from a
page that only reads results.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from mlp_core.config import RunConfig
from mlp_core.engine.backprop import Backprop
from mlp_core.engine.denormals import denormals_flushed
from mlp_core.engine.model import build_model
from mlp_core.engine.train import device_name, evaluate, make_optimizer, resolve_device, to_features
from mlp_core.sweep.estimate import CostEstimate, StepTiming, timed_estimate

#: How long a timing stays valid (seconds).
MAX_AGE_SECONDS = 600.0
#: Timed blocks of steps (the range comes from their spread), steps per block, untimed steps first.
BLOCKS, STEPS_PER_BLOCK, WARMUP_STEPS = 7, 8, 3
#: Examples of the timed evaluation passes, and how many passes.
EVAL_EXAMPLES, EVAL_REPEATS = 2000, 3
#: Images converted to features to time the setup, scaled to the run's image count.
SETUP_IMAGES = 2000


@dataclass(frozen=True)
class StepShape:
    """What a training step's cost depends on: a cache key (learning rate, epochs, seed do not)."""

    hidden: tuple[int, ...]
    activation: str
    optimizer: str
    batch_size: int
    dropout: float
    input_dropout: float
    weight_decay: bool  # on or off: the update has one more term when on

    @classmethod
    def of(cls, config: RunConfig) -> StepShape:
        """The shape of ``config``'s training step."""
        return cls(
            config.hidden,
            config.activation,
            config.optimizer,
            config.batch_size,
            config.dropout,
            config.input_dropout,
            config.weight_decay > 0,
        )


_cache: dict[tuple[StepShape, str, int], tuple[float, StepTiming]] = {}
_lock = threading.Lock()


def step_timing(
    config: RunConfig,
    device: str | torch.device | None = None,
    max_age: float = MAX_AGE_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> StepTiming:
    """`measure_step_timing` of ``config``'s shape, reused for ``max_age`` seconds.

    Parameters
    ----------
    config : RunConfig
    device : str or torch.device, optional
        Default: the device training uses (`resolve_device`).
    max_age : float
        Seconds a cached timing stays valid; 0 measures again.
    clock : callable
        Seconds, monotonic (tests pass a fake one).
    """
    resolved = resolve_device(device)
    key = (StepShape.of(config), device_name(resolved), torch.get_num_threads())
    with _lock:  # two sessions asking the same shape time it once
        cached = _cache.get(key)
        if cached is not None and clock() - cached[0] < max_age:
            return cached[1]
        timing = measure_step_timing(config, resolved)
        _cache[key] = (clock(), timing)
        return timing


def measured_estimate(config: RunConfig, device: str | torch.device | None = None) -> CostEstimate:
    """The cost of ``config`` on this machine now: `timed_estimate` of its (cached) `step_timing`."""
    return timed_estimate(config, step_timing(config, device))


def measure_step_timing(config: RunConfig, device: str | torch.device | None = None) -> StepTiming:
    """Time ``config``'s training step and evaluation pass on ``device`` (default: training's).

    The model, optimizer and batches are the engine's (random weights and images: the cost of a
    step does not depend on their values), with subnormals flushed as in training. Takes about
    ``(WARMUP_STEPS + BLOCKS * STEPS_PER_BLOCK)`` steps and ``EVAL_REPEATS + 1`` passes over
    ``EVAL_EXAMPLES`` images: a second or two for the handout's network on two cores.
    """
    resolved = resolve_device(device)
    generator = torch.Generator().manual_seed(0)
    with denormals_flushed():
        setup = _setup_seconds(config, resolved, generator)
        model = build_model(config, resolved)
        backprop = Backprop(model, config.activation, config.dropout, config.input_dropout)
        optimizer = make_optimizer(config, backprop.parameters)
        update = getattr(optimizer, "update", optimizer.step)  # FlatAdam's lean step
        pool = torch.rand((4 * config.batch_size, 784), generator=generator).to(resolved)
        labels = torch.randint(0, 10, (pool.shape[0],), generator=generator).to(resolved)
        batch_x = pool.new_empty((config.batch_size, 784))
        batch_y = labels.new_empty((config.batch_size,))

        def steps(count: int) -> None:
            for _ in range(count):
                index = torch.randint(0, pool.shape[0], (config.batch_size,), device=resolved)
                torch.index_select(pool, 0, index, out=batch_x)
                torch.index_select(labels, 0, index, out=batch_y)
                backprop.step_gradients(batch_x, batch_y)
                update()

        steps(WARMUP_STEPS)
        step_seconds = tuple(
            _timed(lambda: steps(STEPS_PER_BLOCK), resolved) / STEPS_PER_BLOCK
            for _ in range(BLOCKS)
        )
        eval_x = torch.rand((EVAL_EXAMPLES, 784), generator=generator).to(resolved)
        eval_y = torch.randint(0, 10, (EVAL_EXAMPLES,), generator=generator).to(resolved)
        evaluate(model, eval_x, eval_y)  # untimed: first-call allocations
        eval_seconds = tuple(
            _timed(lambda: evaluate(model, eval_x, eval_y), resolved) / EVAL_EXAMPLES
            for _ in range(EVAL_REPEATS)
        )
    return StepTiming(
        step_seconds, eval_seconds, setup, device_name(resolved), torch.get_num_threads()
    )


def _timed(work: Callable[[], object], device: torch.device) -> float:
    """Wall seconds of ``work`` on ``device`` (CUDA kernels are waited for)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    started = time.perf_counter()
    work()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - started


def _setup_seconds(config: RunConfig, device: torch.device, generator: torch.Generator) -> float:
    """A run's one-off work before its first step: its images to features, its model built."""
    images = torch.randint(0, 256, (SETUP_IMAGES, 28, 28), dtype=torch.uint8, generator=generator)
    convert = _timed(lambda: to_features(images, device), device)
    build = _timed(lambda: build_model(config, device), device)
    return convert * (config.train_size + config.eval_size) / SETUP_IMAGES + build
