"""Many runs trained together, each exactly as `mlp_core.engine.train.train` would train it alone.

`train_stack` takes runs that may share one `Stack` (see `mlp_core.engine.stack.stack_key`). Each model is
built by `build_model` from its own config, so its own seed draws its initial weights; its batches
follow its own seeded permutation, as in `train`; its optimizer and its state are its own
(`StackedOptimizer`, one per optimizer block). A training step is one batched forward per
activation and one backward for the whole stack: a GPU gets work big enough to keep it busy, a CPU
does a few batched matrix products instead of many small ones. Divergence, patience and the
learning-rate schedule are applied per model, as `train` applies them.

Results are `RunResult`s like `train`'s; per-epoch and total seconds are the stack's wall time
divided by its size, and the provenance records ``stacked=<models>``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import replace

import torch
from torch import nn

from mlp_core.config import RunConfig
from mlp_core.data.splits import Split, load_split
from mlp_core.engine.denormals import denormals_flushed
from mlp_core.engine.export import stack_weights
from mlp_core.engine.progress import (
    CancelCheck,
    EpochEnd,
    EpochRow,
    ProgressCallback,
    ProgressEvent,
    ignore_progress,
    never_stop,
    report_batch,
)
from mlp_core.engine.provenance import provenance
from mlp_core.engine.record import EpochMeasures, TrainingRecord, learning_rate_factor
from mlp_core.engine.stack import Stack, evaluate_stack, stack_key
from mlp_core.engine.stacked_optimizers import StackedOptimizer
from mlp_core.engine.train import DeviceData, resolve_device
from mlp_core.results import RunResult

#: One optimizer per block of rows of a stack: (first row, end row, optimizer).
Optimizers = list[tuple[int, int, StackedOptimizer]]


def train_stack(
    configs: Sequence[RunConfig],
    split: Split | None = None,
    device: str | torch.device | None = None,
    progress: ProgressCallback | None = None,
    should_stop: CancelCheck | None = None,
) -> list[RunResult]:
    """Train ``configs`` together; one `RunResult` per config, in the order given.

    Parameters
    ----------
    configs : sequence of RunConfig
        Equal ``stack_key(config, pad=True)``: seeds, learning rates, optimizers, activations and
        hidden widths may differ (narrower models are padded).
    split, device, progress, should_stop
        As for `mlp_core.engine.train.train`; each `EpochEnd` carries one row per model, in the
        order of ``configs``.

    Returns
    -------
    list of RunResult
        All "cancelled" when ``should_stop`` fired, else "finished" or "diverged" per model.
    """
    given = list(configs)
    keys = {stack_key(config, pad=True) for config in given}
    if not given or None in keys or len(keys) != 1:
        raise ValueError(
            "a stack needs configs that differ only in seed, learning_rate, optimizer, activation "
            "and hidden widths (same depth), without dropout"
        )
    order = sorted(range(len(given)), key=lambda i: (given[i].activation, given[i].optimizer))
    report = _in_given_order(progress, order) if progress is not None else ignore_progress
    with denormals_flushed():  # as in `train`: Adam's moments decay into slow subnormals
        results = _train_sorted([given[i] for i in order], split, device, report, should_stop)
    by_position = dict(zip(order, results, strict=True))
    return [by_position[position] for position in range(len(given))]


def _train_sorted(
    configs: list[RunConfig],
    split: Split | None,
    device: str | torch.device | None,
    report: ProgressCallback,
    should_stop: CancelCheck | None,
) -> list[RunResult]:
    started = time.perf_counter()
    device = resolve_device(device)
    stop = should_stop or never_stop
    first = configs[0]
    data = DeviceData.of(split if split is not None else load_split(first), device)
    stack = Stack(configs, device)
    optimizers = stack_optimizers(stack, configs)
    batches = math.ceil(data.train_size / first.batch_size)  # per epoch
    generators = [torch.Generator().manual_seed(config.seed) for config in configs]  # as `train`
    record = TrainingRecord(configs, data.train_size, data.eval_size, batches, report)
    best_flat = stack.flat.clone() if record.patience else None  # each model's best epoch so far

    for epoch in range(1, first.epochs + 1):
        epoch_started = time.perf_counter()
        mean_losses = _train_epoch(stack, optimizers, data, generators, first, epoch, report, stop)
        if mean_losses is None:
            record.cancel()
            break
        if not record.drop_diverged(epoch, mean_losses):
            break
        train_seconds = time.perf_counter() - epoch_started
        measures = _evaluate_epoch(stack, data)
        for model in record.end_epoch(epoch, mean_losses, measures, epoch_started, train_seconds):
            if best_flat is not None:
                best_flat[model] = stack.flat[model]
        if not record.active:
            break

    final = stack.flat
    if best_flat is not None:  # patience restores each model's best epoch, as `train` does
        restore = torch.tensor([epoch > 0 for epoch in record.best_epoch], device=device)
        final = torch.where(restore[:, None], best_flat, final)
    errors, _, predictions, confidence = evaluate_stack(stack, final, data.eval_x, data.eval_y)
    seconds = (time.perf_counter() - started) / len(configs)
    facts = replace(provenance(device, seconds), stacked=len(configs))
    kept = [stack_weights(stack, final[row], config) for row, config in enumerate(configs)]
    return record.results(errors.tolist(), predictions, confidence, facts, kept)


def stack_optimizers(stack: Stack, configs: Sequence[RunConfig]) -> Optimizers:
    """A `StackedOptimizer` per optimizer block of ``stack``, with each model's learning rate."""
    rates = torch.tensor([config.learning_rate for config in configs])
    decay = configs[0].weight_decay
    return [
        (start, end, StackedOptimizer(name, stack.flat[start:end], rates[start:end], decay))
        for name, start, end in stack.optimizers
    ]


def _train_epoch(
    stack: Stack,
    optimizers: Optimizers,
    data: DeviceData,
    generators: list[torch.Generator],
    first: RunConfig,
    epoch: int,
    report: ProgressCallback,
    stop: CancelCheck,
) -> list[float] | None:
    """One epoch of steps of every model on its own batches; mean losses, None if cancelled."""
    models, size, batch_size = len(generators), data.train_size, first.batch_size
    batches = math.ceil(size / batch_size)
    order = torch.stack([torch.randperm(size, generator=g) for g in generators]).to(
        data.train_x.device
    )
    loss_sum = torch.zeros(models, device=data.train_x.device)  # on the device: no sync per batch
    for batch in range(batches):
        if stop():
            return None
        index = order[:, batch * batch_size : (batch + 1) * batch_size]  # (models, batch)
        rows = index.flatten()  # index_select: a row copy, far cheaper than advanced indexing
        images = data.train_x.index_select(0, rows).view(models, -1, data.train_x.shape[1])
        # The schedule's multiplier for this step: its value after the steps before it.
        factor = learning_rate_factor(first, (epoch - 1) * batches + batch, batches * first.epochs)
        loss_sum += stack_step(
            stack, optimizers, images, data.train_y.index_select(0, rows), factor
        )
        report_batch(report, epoch, batch, batches)
    # Plain floats: one device sync per epoch, not one per model.
    return (loss_sum / batches).tolist()


def stack_step(
    stack: Stack,
    optimizers: Optimizers,
    images: torch.Tensor,
    labels: torch.Tensor,
    factor: float,
) -> torch.Tensor:
    """Forward, loss, backward and update of every model; (models,) mean losses of the batch.

    ``images`` (models, batch, 784), ``labels`` (models * batch,); ``factor`` scales every
    learning rate (the schedule).
    """
    logits = stack.logits(stack.leaves, images)  # (models, batch, 10)
    losses = nn.functional.cross_entropy(logits.flatten(0, 1), labels, reduction="none")
    losses = losses.view(images.shape[0], -1).mean(dim=1)  # (models,) each model's batch mean
    grads = torch.autograd.grad(losses.sum(), list(stack.leaves.values()))
    if stack.mask is not None:  # padding never learns
        grads = tuple(grad * mask for grad, mask in zip(grads, stack.mask.values(), strict=True))
    parts = list(zip(stack.offsets.values(), grads, strict=True))
    for start, end, optimizer in optimizers:
        optimizer.step([(at, part[start:end]) for at, part in parts], factor)
    return losses.detach()


def _evaluate_epoch(stack: Stack, data: DeviceData) -> EpochMeasures:
    """Every model's errors on the training and evaluation sets, and its evaluation loss."""
    train_errors = evaluate_stack(stack, stack.flat, data.train_x, data.train_y)[0]
    eval_errors, eval_losses, _, _ = evaluate_stack(stack, stack.flat, data.eval_x, data.eval_y)
    return EpochMeasures(train_errors.tolist(), eval_errors.tolist(), eval_losses.tolist())


def _in_given_order(progress: ProgressCallback, order: list[int]) -> ProgressCallback:
    """``progress`` with each `EpochEnd`'s rows put back in the order the configs were given."""

    def report(event: ProgressEvent) -> None:
        if isinstance(event, EpochEnd):
            rows: list[EpochRow | None] = [None] * len(order)
            for sorted_row, given in enumerate(order):  # the sorted stack's row -> given position
                rows[given] = event.rows[sorted_row]
            event = replace(event, rows=tuple(rows))
        progress(event)

    return report
