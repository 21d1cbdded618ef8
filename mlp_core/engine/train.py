"""One training run of an MLP: config in, `RunResult` out.

The data sit on the device as one float tensor; each epoch draws a seeded permutation and slices it
into batches, so the hot loop has no DataLoader and no per-sample Python (the handout's loop spends most
of its time converting PIL images one by one). The same code runs on CUDA and on the CPU.
"""

from __future__ import annotations

import datetime
import math
import platform
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

import mlp_core.config
from mlp_core.config import RunConfig
from mlp_core.data.splits import Split, load_split
from mlp_core.engine.backprop import Backprop, FlatAdam
from mlp_core.engine.denormals import denormals_flushed
from mlp_core.engine.export import model_weights
from mlp_core.engine.model import build_model
from mlp_core.machine import cpu_device_name
from mlp_core.results import HISTORY_COLUMNS, Provenance, RunMetrics, RunResult

#: Optimizers with a fused kernel in PyTorch (CPU and CUDA).
FUSED_OPTIMIZERS = frozenset({"adam", "adamw", "sgd", "sgd_momentum", "adagrad"})

#: Evaluation batch: large batches make inference matrix products efficient; 10000 x 784 floats = 31 MB.
EVAL_BATCH = 10000

#: A mean training loss above this (nats; chance level is ln 10 = 2.3) counts as diverged, like NaN/inf:
#: PyTorch's stable log-softmax keeps a blown-up network's loss finite (1e8 is typical) but useless.
DIVERGENCE_LOSS = 100.0

#: Progress events: {"kind": "epoch", **history row} after each epoch, and
#: {"kind": "batch", "epoch": e, "fraction": f} a few times per epoch.
ProgressCallback = Callable[[dict[str, Any]], None]
CancelCheck = Callable[[], bool]


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` if given, else CUDA when available, else the CPU."""
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_features(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """(N, 28, 28) uint8 -> (N, 784) float32 in [0, 1] on ``device``, as ToTensor scales them."""
    return images.to(device).reshape(images.shape[0], -1).float().div_(255.0)


def make_optimizer(config: RunConfig, parameter: nn.Parameter) -> torch.optim.Optimizer:
    """The optimizer of ``config`` over one flat tensor (``sgd_momentum``: momentum 0.9).

    Fused kernels (one pass over the weights per step) where PyTorch has them, on the CPU and on
    CUDA: Adam and AdamW (through `FlatAdam`), SGD and Adagrad; the multi-tensor (foreach) kernels
    for Adadelta and RMSprop. All compute PyTorch's update rules; the fused ones round differently
    from PyTorch's default loop in the last bits, one reason `CODE_VERSION` is 2.
    """
    options: dict[str, Any] = {"lr": config.learning_rate, "weight_decay": config.weight_decay}
    kernel = {"fused": True} if config.optimizer in FUSED_OPTIMIZERS else {"foreach": True}
    params = [parameter]
    builders: dict[str, Callable[[], torch.optim.Optimizer]] = {
        "sgd": lambda: torch.optim.SGD(params, **options, **kernel),
        "sgd_momentum": lambda: torch.optim.SGD(params, momentum=0.9, **options, **kernel),
        "adadelta": lambda: torch.optim.Adadelta(params, **options, **kernel),
        "adagrad": lambda: torch.optim.Adagrad(params, **options, **kernel),
        "adam": lambda: FlatAdam(parameter, **options),
        "adamw": lambda: FlatAdam(parameter, decoupled=True, **options),
        "rmsprop": lambda: torch.optim.RMSprop(params, **options, **kernel),
    }
    return builders[config.optimizer]()


def is_diverged(mean_loss: float) -> bool:
    """Whether an epoch's mean training loss means the run has diverged (NaN, inf or huge)."""
    return not math.isfinite(mean_loss) or mean_loss > DIVERGENCE_LOSS


def learning_rate_factor(config: RunConfig, step: int, total_steps: int) -> float:
    """Multiplier of the initial learning rate after ``step`` optimizer steps."""
    if config.schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * min(step, total_steps) / total_steps))
    return 1.0


@torch.inference_mode()
def evaluate(
    model: nn.Module, features: torch.Tensor, labels: torch.Tensor
) -> tuple[int, float, torch.Tensor, torch.Tensor]:
    """(errors, mean cross-entropy, predictions, confidence) of ``model`` on a whole set."""
    was_training = model.training
    model.eval()
    errors, loss_sum = 0, 0.0
    predictions, confidences = [], []
    for start in range(0, features.shape[0], EVAL_BATCH):
        logits = model(features[start : start + EVAL_BATCH])
        target = labels[start : start + EVAL_BATCH]
        loss_sum += nn.functional.cross_entropy(logits, target, reduction="sum").item()
        confidence, predicted = logits.softmax(dim=1).max(dim=1)
        errors += int((predicted != target).sum().item())
        predictions.append(predicted)
        confidences.append(confidence)
    model.train(was_training)
    return errors, loss_sum / features.shape[0], torch.cat(predictions), torch.cat(confidences)


def device_name(device: torch.device) -> str:
    """How results name the device they were computed on (the key of speed estimates)."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return cpu_device_name()


def provenance(device: torch.device, seconds: float) -> Provenance:
    """Where, when and with what code a result was computed."""
    return Provenance(
        code_version=mlp_core.config.CODE_VERSION,
        git_commit=_git_commit(),
        torch=torch.__version__,
        python=platform.python_version(),
        device=device.type,
        device_name=device_name(device),
        threads=torch.get_num_threads(),
        date=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        seconds=round(seconds, 3),
    )


def _git_commit() -> str | None:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() or None


def train(
    config: RunConfig,
    split: Split | None = None,
    device: str | torch.device | None = None,
    progress: ProgressCallback | None = None,
    should_stop: CancelCheck | None = None,
) -> RunResult:
    """Train the MLP of ``config`` and evaluate it after every epoch.

    Parameters
    ----------
    config : RunConfig
    split : Split, optional
        Data to use; default ``load_split(config)`` (tests pass small synthetic splits).
    device : str or torch.device, optional
        Default CUDA when available, else CPU.
    progress : callable, optional
        Receives progress events (see `ProgressCallback`).
    should_stop : callable, optional
        Polled before every batch; when it returns True the run ends with status "cancelled".

    Returns
    -------
    RunResult
        Status "finished", "diverged" (NaN/inf training loss) or "cancelled".
    """
    with denormals_flushed():
        return _train(config, split, device, progress, should_stop)


def _train(
    config: RunConfig,
    split: Split | None,
    device: str | torch.device | None,
    progress: ProgressCallback | None,
    should_stop: CancelCheck | None,
) -> RunResult:
    started = time.perf_counter()
    device = resolve_device(device)
    report = progress or (lambda event: None)
    stop = should_stop or (lambda: False)
    split = split if split is not None else load_split(config)
    train_x, train_y = to_features(split.train_images, device), split.train_labels.to(device)
    eval_x, eval_y = to_features(split.eval_images, device), split.eval_labels.to(device)

    model = build_model(config, device)
    backprop = Backprop(model, config.activation, config.dropout, config.input_dropout)
    optimizer = make_optimizer(config, backprop.parameters)
    update = getattr(optimizer, "update", optimizer.step)  # FlatAdam's lean step
    size = train_x.shape[0]
    batches_per_epoch = math.ceil(size / config.batch_size)
    total_steps = batches_per_epoch * config.epochs
    batch_order = torch.Generator().manual_seed(
        config.seed
    )  # on the CPU: same order on every device
    # Each batch is gathered into these buffers: no allocation per step.
    batch_x = train_x.new_empty((config.batch_size, train_x.shape[1]))
    batch_y = train_y.new_empty((config.batch_size,))
    history: dict[str, list[float]] = {column: [] for column in HISTORY_COLUMNS}
    best_error, best_epoch, best_state = math.inf, 0, None
    status, diverged_epoch, step = "finished", None, 0
    evaluation, evaluated_at = None, -1  # the last evaluation of the model, and after which step

    for epoch in range(1, config.epochs + 1):
        epoch_started = time.perf_counter()
        order = torch.randperm(size, generator=batch_order).to(device)
        loss_sum = torch.zeros((), device=device)  # summed on the device: no sync per batch
        for batch in range(batches_per_epoch):
            if stop():
                status = "cancelled"
                break
            index = order[batch * config.batch_size : (batch + 1) * config.batch_size]
            inputs, labels = batch_x[: index.shape[0]], batch_y[: index.shape[0]]
            torch.index_select(train_x, 0, index, out=inputs)
            torch.index_select(train_y, 0, index, out=labels)
            loss_sum += backprop.step_gradients(inputs, labels)
            update()
            step += 1
            _set_learning_rate(optimizer, config, step, total_steps)
            if batch % 100 == 99:
                report(
                    {"kind": "batch", "epoch": epoch, "fraction": (batch + 1) / batches_per_epoch}
                )
        if status == "cancelled":
            break
        train_loss = loss_sum.item() / batches_per_epoch
        if is_diverged(train_loss):
            status, diverged_epoch = "diverged", epoch
            break
        train_seconds = time.perf_counter() - epoch_started
        train_errors, _, _, _ = evaluate(model, train_x, train_y)
        evaluation = evaluate(model, eval_x, eval_y)
        evaluated_at = step
        eval_errors, eval_loss = evaluation[0], evaluation[1]
        row = {
            "epoch": epoch,
            "train_loss": train_loss,
            "train_error": train_errors / size,
            "eval_loss": eval_loss,
            "eval_error": eval_errors / eval_x.shape[0],
            "learning_rate": optimizer.param_groups[0]["lr"],
            "seconds": time.perf_counter() - epoch_started,
        }
        for column, value in row.items():
            history[column].append(value)
        report({"kind": "epoch", **row, "train_seconds": train_seconds})
        if row["eval_error"] < best_error:
            best_error, best_epoch = row["eval_error"], epoch
            if config.stopping == "patience":
                best_state = {name: value.clone() for name, value in model.state_dict().items()}
        elif config.stopping == "patience" and epoch - best_epoch >= config.patience:
            break

    if best_state is not None:
        model.load_state_dict(best_state)
    if best_state is not None or evaluation is None or evaluated_at != step:
        evaluation = evaluate(model, eval_x, eval_y)  # the weights changed since the last one
    errors, _, predictions, confidence = evaluation
    kept_epoch = best_epoch if config.stopping == "patience" else len(history["epoch"])
    usable = status != "diverged" and bool(history["epoch"])
    metrics = RunMetrics(
        eval_error=errors / eval_x.shape[0] if usable else math.nan,
        eval_errors=errors if usable else None,
        eval_size=int(eval_x.shape[0]),
        train_error=history["train_error"][kept_epoch - 1] if kept_epoch else math.nan,
        epochs_run=len(history["epoch"]),
        kept_epoch=kept_epoch,
        diverged_epoch=diverged_epoch,
    )
    return RunResult(
        config=config,
        status=status,
        history=history,
        best_epoch=best_epoch,
        metrics=metrics,
        predictions=predictions.to("cpu", torch.uint8).numpy(),
        confidence=confidence.to("cpu", torch.float16).numpy(),
        provenance=provenance(device, time.perf_counter() - started),
        weights=model_weights(model, config) if status == "finished" else None,
    )


def _set_learning_rate(
    optimizer: torch.optim.Optimizer, config: RunConfig, step: int, total_steps: int
) -> None:
    if config.schedule != "constant":
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate * learning_rate_factor(config, step, total_steps)
