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
from mlp_core.engine.stack import Stack, evaluate_stack, stack_key
from mlp_core.engine.stacked_optimizers import StackedOptimizer
from mlp_core.engine.train import (
    CancelCheck,
    ProgressCallback,
    is_diverged,
    learning_rate_factor,
    provenance,
    resolve_device,
    to_features,
)
from mlp_core.results import HISTORY_COLUMNS, RunMetrics, RunResult


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
        As for `mlp_core.engine.train.train`; epoch events carry ``"models"`` (the stack size) and
        ``"active"`` (models still training).

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
    with denormals_flushed():  # as in `train`: Adam's moments decay into slow subnormals
        results = _train_sorted([given[i] for i in order], split, device, progress, should_stop)
    by_position = dict(zip(order, results, strict=True))
    return [by_position[position] for position in range(len(given))]


def _train_sorted(
    configs: list[RunConfig],
    split: Split | None,
    device: str | torch.device | None,
    progress: ProgressCallback | None,
    should_stop: CancelCheck | None,
) -> list[RunResult]:
    started = time.perf_counter()
    device = resolve_device(device)
    report = progress or (lambda event: None)
    stop = should_stop or (lambda: False)
    first, models = configs[0], len(configs)
    split = split if split is not None else load_split(first)
    train_x, train_y = to_features(split.train_images, device), split.train_labels.to(device)
    eval_x, eval_y = to_features(split.eval_images, device), split.eval_labels.to(device)

    stack = Stack(configs, device)
    rates = torch.tensor([config.learning_rate for config in configs])
    optimizers = [
        (
            start,
            stop_row,
            StackedOptimizer(
                name, stack.flat[start:stop_row], rates[start:stop_row], first.weight_decay
            ),
        )
        for name, start, stop_row in stack.optimizers
    ]
    size, batch_size = train_x.shape[0], first.batch_size
    batches_per_epoch = math.ceil(size / batch_size)
    total_steps = batches_per_epoch * first.epochs
    generators = [torch.Generator().manual_seed(config.seed) for config in configs]  # as `train`
    patience = first.stopping == "patience"
    histories: list[dict[str, list[float]]] = [{c: [] for c in HISTORY_COLUMNS} for _ in configs]
    best_error, best_epoch = [math.inf] * models, [0] * models
    best_flat = stack.flat.clone() if patience else None
    status = ["finished"] * models
    diverged_epoch: list[int | None] = [None] * models
    recording = [True] * models  # False once a model diverged or ran out of patience
    factor, step, cancelled = 1.0, 0, False

    for epoch in range(1, first.epochs + 1):
        epoch_started = time.perf_counter()
        order = torch.stack([torch.randperm(size, generator=g) for g in generators]).to(device)
        loss_sum = torch.zeros(models, device=device)  # summed on the device: no sync per batch
        for batch in range(batches_per_epoch):
            if stop():
                cancelled = True
                break
            index = order[:, batch * batch_size : (batch + 1) * batch_size]  # (models, batch)
            rows = index.flatten()  # index_select: a row copy, far cheaper than advanced indexing
            images = train_x.index_select(0, rows).view(models, -1, train_x.shape[1])
            logits = stack.logits(stack.leaves, images)  # (models, batch, 10)
            losses = nn.functional.cross_entropy(
                logits.flatten(0, 1), train_y.index_select(0, rows), reduction="none"
            )
            losses = losses.view(models, -1).mean(dim=1)  # (models,) each model's batch mean
            grads = torch.autograd.grad(losses.sum(), list(stack.leaves.values()))
            if stack.mask is not None:  # padding never learns
                grads = tuple(
                    grad * mask for grad, mask in zip(grads, stack.mask.values(), strict=True)
                )
            parts = list(zip(stack.offsets.values(), grads, strict=True))
            for start, stop_row, optimizer in optimizers:
                optimizer.step([(at, part[start:stop_row]) for at, part in parts], factor)
            step += 1
            factor = learning_rate_factor(first, step, total_steps)
            loss_sum += losses.detach()
            if batch % 100 == 99:
                fraction = (batch + 1) / batches_per_epoch
                report({"kind": "batch", "epoch": epoch, "fraction": fraction})
        if cancelled:
            break
        train_counts = evaluate_stack(stack, stack.flat, train_x, train_y)[0]
        eval_counts, eval_losses, _, _ = evaluate_stack(stack, stack.flat, eval_x, eval_y)
        seconds = (time.perf_counter() - epoch_started) / models
        # Plain lists: one device sync per epoch, not one per model.
        mean_loss = (loss_sum / batches_per_epoch).tolist()
        train_errors, eval_errors = train_counts.tolist(), eval_counts.tolist()
        eval_loss = eval_losses.tolist()
        for row in range(models):
            if not recording[row]:
                continue
            if is_diverged(mean_loss[row]):
                status[row], diverged_epoch[row], recording[row] = "diverged", epoch, False
                continue
            values = {
                "epoch": epoch,
                "train_loss": mean_loss[row],
                "train_error": train_errors[row] / size,
                "eval_loss": eval_loss[row],
                "eval_error": eval_errors[row] / eval_x.shape[0],
                "learning_rate": configs[row].learning_rate * factor,
                "seconds": seconds,
            }
            for column, value in values.items():
                histories[row][column].append(value)
            if values["eval_error"] < best_error[row]:
                best_error[row], best_epoch[row] = values["eval_error"], epoch
                if best_flat is not None:
                    best_flat[row] = stack.flat[row]
            elif patience and epoch - best_epoch[row] >= first.patience:
                recording[row] = False
        report({"kind": "epoch", "epoch": epoch, "models": models, "active": sum(recording)})
        if not any(recording):
            break

    final = stack.flat
    if best_flat is not None:  # patience restores each model's best epoch, as `train` does
        restore = torch.tensor([epoch > 0 for epoch in best_epoch], device=device)
        final = torch.where(restore[:, None], best_flat, final)
    final_errors, _, predictions, confidence = evaluate_stack(stack, final, eval_x, eval_y)
    errors = final_errors.tolist()
    facts = replace(provenance(device, (time.perf_counter() - started) / models), stacked=models)
    results = []
    for row, config in enumerate(configs):
        history = histories[row]
        run_status = "cancelled" if cancelled else status[row]
        kept = best_epoch[row] if patience else len(history["epoch"])
        usable = run_status != "diverged" and bool(history["epoch"])
        metrics = RunMetrics(
            eval_error=int(errors[row]) / eval_x.shape[0] if usable else math.nan,
            eval_errors=int(errors[row]) if usable else None,
            eval_size=int(eval_x.shape[0]),
            train_error=history["train_error"][kept - 1] if kept else math.nan,
            epochs_run=len(history["epoch"]),
            kept_epoch=kept,
            diverged_epoch=diverged_epoch[row],
        )
        results.append(
            RunResult(
                config=config,
                status=run_status,
                history=history,
                best_epoch=best_epoch[row],
                metrics=metrics,
                predictions=predictions[row].to("cpu", torch.uint8).numpy(),
                confidence=confidence[row].to("cpu", torch.float16).numpy(),
                provenance=facts,
                weights=stack_weights(stack, final[row], config)
                if run_status == "finished"
                else None,
            )
        )
    return results
