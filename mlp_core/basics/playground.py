"""The handout's section 1.6 optimization loop, made observable.

It trains the section 1.4 network (`mlp_core.basics.network.NeuralNetwork`, re-exported here).
`train_loop` and `test_loop` are the handout's loops; instead of printing they hand their lines and numbers to a
``report`` callback, and the training loop polls ``should_stop`` after every batch so that a worker
running it (see ``mlp_core.store.jobs``) can be stopped. `run_playground` is the whole section 1.6 script.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from mlp_core.basics.network import NeuralNetwork as NeuralNetwork
from mlp_core.choices import DATASETS
from mlp_core.data import splits

Report = Callable[[dict[str, Any]], None]
ShouldStop = Callable[[], bool]

#: Loss functions offered by the playground (section 1.6 lists all three).
LOSSES: dict[str, str] = {
    "cross_entropy": "nn.CrossEntropyLoss() on the logits",
    "nll": "nn.NLLLoss() after nn.LogSoftmax(dim=1)",
    "mse": "nn.MSELoss() between the 10 outputs and the one-hot target",
}


@dataclass(frozen=True)
class PlaygroundConfig:
    """One run of the section 1.6 script.

    Parameters
    ----------
    dataset : {"fashion_mnist", "mnist"}
    hidden : tuple of int
        Hidden widths of `NeuralNetwork`.
    learning_rate : float > 0
        SGD step size (the handout uses 1e-3).
    batch_size : int >= 1
    epochs : int >= 1
    train_size : int in 1..60000
        Size of the random training subset (drawn with ``seed``); the handout uses all 60000.
    test_size : int in 1..10000
        Size of the test subset (the first ``test_size`` official test images); the handout: 10000.

    The defaults are the handout's except for the subsets (a tenth of the training set, a fifth
    of the test set) and a single epoch, so that a run takes seconds on two CPU cores.
    loss : one of `LOSSES`
    seed : int
        Seeds the subset, the initial weights and the batch order.
    print_every : int >= 1
        A "loss: ... [current/size]" line every this many batches (the handout: 100).
    """

    dataset: str = "fashion_mnist"
    hidden: tuple[int, ...] = (512, 512)
    learning_rate: float = 1e-3
    batch_size: int = 64
    epochs: int = 1
    train_size: int = 6000
    test_size: int = 2000
    loss: str = "cross_entropy"
    seed: int = 0
    print_every: int = 100

    def __post_init__(self) -> None:
        problems = []
        if self.dataset not in DATASETS:
            problems.append(f"dataset={self.dataset!r} (allowed: {', '.join(DATASETS)})")
        if self.loss not in LOSSES:
            problems.append(f"loss={self.loss!r} (allowed: {', '.join(LOSSES)})")
        if not self.hidden or min(self.hidden) < 1:
            problems.append(f"hidden={self.hidden} (needs at least one width >= 1)")
        if not self.learning_rate > 0:
            problems.append(f"learning_rate={self.learning_rate} (must be > 0)")
        for name, low, high in (
            ("batch_size", 1, 60000),
            ("epochs", 1, 1000),
            ("train_size", 1, 60000),
            ("test_size", 1, 10000),
            ("print_every", 1, 10**9),
        ):
            if not low <= getattr(self, name) <= high:
                problems.append(f"{name}={getattr(self, name)} (allowed: {low}..{high})")
        if problems:
            raise ValueError("invalid PlaygroundConfig: " + "; ".join(problems))


@dataclass
class PlaygroundResult:
    """What a run produced: per-batch training losses, per-epoch test metrics, timing."""

    config: PlaygroundConfig
    batch_losses: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)  # per epoch, in [0, 1]
    test_loss: list[float] = field(default_factory=list)  # per epoch, mean over batches
    lines: list[str] = field(default_factory=list)  # the handout's printed output
    stopped: bool = False
    seconds: float = 0.0

    @property
    def status(self) -> str:
        """ "cancelled" if ``should_stop`` cut the run short, else "finished"."""
        return "cancelled" if self.stopped else "finished"


class LossWithTargets(nn.Module):
    """A loss that turns class labels into what it needs (one-hot for MSE, log-probs for NLL)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.log_softmax = nn.LogSoftmax(dim=1)
        self.loss = {"cross_entropy": nn.CrossEntropyLoss, "nll": nn.NLLLoss, "mse": nn.MSELoss}[
            name
        ]()

    def forward(self, pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean loss of logits ``pred`` (batch, 10) against labels ``y`` (batch,) int64."""
        if self.name == "nll":
            return self.loss(self.log_softmax(pred), y)
        if self.name == "mse":
            # The section 1.3 target transform: zeros(10).scatter_(0, y, 1), batched.
            target = torch.zeros_like(pred).scatter_(1, y.unsqueeze(1), 1.0)
            return self.loss(pred, target)
        return self.loss(pred, y)


def train_loop(
    dataloader: DataLoader,
    model: nn.Module,
    loss_fn: nn.Module,
    optimizer: torch.optim.Optimizer,
    report: Report,
    should_stop: ShouldStop,
    print_every: int = 100,
) -> bool:
    """One epoch of the handout's training loop; returns False if ``should_stop`` cut it short.

    Calls ``report({"kind": "batch", "batch", "current", "size", "loss"})`` after every batch and
    ``report({"kind": "line", "text": "loss: ... [current/size]"})`` every ``print_every`` batches.
    """
    size = len(dataloader.dataset)  # type: ignore[arg-type]  # a sized Dataset, as in the handout
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        pred = model(X)
        loss = loss_fn(pred, y)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        # current: examples seen before this batch, as the handout counts them
        loss_value, current = loss.item(), batch * len(X)
        report(
            {"kind": "batch", "batch": batch, "current": current, "size": size, "loss": loss_value}
        )
        if batch % print_every == 0:
            report({"kind": "line", "text": f"loss: {loss_value:>7f}  [{current:>5d}/{size:>5d}]"})
        if should_stop():
            return False
    return True


def test_loop(dataloader: DataLoader, model: nn.Module, loss_fn: nn.Module) -> tuple[float, float]:
    """The handout's test loop: (accuracy in [0, 1], loss averaged over batches)."""
    size = len(dataloader.dataset)  # type: ignore[arg-type]  # a sized Dataset, as in the handout
    num_batches = len(dataloader)
    test_loss, correct = 0.0, 0.0
    model.eval()
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    return correct / size, test_loss / num_batches


test_loop.__test__ = False  # type: ignore[attr-defined]  # the handout's name, not a pytest test


def playground_loaders(config: PlaygroundConfig) -> tuple[DataLoader, DataLoader]:
    """Training and test DataLoaders of ``config``: images (batch, 1, 28, 28) float in [0, 1].

    The tensors are what ``ToTensor()`` gives for each image, built once from the uint8 arrays
    (much faster than decoding PIL images one at a time). Like the handout, no shuffling: the
    training subset is already a random draw.
    """
    arrays = splits.load_arrays(config.dataset)
    generator = torch.Generator().manual_seed(config.seed)
    subset = torch.randperm(len(arrays.train_labels), generator=generator)[: config.train_size]
    train_images = arrays.train_images[subset].unsqueeze(1).float().div(255)
    test_images = arrays.test_images[: config.test_size].unsqueeze(1).float().div(255)
    train = TensorDataset(train_images, arrays.train_labels[subset])
    test = TensorDataset(test_images, arrays.test_labels[: config.test_size])
    return DataLoader(train, batch_size=config.batch_size), DataLoader(
        test, batch_size=config.batch_size
    )


def run_playground(
    config: PlaygroundConfig,
    report: Report | None = None,
    should_stop: ShouldStop | None = None,
    threads: int | None = 1,
) -> PlaygroundResult:
    """Train `NeuralNetwork` with SGD as in section 1.6 and test it after every epoch.

    Parameters
    ----------
    config : PlaygroundConfig
    report : callable, optional
        Receives progress events (dicts): ``{"kind": "batch", ...}`` after every batch (with
        ``"epoch"`` and ``"progress"`` in [0, 1] added), ``{"kind": "line", "text"}`` for each line
        the handout prints, ``{"kind": "test", "epoch", "accuracy", "loss"}`` after each epoch.
    should_stop : callable, optional
        Polled after every batch; when it returns True the run ends early with ``stopped=True``.
    threads : int or None
        Torch intra-op threads for the run (restored afterwards); None keeps the current setting.
        One thread is the default because this small network gains little from more, and on a
        shared CPU two threads that wait for each other ran 10x slower than one (measured: 94
        steps in 7.3 s with 2 threads, 0.6 s with 1, under load). With PyTorch's OpenMP backend the
        setting applies to the calling thread only, i.e. to the worker running this job.

    Returns
    -------
    PlaygroundResult
    """
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _run(config, report, should_stop)
    finally:
        torch.set_num_threads(previous_threads)


def _run(
    config: PlaygroundConfig, report: Report | None, should_stop: ShouldStop | None
) -> PlaygroundResult:
    started = time.perf_counter()
    publish: Report = report or (lambda event: None)
    stop: ShouldStop = should_stop or (lambda: False)
    result = PlaygroundResult(config=config)
    train_dataloader, test_dataloader = playground_loaders(config)
    torch.manual_seed(config.seed)
    model = NeuralNetwork(config.hidden)
    loss_fn = LossWithTargets(config.loss)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.learning_rate)
    total_batches = config.epochs * len(train_dataloader)

    def emit_line(text: str) -> None:
        result.lines.append(text)
        publish({"kind": "line", "text": text})

    for t in range(config.epochs):
        emit_line(f"Epoch {t + 1}\n-------------------------------")

        def on_event(event: dict[str, Any], epoch: int = t) -> None:
            if event["kind"] == "line":
                emit_line(event["text"])
                return
            result.batch_losses.append(event["loss"])
            progress = len(result.batch_losses) / total_batches
            publish({**event, "epoch": epoch + 1, "progress": progress})

        finished = train_loop(
            train_dataloader, model, loss_fn, optimizer, on_event, stop, config.print_every
        )
        if not finished:
            result.stopped = True
            emit_line("Stopped.")
            break
        accuracy, test_loss = test_loop(test_dataloader, model, loss_fn)
        result.test_accuracy.append(accuracy)
        result.test_loss.append(test_loss)
        emit_line(
            f"Test Error: \n Accuracy: {(100 * accuracy):>0.1f}%, Avg loss: {test_loss:>8f} \n"
        )
        publish({"kind": "test", "epoch": t + 1, "accuracy": accuracy, "loss": test_loss})
    else:
        emit_line("Done!")
    result.seconds = time.perf_counter() - started
    return result
