"""The bookkeeping of training, one copy for both trainers: `train` (one run) and `train_stack`.

The trainers compute (batches, losses, error counts) and keep weights; everything decided from
what they measured is decided here, per model: divergence, the history row, the best epoch,
patience, the progress event, and at the end the metrics and the `RunResult`. A single run is a
record of one model.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from mlp_core.config import RunConfig
from mlp_core.engine.progress import EpochEnd, EpochRow, ProgressCallback
from mlp_core.results import HISTORY_COLUMNS, Provenance, RunMetrics, RunResult
from mlp_core.weights import ModelWeights

#: A mean training loss above this (nats; chance level is ln 10 = 2.3) counts as diverged, like NaN/inf:
#: PyTorch's stable log-softmax keeps a blown-up network's loss finite (1e8 is typical) but useless.
DIVERGENCE_LOSS = 100.0


def is_diverged(mean_loss: float) -> bool:
    """Whether an epoch's mean training loss means the run has diverged (NaN, inf or huge)."""
    return not math.isfinite(mean_loss) or mean_loss > DIVERGENCE_LOSS


def learning_rate_factor(config: RunConfig, step: int, total_steps: int) -> float:
    """Multiplier of the initial learning rate after ``step`` optimizer steps."""
    if config.schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * min(step, total_steps) / total_steps))
    return 1.0


@dataclass(frozen=True)
class EpochMeasures:
    """What a trainer measured after an epoch's batches, one Python number per model."""

    train_errors: Sequence[int]  # misclassified training images
    eval_errors: Sequence[int]  # misclassified evaluation images
    eval_losses: Sequence[float]  # mean cross-entropy on the evaluation set (nats)


def run_metrics(
    history: dict[str, list[float]],
    status: str,
    kept_epoch: int,
    diverged_epoch: int | None,
    eval_errors: int,
    eval_size: int,
) -> RunMetrics:
    """`RunResult.metrics` of a run whose kept weights misclassify ``eval_errors`` images."""
    usable = status != "diverged" and bool(history["epoch"])
    return RunMetrics(
        eval_error=int(eval_errors) / eval_size if usable else math.nan,
        eval_errors=int(eval_errors) if usable else None,
        eval_size=int(eval_size),
        train_error=history["train_error"][kept_epoch - 1] if kept_epoch else math.nan,
        epochs_run=len(history["epoch"]),
        kept_epoch=kept_epoch,
        diverged_epoch=diverged_epoch,
    )


class TrainingRecord:
    """History, best epoch, patience and status of ``configs`` trained together.

    Parameters
    ----------
    configs : sequence of RunConfig
        One per model, in the trainer's order; they share epochs, schedule and stopping rule.
    train_size, eval_size : int
        Images in the training and evaluation sets (error rates are counts divided by these).
    batches_per_epoch : int
        Optimizer steps per epoch (the learning-rate schedule's clock).
    report : callable
        Receives an `EpochEnd` after every epoch that is evaluated.
    """

    def __init__(
        self,
        configs: Sequence[RunConfig],
        train_size: int,
        eval_size: int,
        batches_per_epoch: int,
        report: ProgressCallback,
    ) -> None:
        self.configs = list(configs)
        models = len(self.configs)
        self.train_size, self.eval_size = train_size, eval_size
        self.batches_per_epoch = batches_per_epoch
        self.total_steps = batches_per_epoch * self.configs[0].epochs
        self.patience = self.configs[0].stopping == "patience"
        self.report = report
        self.histories: list[dict[str, list[float]]] = [
            {column: [] for column in HISTORY_COLUMNS} for _ in range(models)
        ]
        self.best_error, self.best_epoch = [math.inf] * models, [0] * models
        self.status = ["finished"] * models
        self.diverged_epoch: list[int | None] = [None] * models
        self.training = [True] * models  # False once a model diverged or ran out of patience

    @property
    def active(self) -> bool:
        """Whether any model still trains."""
        return any(self.training)

    def cancel(self) -> None:
        """The run was cancelled: every model's status becomes "cancelled"."""
        self.status = ["cancelled"] * len(self.configs)
        self.training = [False] * len(self.configs)

    def finished(self, model: int = 0) -> bool:
        """Whether ``model`` ended normally (its last epoch was evaluated and recorded)."""
        return self.status[model] == "finished"

    def drop_diverged(self, epoch: int, mean_losses: Sequence[float]) -> bool:
        """Stop the models whose mean training loss diverged in ``epoch``; whether any still trains."""
        for model, loss in enumerate(mean_losses):
            if self.training[model] and is_diverged(loss):
                self.status[model], self.diverged_epoch[model] = "diverged", epoch
                self.training[model] = False
        return self.active

    def end_epoch(
        self,
        epoch: int,
        mean_losses: Sequence[float],
        measures: EpochMeasures,
        epoch_started: float,
        train_seconds: float,
    ) -> list[int]:
        """Record ``epoch`` for every model still training and report it.

        Returns the models whose weights are to be kept now (patience: a new best epoch).
        """
        seconds = (time.perf_counter() - epoch_started) / len(self.configs)
        # The learning rate after the epoch's last step, as the optimizers were given it.
        factor = learning_rate_factor(
            self.configs[0], epoch * self.batches_per_epoch, self.total_steps
        )
        rows: list[EpochRow | None] = []
        keep = []
        for model, config in enumerate(self.configs):
            if not self.training[model]:
                rows.append(None)
                continue
            row = EpochRow(
                epoch=epoch,
                train_loss=mean_losses[model],
                train_error=measures.train_errors[model] / self.train_size,
                eval_loss=measures.eval_losses[model],
                eval_error=measures.eval_errors[model] / self.eval_size,
                learning_rate=config.learning_rate * factor,
                seconds=seconds,
            )
            rows.append(row)
            if self._add(model, row):
                keep.append(model)
        self.report(EpochEnd(epoch, tuple(rows), sum(self.training), train_seconds))
        return keep

    def _add(self, model: int, row: EpochRow) -> bool:
        """Append ``row`` to the model's history; whether its weights are to be kept."""
        for column in HISTORY_COLUMNS:
            self.histories[model][column].append(getattr(row, column))
        if row.eval_error < self.best_error[model]:
            self.best_error[model], self.best_epoch[model] = row.eval_error, row.epoch
            return self.patience
        if self.patience and row.epoch - self.best_epoch[model] >= self.configs[0].patience:
            self.training[model] = False
        return False

    def kept_epoch(self, model: int) -> int:
        """The epoch whose weights the model keeps: its best (patience) or its last, 0 if none."""
        if self.patience:
            return self.best_epoch[model]
        return len(self.histories[model]["epoch"])

    def results(
        self,
        eval_errors: Sequence[int],
        predictions: torch.Tensor,
        confidence: torch.Tensor,
        provenance: Provenance,
        weights: Sequence[ModelWeights] | None = None,
    ) -> list[RunResult]:
        """One `RunResult` per model, from the final evaluation of the weights each one keeps.

        ``predictions`` and ``confidence`` are (models, eval_size) tensors on any device;
        ``weights``, one per model, the weights each keeps (`mlp_core.engine.export`), handed to
        the results of the models that finished (a diverged model's are garbage).
        """
        results = []
        for model, config in enumerate(self.configs):
            history = self.histories[model]
            kept = self.kept_epoch(model)
            results.append(
                RunResult(
                    config=config,
                    status=self.status[model],
                    history=history,
                    best_epoch=self.best_epoch[model],
                    metrics=run_metrics(
                        history,
                        self.status[model],
                        kept,
                        self.diverged_epoch[model],
                        eval_errors[model],
                        self.eval_size,
                    ),
                    predictions=predictions[model].to("cpu", torch.uint8).numpy(),
                    confidence=confidence[model].to("cpu", torch.float16).numpy(),
                    provenance=provenance,
                    weights=weights[model]
                    if weights is not None and self.status[model] == "finished"
                    else None,
                )
            )
        return results
