"""Learning curves as tables: per-epoch history -> long DataFrame, best epoch, overfitting gap.

Exercise 1 of the handout plots training and validation error per epoch. The pages chart the frames
built here; this module only shapes data (pandas, no torch, no plotting), so it is tested directly.

Units: ``error`` columns are fractions in [0, 1] (pages multiply by 100 to show percent); ``loss`` is
mean cross-entropy in nats. Epochs are 1-based. A history is `RunResult.history` (or its JSON in
``summary.json``): a dict of equal-length lists keyed by `HISTORY_COLUMNS`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from mlp_core.config import RunConfig
from mlp_core.engine.progress import EpochEnd
from mlp_core.results import HISTORY_COLUMNS

#: Metrics that have a training and an evaluation column in a history.
METRICS: tuple[str, ...] = ("error", "loss")

History = Mapping[str, Sequence[float]]


def eval_set_name(split: str) -> str:
    """Name of the evaluation set of a split: "validation" or "test"."""
    return "test" if split == "test" else "validation"


@dataclass(frozen=True)
class BestEpoch:
    """Epoch of minimum evaluation error of one run.

    Attributes
    ----------
    epoch : int
        1-based; the first such epoch when several tie.
    eval_error : float
        Evaluation error at that epoch, fraction in [0, 1].
    final_eval_error : float
        Evaluation error at the last recorded epoch.
    epochs : int
        Epochs recorded.
    """

    epoch: int
    eval_error: float
    final_eval_error: float
    epochs: int

    @property
    def rise(self) -> float:
        """How much the evaluation error rose from the best epoch to the last (>= 0)."""
        return self.final_eval_error - self.eval_error


def best_epoch(history: History) -> BestEpoch | None:
    """The epoch of minimum evaluation error, or None for an empty history.

    Non-finite errors (a diverging run) are ignored.

    >>> best_epoch({"epoch": [1, 2, 3], "eval_error": [0.05, 0.03, 0.04]}).epoch
    2
    """
    epochs = list(history.get("epoch", []))
    errors = list(history.get("eval_error", []))
    finite = [(error, epoch) for epoch, error in zip(epochs, errors, strict=True) if _finite(error)]
    if not finite:
        return None
    error, epoch = min(finite)  # (error, epoch) pairs: the lowest error, then the first epoch
    return BestEpoch(int(epoch), float(error), float(errors[-1]), len(epochs))


def history_frame(history: History, run: str = "run", split: str = "validation") -> pd.DataFrame:
    """One run's history in long form, one row per (epoch, metric, set).

    Parameters
    ----------
    history : mapping of str to sequence of float
        Needs ``epoch``, ``train_error``, ``eval_error``; ``train_loss`` and ``eval_loss`` are used
        when present.
    run : str
        Label of the run (the legend entry).
    split : {"validation", "test"}
        Names the evaluation set.

    Returns
    -------
    DataFrame
        Columns ``run``, ``epoch`` (int), ``metric`` ("error" | "loss"), ``set`` ("training" |
        "validation" | "test"), ``value`` (float).
    """
    evaluation = eval_set_name(split)
    rows = []
    for metric in METRICS:
        for prefix, set_name in (("train", "training"), ("eval", evaluation)):
            values = history.get(f"{prefix}_{metric}")
            if values is None:
                continue
            for epoch, value in zip(history["epoch"], values, strict=True):
                rows.append((run, int(epoch), metric, set_name, float(value)))
    return pd.DataFrame(rows, columns=["run", "epoch", "metric", "set", "value"])


def curves_frame(
    runs: Mapping[str, History], splits: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """`history_frame` of several runs stacked (keys of ``runs`` are the run labels)."""
    frames = [
        history_frame(history, label, (splits or {}).get(label, "validation"))
        for label, history in runs.items()
    ]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return history_frame({})
    return pd.concat(frames, ignore_index=True)


def gap_frame(runs: Mapping[str, History], metric: str = "error") -> pd.DataFrame:
    """Per run and epoch: training value, evaluation value and their gap (evaluation - training).

    The gap is the overfitting made visible: it widens as the network memorises the training set.

    Returns
    -------
    DataFrame
        Columns ``run``, ``epoch``, ``train``, ``eval``, ``gap``.
    """
    if metric not in METRICS:
        raise ValueError(f"invalid metric={metric!r}: allowed: {', '.join(METRICS)}")
    rows = []
    for label, history in runs.items():
        train, evaluation = history.get(f"train_{metric}", []), history.get(f"eval_{metric}", [])
        for epoch, low, high in zip(history.get("epoch", []), train, evaluation, strict=True):
            rows.append((label, int(epoch), float(low), float(high), float(high) - float(low)))
    return pd.DataFrame(rows, columns=["run", "epoch", "train", "eval", "gap"])


def best_epochs_frame(runs: Mapping[str, History]) -> pd.DataFrame:
    """One row per run: ``run``, ``epochs``, ``best_epoch``, ``best_eval_error``,
    ``final_eval_error``, ``rise`` (errors as fractions). Runs without a finite epoch are left out.
    """
    rows = []
    for label, history in runs.items():
        best = best_epoch(history)
        if best is not None:
            rows.append(
                (label, best.epochs, best.epoch, best.eval_error, best.final_eval_error, best.rise)
            )
    columns = ["run", "epochs", "best_epoch", "best_eval_error", "final_eval_error", "rise"]
    return pd.DataFrame(rows, columns=columns)


def history_from_events(events: Iterable[object]) -> dict[str, list[float]]:
    """A single run's history so far, from its job's events (the rows of its `EpochEnd` events).

    Other events (`BatchEnd`, the job's own dicts) are skipped; the columns are `HISTORY_COLUMNS`.

    >>> from mlp_core.engine.progress import EpochRow
    >>> row = EpochRow(1, train_loss=0.5, train_error=0.2, eval_loss=0.6, eval_error=0.1,
    ...                learning_rate=1e-3, seconds=2.0)
    >>> history_from_events([EpochEnd(1, (row,), active=1, train_seconds=1.5)])["eval_error"]
    [0.1]
    """
    history: dict[str, list[float]] = {column: [] for column in HISTORY_COLUMNS}
    for event in events:
        if isinstance(event, EpochEnd) and event.row is not None:
            for column in HISTORY_COLUMNS:
                history[column].append(getattr(event.row, column))
    return history


def log_scale_ready(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """(rows with value > 0, number dropped): a log axis cannot show 0 (e.g. 0 training errors)."""
    keep = frame["value"] > 0
    return frame[keep].reset_index(drop=True), int((~keep).sum())


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def run_label(
    config: RunConfig, code_version: str | None = None, current: str | None = None
) -> str:
    """`RunConfig.label`, plus ``code v<N>`` when ``code_version`` differs from ``current``.

    >>> run_label(RunConfig(epochs=100), code_version="1", current="2")
    '784-500-300-10 relu adam lr=0.001 100ep seed=0 code v1'
    """
    if code_version is not None and current is not None and code_version != current:
        return f"{config.label()} code v{code_version}"
    return config.label()


def prefix_difference(
    first: History, second: History, column: str = "eval_error"
) -> tuple[int, float]:
    """(epochs both histories have, largest absolute difference of ``column`` over them).

    A run repeated with more epochs is deterministic on the CPU, so its first epochs should match
    the shorter run exactly (difference 0.0), except with a schedule that depends on the epoch count.
    """
    common = min(len(first.get(column, [])), len(second.get(column, [])))
    if common == 0:
        return 0, math.nan
    pairs = zip(first[column][:common], second[column][:common], strict=True)
    return common, max(abs(float(a) - float(b)) for a, b in pairs)


@dataclass(frozen=True)
class LossTurn:
    """Where the evaluation loss stops falling: the clearest sign of overfitting on MNIST, where
    the error often plateaus while the loss (confidence on the misclassified images) keeps rising."""

    best_epoch: int
    best_eval_loss: float
    final_eval_loss: float
    final_train_loss: float

    @property
    def ratio(self) -> float:
        """Final over minimum evaluation loss (1 = no rise)."""
        return self.final_eval_loss / self.best_eval_loss


def loss_turn(history: History) -> LossTurn | None:
    """The epoch of minimum evaluation loss and the losses at the end, or None without epochs."""
    losses = [float(value) for value in history.get("eval_loss", [])]
    finite = [(value, index) for index, value in enumerate(losses) if math.isfinite(value)]
    if not finite:
        return None
    best_value, best_index = min(finite)
    return LossTurn(
        best_epoch=int(history["epoch"][best_index]),
        best_eval_loss=best_value,
        final_eval_loss=losses[-1],
        final_train_loss=float(history["train_loss"][-1]),
    )
