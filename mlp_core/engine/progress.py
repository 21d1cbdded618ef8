"""What the trainers report while they run: one typed event per moment, the same for both trainers.

`mlp_core.engine.train.train` (one run) and `mlp_core.engine.batched.train_stack` (many runs at
once) call their ``progress`` callback with

- a `BatchEnd` every 100 batches: how far the current epoch has come;
- an `EpochEnd` after every epoch: each model's history row (`EpochRow`, the columns of
  `mlp_core.results.HISTORY_COLUMNS`), None for a model that no longer trains.

A single run is a stack of one: its row is ``event.rows[0]`` (`EpochEnd.row`). No torch here: pages
and reports read these events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import ClassVar


@dataclass(frozen=True)
class EpochRow:
    """One epoch of one run, as `mlp_core.results.RunResult.history` records it (same names)."""

    epoch: int  # 1-based
    train_loss: float  # mean cross-entropy over the epoch's batches (nats)
    train_error: float  # error rate in [0, 1] on the whole training set after the epoch
    eval_loss: float  # mean cross-entropy on the evaluation set after the epoch (nats)
    eval_error: float  # error rate in [0, 1] on the evaluation set after the epoch
    learning_rate: float  # learning rate at the end of the epoch
    seconds: float  # wall seconds of the epoch (training and both evaluations); a stack's / models


#: The columns of an `EpochRow`, in order (equal to `mlp_core.results.HISTORY_COLUMNS`).
ROW_COLUMNS: tuple[str, ...] = tuple(field.name for field in fields(EpochRow))


@dataclass(frozen=True)
class EpochEnd:
    """An epoch has ended: what every model of the run (or stack) recorded.

    Attributes
    ----------
    epoch : int
        1-based.
    rows : tuple of EpochRow or None
        One per model, in the order the configs were given to the trainer; None for a model that
        diverged in this epoch or had stopped before it.
    active : int
        Models still training after this epoch (patience and divergence applied).
    train_seconds : float
        Wall seconds of the epoch's batches, before the evaluations (the whole stack's).
    """

    kind: ClassVar[str] = "epoch"
    epoch: int
    rows: tuple[EpochRow | None, ...]
    active: int
    train_seconds: float

    @property
    def models(self) -> int:
        """Models trained together (1 for `mlp_core.engine.train.train`)."""
        return len(self.rows)

    @property
    def row(self) -> EpochRow | None:
        """The first model's row: a single run's (None when it diverged in this epoch)."""
        return self.rows[0]


@dataclass(frozen=True)
class BatchEnd:
    """Part of an epoch is done: ``fraction`` in (0, 1] of the batches of epoch ``epoch``."""

    kind: ClassVar[str] = "batch"
    epoch: int
    fraction: float


ProgressEvent = EpochEnd | BatchEnd
ProgressCallback = Callable[[ProgressEvent], None]
#: Polled before every batch; True ends the run with status "cancelled".
CancelCheck = Callable[[], bool]

#: A `BatchEnd` every this many batches.
BATCH_EVENT_EVERY = 100


def report_batch(report: ProgressCallback, epoch: int, batch: int, batches: int) -> None:
    """Send a `BatchEnd` after every `BATCH_EVENT_EVERY`-th batch (``batch``: 0-based, of ``batches``)."""
    if batch % BATCH_EVENT_EVERY == BATCH_EVENT_EVERY - 1:
        report(BatchEnd(epoch, (batch + 1) / batches))


def ignore_progress(event: ProgressEvent) -> None:
    """A progress callback that drops every event."""


def never_stop() -> bool:
    """A cancel check that never cancels."""
    return False
