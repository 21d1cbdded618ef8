"""Side-by-side benchmark: the handout's training loop against the engine, same config and seed.

The reference is section 2 of the handout (``mlp_exp.py``): ``torchvision.datasets.MNIST`` with
``ToTensor``, ``random_split`` 54000/6000, ``DataLoader(batch_size=100, shuffle=True)``, the handout's
``MLP`` built from ``(width, activation)`` pairs, Adam, cross-entropy. Both run in one process, one
after the other, so the ratio is meaningful on a noisy machine. The handout's loop may run fewer
epochs than the engine (its epochs all cost the same: it is bound by the per-image conversion);
errors are compared after the same number of epochs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch
from torch import nn

from mlp_core.config import RunConfig
from mlp_core.data.splits import Split, torchvision_dataset, validation_indices
from mlp_core.engine.progress import EpochEnd, ProgressEvent
from mlp_core.engine.train import resolve_device, train

#: The engine's target (issue 2): this many times faster per training epoch than the handout's loop,
#: at a validation error within this distance of the loop's after the same epochs.
TARGET_SPEEDUP, TARGET_ERROR_GAP = 5.0, 0.005
#: On one H100/H200-class GPU (issue 11), the handout's 20-epoch experiment.
GPU_TARGET_SPEEDUP = 50.0


class SplitImages(torch.utils.data.Dataset):
    """A split's uint8 images as the handout's dataset gives them: (PIL image, label) pairs.

    ``torchvision.datasets.MNIST`` makes each item a grayscale ``Image.fromarray(image)`` before
    the transform; so does this, for a split that is not on disk (tests, the --quick check).
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, transform: Callable) -> None:
        self.images, self.labels, self.transform = images.numpy(), labels.tolist(), transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        from PIL import Image

        return self.transform(Image.fromarray(self.images[index])), self.labels[index]


class HandoutMLP(nn.Module):
    """The handout's MLP: a ModuleList of Linear + activation pairs, then the output layer."""

    def __init__(self, input_size: int, layers_data: list, num_classes: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList()
        for output_size, activation_function in layers_data:
            self.layers.append(nn.Linear(input_size, output_size))
            input_size = output_size
            self.layers.append(activation_function)
        self.layers.append(nn.Linear(input_size, num_classes))

    def forward(self, input_data: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            input_data = layer(input_data)
        return input_data


def handout_error(
    model: nn.Module, loader: torch.utils.data.DataLoader, device: torch.device
) -> float:
    """The handout's ``error()`` (section 2): error rate of ``model`` over a DataLoader."""
    errors, total = 0, 0
    with torch.no_grad():
        for inputs, labels in loader:
            predicted = model(inputs.to(device).view(-1, 28 * 28)).argmax(1).cpu()
            errors += int((predicted != labels).sum())
            total += labels.numel()
    return errors / total


def handout_datasets(
    config: RunConfig, split: Split | None
) -> tuple[torch.utils.data.Dataset, torch.utils.data.Dataset]:
    """(training, validation) datasets as the handout builds them, with ``ToTensor``."""
    from torchvision.transforms import ToTensor

    if split is not None:
        return (
            SplitImages(split.train_images, split.train_labels, ToTensor()),
            SplitImages(split.eval_images, split.eval_labels, ToTensor()),
        )
    dataset = torchvision_dataset(config.dataset, train=True, transform=ToTensor())
    # The same partition as the engine: random_split draws exactly these indices.
    train_index, val_index = validation_indices(config.validation_size, config.split_seed)
    train_set = torch.utils.data.Subset(dataset, train_index.tolist())
    return train_set, torch.utils.data.Subset(dataset, val_index.tolist())


def handout_loop(
    config: RunConfig,
    device: torch.device,
    report: Callable[[str], None],
    split: Split | None = None,
) -> dict[str, Any]:
    """Train as the handout does for ``config.epochs`` epochs, then measure the per-epoch evaluation
    exercise 1 asks for (training and validation error with the handout's ``error()``) once.

    Returns mean training seconds per epoch, the seconds of one evaluation, and the final error.
    ``split``: data in memory instead of the handout's files (as `SplitImages`).
    """
    train_set, val_set = handout_datasets(config, split)
    torch.manual_seed(config.seed)
    layers = [(width, nn.ReLU()) for width in config.hidden]
    model = HandoutMLP(28 * 28, layers, 10).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    criterion = nn.CrossEntropyLoss()
    train_loader = torch.utils.data.DataLoader(
        train_set, batch_size=config.batch_size, shuffle=True
    )
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=config.batch_size, shuffle=False)
    epoch_seconds = []
    for epoch in range(config.epochs):
        started = time.perf_counter()
        total_loss = 0.0
        for inputs, labels in train_loader:
            inputs, labels = inputs.to(device).view(-1, 28 * 28), labels.to(device)
            loss = criterion(model(inputs), labels)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total_loss += loss.item()
        epoch_seconds.append(time.perf_counter() - started)
        report(
            f"handout epoch {epoch + 1}: loss {total_loss / len(train_loader):.4f}, "
            f"{epoch_seconds[-1]:.2f} s"
        )
    started = time.perf_counter()
    handout_error(model, train_loader, device)
    eval_error = handout_error(model, val_loader, device)
    evaluation_seconds = time.perf_counter() - started
    report(f"handout evaluation (training + validation error): {evaluation_seconds:.2f} s")
    return {
        "train_seconds_per_epoch": sum(epoch_seconds) / len(epoch_seconds),
        "evaluation_seconds": evaluation_seconds,
        "eval_error": eval_error,
    }


def compare_with_handout(
    epochs: int = 2,
    config: RunConfig | None = None,
    device: str | None = None,
    report: Callable[[str], None] = print,
    handout_epochs: int | None = None,
    split: Split | None = None,
) -> dict[str, Any]:
    """Run the handout loop and the engine on the same config; return both figures and the ratio.

    Two ratios: training only (the handout's loop as printed), and a whole epoch of exercise 1
    (training, then training and validation error), which the engine records after every epoch.
    The engine trains ``epochs``, the handout's loop ``handout_epochs`` (default the same, at most
    ``epochs``); ``split``: data in memory for both (default the handout's files).
    """
    config = replace(config or RunConfig(), epochs=epochs)
    if config.activation != "relu" or config.optimizer != "adam":
        raise ValueError("the handout's reference loop is ReLU + Adam")
    handout_epochs = min(handout_epochs or epochs, epochs)
    torch_device = resolve_device(device)
    _warm_up(torch_device)  # CUDA's context and cuBLAS start before either loop is timed
    handout = handout_loop(replace(config, epochs=handout_epochs), torch_device, report, split)

    train_seconds: list[float] = []

    def on_epoch(event: ProgressEvent) -> None:
        if isinstance(event, EpochEnd) and event.row is not None:
            train_seconds.append(event.train_seconds)
            report(
                f"engine epoch {event.epoch}: loss {event.row.train_loss:.4f}, "
                f"{event.row.seconds:.2f} s"
            )

    result = train(config, split=split, device=torch_device, progress=on_epoch)
    engine_epoch = sum(result.history["seconds"]) / len(result.history["seconds"])
    engine_train = sum(train_seconds) / len(train_seconds)
    handout_epoch = handout["train_seconds_per_epoch"] + handout["evaluation_seconds"]
    return {
        "device": result.provenance.device_name,
        "threads": torch.get_num_threads(),
        "epochs": epochs,
        "handout_train_seconds": handout["train_seconds_per_epoch"],
        "handout_epoch_seconds": handout_epoch,
        "engine_train_seconds": engine_train,
        "engine_epoch_seconds": engine_epoch,
        "speedup_train": handout["train_seconds_per_epoch"] / engine_train,
        "speedup_epoch": handout_epoch / engine_epoch,
        "handout_epochs": handout_epochs,
        "handout_eval_error": handout["eval_error"],
        # after as many epochs as the handout's loop ran (fixed stopping: the history's row)
        "engine_eval_error": result.history["eval_error"][handout_epochs - 1],
        "engine_final_eval_error": result.eval_error,
    }


def _warm_up(device: torch.device) -> None:
    """One forward, backward and Adam step of a small layer on ``device``."""
    layer = nn.Linear(784, 10).to(device)
    loss = nn.functional.cross_entropy(layer(torch.rand(100, 784, device=device)),
                                       torch.zeros(100, dtype=torch.long, device=device))  # fmt: skip
    loss.backward()
    torch.optim.Adam(layer.parameters()).step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def comparison_lines(figures: dict[str, Any], target: float = TARGET_SPEEDUP) -> list[str]:
    """The figures of `compare_with_handout` as a table, then whether ``target`` is met."""
    epochs = figures.get("handout_epochs", figures["epochs"])
    each = (
        f"{epochs} epochs each"
        if epochs == figures["epochs"]
        else f"handout {epochs} epochs, engine {figures['epochs']}"
    )
    lines = [
        f"device: {figures['device']}, {figures['threads']} threads, {each}",
        f"{'seconds per epoch':42}  {'handout':>8}  {'engine':>8}  {'speed-up':>8}",
    ]
    for label, kind in (
        ("training only", "train"),
        ("training + train/val error (exercise 1)", "epoch"),
    ):
        handout, engine = figures[f"handout_{kind}_seconds"], figures[f"engine_{kind}_seconds"]
        lines.append(f"{label:42}  {handout:8.2f}  {engine:8.2f}  {handout / engine:7.1f}x")
    handout_error, engine_error = figures["handout_eval_error"], figures["engine_eval_error"]
    lines.append(
        f"validation error after {epochs} epochs: handout {100 * handout_error:.2f}%, "
        f"engine {100 * engine_error:.2f}%"
    )
    met = (
        figures["speedup_train"] >= target and abs(handout_error - engine_error) <= TARGET_ERROR_GAP
    )
    lines.append(
        f"target (at least {target:g}x per training epoch, validation error within "
        f"{100 * TARGET_ERROR_GAP:g} points): " + ("met" if met else "not met")
    )
    return lines
