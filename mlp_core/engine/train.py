"""One training run of an MLP: config in, `RunResult` out.

The data sit on the device as one float tensor; each epoch draws a seeded permutation and slices it
into batches, so the hot loop has no DataLoader and no per-sample Python (the handout's loop spends most
of its time converting PIL images one by one). The same code runs on CUDA and on the CPU.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from mlp_core.config import RunConfig
from mlp_core.data.splits import Split, load_split
from mlp_core.engine.backprop import Backprop, FlatAdam
from mlp_core.engine.denormals import denormals_flushed
from mlp_core.engine.devices import resolve_device as resolve_device  # its home before
from mlp_core.engine.export import model_weights
from mlp_core.engine.model import build_model
from mlp_core.engine.progress import (
    CancelCheck,
    ProgressCallback,
    ignore_progress,
    never_stop,
    report_batch,
)
from mlp_core.engine.provenance import device_name, provenance
from mlp_core.engine.record import EpochMeasures, TrainingRecord, learning_rate_factor
from mlp_core.results import RunResult

__all__ = [  # device_name and provenance: also importable from here, where they used to live
    "Batches",
    "DeviceData",
    "device_name",
    "evaluate",
    "make_optimizer",
    "provenance",
    "resolve_device",
    "to_features",
    "train",
]

#: Optimizers with a fused kernel in PyTorch, and its ATen name (Adam and AdamW: `FlatAdam`).
FUSED_OPTIMIZERS = {
    "adam": "_fused_adam_",
    "adamw": "_fused_adamw_",
    "sgd": "_fused_sgd_",
    "sgd_momentum": "_fused_sgd_",
    "adagrad": "_fused_adagrad_",
}

#: Evaluation batch: large batches make inference matrix products efficient; 10000 x 784 floats = 31 MB.
EVAL_BATCH = 10000


def to_features(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """(N, 28, 28) uint8 -> (N, 784) float32 in [0, 1] on ``device``, as ToTensor scales them."""
    return images.to(device).reshape(images.shape[0], -1).float().div_(255.0)


@dataclass(frozen=True)
class DeviceData:
    """A split on the training device: (N, 784) float32 features in [0, 1] and int64 labels."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    eval_x: torch.Tensor
    eval_y: torch.Tensor

    @classmethod
    def of(cls, split: Split, device: torch.device) -> DeviceData:
        """``split``'s images as features, and its labels, on ``device``."""
        return cls(
            to_features(split.train_images, device),
            split.train_labels.to(device),
            to_features(split.eval_images, device),
            split.eval_labels.to(device),
        )

    @property
    def train_size(self) -> int:
        return int(self.train_x.shape[0])

    @property
    def eval_size(self) -> int:
        return int(self.eval_x.shape[0])


class Batches:
    """An epoch's batches of the training set in a seeded random order, in reused buffers.

    The order comes from a CPU generator seeded with the run's seed, so it is the same on every
    device; each batch is gathered with ``index_select`` into buffers allocated once.
    """

    def __init__(self, data: DeviceData, batch_size: int, seed: int) -> None:
        self.features, self.labels, self.batch_size = data.train_x, data.train_y, batch_size
        self.count = math.ceil(data.train_size / batch_size)  # batches per epoch
        self.generator = torch.Generator().manual_seed(seed)
        self.inputs = self.features.new_empty((batch_size, self.features.shape[1]))
        self.targets = self.labels.new_empty((batch_size,))

    def epoch(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """The next epoch's (inputs, labels) batches; each is overwritten by the next one."""
        size = self.features.shape[0]
        order = torch.randperm(size, generator=self.generator).to(self.features.device)
        for batch in range(self.count):
            index = order[batch * self.batch_size : (batch + 1) * self.batch_size]
            inputs, targets = self.inputs[: index.shape[0]], self.targets[: index.shape[0]]
            torch.index_select(self.features, 0, index, out=inputs)
            torch.index_select(self.labels, 0, index, out=targets)
            yield inputs, targets


def make_optimizer(config: RunConfig, parameter: nn.Parameter) -> torch.optim.Optimizer:
    """The optimizer of ``config`` over one flat tensor (``sgd_momentum``: momentum 0.9).

    Fused kernels (one pass over the weights per step) where PyTorch has them, on the CPU and on
    CUDA: Adam and AdamW (through `FlatAdam`), SGD and Adagrad; the multi-tensor (foreach) kernels
    for Adadelta and RMSprop. All compute PyTorch's update rules; the fused ones round differently
    from PyTorch's default loop in the last bits, one reason `CODE_VERSION` is 2. Where this
    PyTorch has no fused kernel for the device (`has_fused_kernel`), the foreach one.
    """
    options: dict[str, Any] = {"lr": config.learning_rate, "weight_decay": config.weight_decay}
    fused = has_fused_kernel(config.optimizer, parameter.device)
    kernel = {"fused": True} if fused else {"foreach": True}
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


def has_fused_kernel(optimizer: str, device: torch.device) -> bool:
    """Whether this PyTorch has a fused update kernel of ``optimizer`` for ``device``'s type."""
    name = FUSED_OPTIMIZERS.get(optimizer)
    if name is None:
        return False
    key = "CUDA" if device.type == "cuda" else "CPU"
    try:
        return bool(torch._C._dispatch_has_kernel_for_dispatch_key(f"aten::{name}", key))
    except (AttributeError, RuntimeError):  # a PyTorch without this private query: assume it has
        return True


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
        Receives the progress events of `mlp_core.engine.progress` (`BatchEnd`, `EpochEnd`).
    should_stop : callable, optional
        Polled before every batch; when it returns True the run ends with status "cancelled".

    Returns
    -------
    RunResult
        Status "finished", "diverged" (NaN/inf training loss) or "cancelled".
    """
    with denormals_flushed():
        return _train(config, split, device, progress or ignore_progress, should_stop or never_stop)


def _train(
    config: RunConfig,
    split: Split | None,
    device: str | torch.device | None,
    report: ProgressCallback,
    stop: CancelCheck,
) -> RunResult:
    started = time.perf_counter()
    device = resolve_device(device)
    data = DeviceData.of(split if split is not None else load_split(config), device)
    model = build_model(config, device)
    backprop = Backprop(model, config.activation, config.dropout, config.input_dropout)
    optimizer = make_optimizer(config, backprop.parameters)
    batches = Batches(data, config.batch_size, config.seed)
    record = TrainingRecord([config], data.train_size, data.eval_size, batches.count, report)
    best_state = None  # patience: the weights of the best epoch so far
    evaluation = None  # the last evaluation on the evaluation set

    for epoch in range(1, config.epochs + 1):
        epoch_started = time.perf_counter()
        mean_loss = _train_epoch(backprop, optimizer, batches, config, epoch, report, stop)
        if mean_loss is None:
            record.cancel()
            break
        if not record.drop_diverged(epoch, [mean_loss]):
            break
        train_seconds = time.perf_counter() - epoch_started
        train_errors = evaluate(model, data.train_x, data.train_y)[0]
        evaluation = evaluate(model, data.eval_x, data.eval_y)
        measures = EpochMeasures([train_errors], [evaluation[0]], [evaluation[1]])
        if record.end_epoch(epoch, [mean_loss], measures, epoch_started, train_seconds):
            best_state = {name: value.clone() for name, value in model.state_dict().items()}
        if not record.active:
            break

    if best_state is not None:
        model.load_state_dict(best_state)
    if evaluation is None or best_state is not None or not record.finished():
        evaluation = evaluate(model, data.eval_x, data.eval_y)  # the weights changed since
    errors, _, predictions, confidence = evaluation
    facts = provenance(device, time.perf_counter() - started)
    kept = [model_weights(model, config)]
    return record.results([errors], predictions[None], confidence[None], facts, kept)[0]


def _train_epoch(
    backprop: Backprop,
    optimizer: torch.optim.Optimizer,
    batches: Batches,
    config: RunConfig,
    epoch: int,
    report: ProgressCallback,
    stop: CancelCheck,
) -> float | None:
    """One epoch of optimizer steps; the mean training loss of its batches, None if cancelled."""
    update = getattr(optimizer, "update", optimizer.step)  # FlatAdam's lean step
    total_steps = batches.count * config.epochs
    loss_sum = torch.zeros((), device=backprop.device)  # summed on the device: no sync per batch
    for batch, (inputs, labels) in enumerate(batches.epoch()):
        if stop():
            return None
        loss_sum += backprop.step_gradients(inputs, labels)  # forward, loss, backward
        update()
        _set_learning_rate(optimizer, config, (epoch - 1) * batches.count + batch + 1, total_steps)
        report_batch(report, epoch, batch, batches.count)
    return loss_sum.item() / batches.count


def _set_learning_rate(
    optimizer: torch.optim.Optimizer, config: RunConfig, step: int, total_steps: int
) -> None:
    """The learning rate of the step after ``step`` (the schedule's; constant: unchanged)."""
    if config.schedule != "constant":
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate * learning_rate_factor(config, step, total_steps)
