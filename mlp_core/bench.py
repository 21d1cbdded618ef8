"""Side-by-side benchmark: the handout's training loop against the engine, same config and seed.

The reference is section 2 of the handout (``mlp_exp.py``): ``torchvision.datasets.MNIST`` with
``ToTensor``, ``random_split`` 54000/6000, ``DataLoader(batch_size=100, shuffle=True)``, the handout's
``MLP`` built from ``(width, activation)`` pairs, Adam, cross-entropy. Both run in one process, one
after the other, so the ratio is meaningful on a noisy machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch
from torch import nn

from mlp_core.config import RunConfig
from mlp_core.data import torchvision_dataset, validation_indices
from mlp_core.train import resolve_device, train


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


def handout_loop(
    config: RunConfig, device: torch.device, report: Callable[[str], None]
) -> dict[str, Any]:
    """Train as the handout does for ``config.epochs`` epochs; seconds per epoch and final error."""
    from torchvision.transforms import ToTensor

    dataset = torchvision_dataset(config.dataset, train=True, transform=ToTensor())
    # The same partition as the engine: random_split draws exactly these indices.
    train_index, val_index = validation_indices(config.validation_size, config.split_seed)
    train_set = torch.utils.data.Subset(dataset, train_index.tolist())
    val_set = torch.utils.data.Subset(dataset, val_index.tolist())
    torch.manual_seed(config.seed)
    layers = [(width, nn.ReLU()) for width in config.hidden]
    model = HandoutMLP(28 * 28, layers, 10).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    criterion = nn.CrossEntropyLoss()
    loader = torch.utils.data.DataLoader(train_set, batch_size=config.batch_size, shuffle=True)
    epoch_seconds = []
    for epoch in range(config.epochs):
        started = time.perf_counter()
        total_loss = 0.0
        for inputs, labels in loader:
            inputs, labels = inputs.to(device).view(-1, 28 * 28), labels.to(device)
            loss = criterion(model(inputs), labels)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total_loss += loss.item()
        epoch_seconds.append(time.perf_counter() - started)
        report(
            f"handout epoch {epoch + 1}: loss {total_loss / len(loader):.4f}, "
            f"{epoch_seconds[-1]:.2f} s"
        )
    errors, total = 0, 0
    with torch.no_grad():
        for inputs, labels in torch.utils.data.DataLoader(val_set, batch_size=config.batch_size):
            predicted = model(inputs.to(device).view(-1, 28 * 28)).argmax(1).cpu()
            errors += int((predicted != labels).sum())
            total += labels.numel()
    return {
        "seconds_per_epoch": sum(epoch_seconds) / len(epoch_seconds),
        "eval_error": errors / total,
    }


def compare_with_handout(
    epochs: int = 2,
    config: RunConfig | None = None,
    device: str | None = None,
    report: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the handout loop and the engine on the same config; return both figures and the ratio.

    The engine's seconds include its per-epoch evaluation of the whole training and validation
    sets, which the handout loop does not do: the ratio is conservative.
    """
    config = replace(config or RunConfig(), epochs=epochs)
    if config.activation != "relu" or config.optimizer != "adam":
        raise ValueError("the handout's reference loop is ReLU + Adam")
    torch_device = resolve_device(device)
    handout = handout_loop(config, torch_device, report)

    def on_epoch(event: dict[str, Any]) -> None:
        if event["kind"] == "epoch":
            report(
                f"engine epoch {event['epoch']}: loss {event['train_loss']:.4f}, "
                f"{event['seconds']:.2f} s"
            )

    result = train(config, device=torch_device, progress=on_epoch)
    engine_seconds = sum(result.history["seconds"]) / len(result.history["seconds"])
    return {
        "device": result.provenance["device_name"],
        "threads": torch.get_num_threads(),
        "epochs": epochs,
        "handout_seconds_per_epoch": handout["seconds_per_epoch"],
        "engine_seconds_per_epoch": engine_seconds,
        "speedup": handout["seconds_per_epoch"] / engine_seconds,
        "handout_eval_error": handout["eval_error"],
        "engine_eval_error": result.eval_error,
    }
