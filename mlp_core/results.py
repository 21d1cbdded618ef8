"""The result of one training run: plain numbers and arrays, readable without torch.

A `RunResult` is what `mlp_core.engine.train.train` returns and what the run store writes: config,
per-epoch history, final metrics (`RunMetrics`), provenance (`Provenance`) and the predictions on the
evaluation set (confusion matrices, paired tests). A `RunSummary` is the same without the arrays,
what ``summary.json`` holds, parsed strictly (`RunSummary.from_dict` names what is wrong).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from mlp_core.config import RunConfig
from mlp_core.json_fields import number, text
from mlp_core.weights import ModelWeights

#: Columns of a history (`RunResult.history`), one value per finished epoch, with their units.
HISTORY_COLUMNS: tuple[str, ...] = (
    "epoch",  # 1-based epoch number
    "train_loss",  # mean cross-entropy over the epoch's batches (nats), as the handout prints it
    "train_error",  # error rate in [0, 1] on the whole training set after the epoch
    "eval_loss",  # mean cross-entropy (nats) on the evaluation set after the epoch
    "eval_error",  # error rate in [0, 1] on the evaluation (validation or test) set after the epoch
    "learning_rate",  # learning rate at the end of the epoch
    "seconds",  # wall seconds of the epoch, training and both evaluations
)

#: A history: a column table, `HISTORY_COLUMNS` -> equal-length lists (one value per epoch).
History = dict[str, list[float]]

#: How a run ended. "cancelled" runs are never stored.
STATUSES: tuple[str, ...] = ("finished", "diverged", "cancelled")


@dataclass(frozen=True)
class RunMetrics:
    """The final numbers of a run, those of the model it kept.

    Attributes
    ----------
    eval_error : float
        Error rate in [0, 1] of the kept model on the evaluation set; NaN when the run diverged.
    eval_errors, eval_size : int or None, int
        The same as a count of images (None when diverged), out of the evaluation set's size.
    train_error : float
        Training error rate in [0, 1] at the kept epoch (NaN when no epoch finished).
    epochs_run : int
        Epochs trained (fewer than ``config.epochs`` after early stopping or divergence).
    kept_epoch : int
        Epoch (1-based) whose weights were kept: the best one with ``stopping="patience"``, the last
        one otherwise; 0 when no epoch finished.
    diverged_epoch : int or None
        Epoch whose training loss became NaN/inf or too large, else None.
    """

    eval_error: float
    eval_errors: int | None
    eval_size: int
    train_error: float
    epochs_run: int
    kept_epoch: int
    diverged_epoch: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, the ``metrics`` of ``summary.json``."""
        return {item.name: getattr(self, item.name) for item in fields(self)}

    @classmethod
    def from_dict(cls, data: Any) -> RunMetrics:
        """Inverse of `to_dict`; ValueError naming the first missing or mistyped field."""
        if not isinstance(data, Mapping):
            raise ValueError(f"metrics must be a mapping, got {type(data).__name__}")
        return cls(
            eval_error=number(data, "eval_error", float),
            eval_errors=number(data, "eval_errors", int, optional=True),
            eval_size=number(data, "eval_size", int),
            train_error=number(data, "train_error", float),
            epochs_run=number(data, "epochs_run", int),
            kept_epoch=number(data, "kept_epoch", int),
            diverged_epoch=number(data, "diverged_epoch", int, optional=True),
        )


#: Provenance fields every writer records, in the order ``summary.json`` lists them.
PROVENANCE_FIELDS: tuple[str, ...] = (
    "code_version", "git_commit", "torch", "python", "device", "device_name", "threads", "date",
    "seconds",
)  # fmt: skip


@dataclass(frozen=True)
class Provenance:
    """Where, when and with what code a result was computed.

    Attributes
    ----------
    code_version : str
        `mlp_core.config.CODE_VERSION` of the code that computed it (part of the store key).
    git_commit, torch, python : str or None
        Short commit of the checkout; torch and Python versions.
    device, device_name, threads : str or None, str or None, int or None
        "cpu" or "cuda"; "cpu (x86_64)" or the GPU's name (the key of speed estimates); threads.
    date : str or None
        End of the run, UTC ISO 8601.
    seconds : float or None
        Wall seconds of the whole run (a stacked run: its share of the stack's time).
    stacked : int or None
        Models trained together in its stack (`mlp_core.engine.batched`); None for a single run.
    extra : mapping
        Any other field found in a stored entry, kept so that nothing read is lost.
    """

    code_version: str
    git_commit: str | None = None
    torch: str | None = None
    python: str | None = None
    device: str | None = None
    device_name: str | None = None
    threads: int | None = None
    date: str | None = None
    seconds: float | None = None
    stacked: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, the ``provenance`` of ``summary.json`` (``stacked`` only when set)."""
        data = {name: getattr(self, name) for name in PROVENANCE_FIELDS}
        if self.stacked is not None:
            data["stacked"] = self.stacked
        return {**data, **self.extra}

    @classmethod
    def from_dict(cls, data: Any) -> Provenance:
        """Inverse of `to_dict`; ValueError naming the first mistyped field."""
        if not isinstance(data, Mapping):
            raise ValueError(f"provenance must be a mapping, got {type(data).__name__}")
        known = (*PROVENANCE_FIELDS, "stacked")
        code_version = data.get("code_version")
        if not isinstance(code_version, str) or not code_version:
            raise ValueError(f"provenance code_version must be text, got {code_version!r}")
        return cls(
            code_version=code_version,
            **{name: text(data, name) for name in ("git_commit", "torch", "python")},
            **{name: text(data, name) for name in ("device", "device_name", "date")},
            threads=number(data, "threads", int, optional=True),
            seconds=number(data, "seconds", float, optional=True),
            stacked=number(data, "stacked", int, optional=True),
            extra={name: value for name, value in data.items() if name not in known},
        )


def check_history(history: Any) -> History:
    """``history`` as a `History` (lists copied); ValueError unless every column of
    `HISTORY_COLUMNS` is a list of numbers and all columns have one value per epoch."""
    if not isinstance(history, Mapping):
        raise ValueError(f"history must be a mapping, got {type(history).__name__}")
    missing = [column for column in HISTORY_COLUMNS if column not in history]
    if missing:
        raise ValueError(f"history lacks column(s) {missing}")
    checked: History = {}
    for column, values in history.items():
        if not isinstance(values, list) or not all(
            isinstance(value, int | float) and not isinstance(value, bool) for value in values
        ):
            raise ValueError(f"history column {column!r} must be a list of numbers")
        checked[str(column)] = list(values)
    if len({len(values) for values in checked.values()}) > 1:
        raise ValueError("history columns have different lengths")
    return checked


@dataclass(frozen=True)
class RunSummary:
    """Everything of a run but its arrays: what ``summary.json`` holds (see `RunResult`)."""

    config: RunConfig
    status: str
    history: History
    best_epoch: int
    metrics: RunMetrics
    provenance: Provenance

    @property
    def eval_error(self) -> float:
        """Error rate in [0, 1] of the kept model on the evaluation set (NaN if diverged)."""
        return self.metrics.eval_error

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the layout of ``summary.json`` without the store's own fields)."""
        return {
            "config": self.config.to_dict(),
            "status": self.status,
            "history": self.history,
            "best_epoch": self.best_epoch,
            "metrics": self.metrics.to_dict(),
            "provenance": self.provenance.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> RunSummary:
        """Inverse of `to_dict`, strict: ValueError or TypeError naming what is malformed."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a summary must be a JSON object, got {type(data).__name__}")
        for name in ("config", "status", "history", "best_epoch", "metrics", "provenance"):
            if name not in data:
                raise ValueError(f"missing field {name!r}")
        if not isinstance(data["config"], Mapping):
            raise ValueError("config must be a mapping")
        if data["status"] not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {data['status']!r}")
        return RunSummary(
            config=RunConfig.from_dict(dict(data["config"])),
            status=data["status"],
            history=check_history(data["history"]),
            best_epoch=number(data, "best_epoch", int),
            metrics=RunMetrics.from_dict(data["metrics"]),
            provenance=Provenance.from_dict(data["provenance"]),
        )

    def parts(self) -> dict[str, Any]:
        """The fields of this summary by name (to build a `RunResult` or a stored entry)."""
        return {item.name: getattr(self, item.name) for item in fields(RunSummary)}


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no single truth value
class RunResult(RunSummary):
    """One training run: its `RunSummary` and its predictions on the evaluation set.

    Attributes
    ----------
    config : RunConfig
    status : {"finished", "diverged", "cancelled"}
        "diverged": the epoch's mean training loss became NaN/inf or exceeded
        ``train.DIVERGENCE_LOSS`` at ``metrics.diverged_epoch``; its history holds the finite epochs
        before, ``metrics.eval_error`` is NaN and ``metrics.eval_errors`` None (garbage weights).
    history : History
        `HISTORY_COLUMNS` (units there), one entry per epoch run.
    best_epoch : int
        Epoch (1-based) of minimum evaluation error (0 when none finished); the weights kept are
        this epoch's when ``config.stopping == "patience"``, else the last epoch's
        (``metrics.kept_epoch`` says which).
    metrics : RunMetrics
        Final numbers of the kept model.
    provenance : Provenance
        Code version, torch, python, device, threads, date (UTC ISO 8601), seconds, git commit.
    predictions : ndarray of uint8, shape (eval_size,)
        Predicted class of the kept model on each evaluation image, in the split's order.
    confidence : ndarray of float16, shape (eval_size,)
        Softmax probability of the predicted class.
    weights : ModelWeights or None
        The kept model's weights (float32 from the trainer; float16 as the store keeps them), or
        None: results read from the store come without them (`RunStore.load_weights` reads them).
    """

    predictions: np.ndarray
    confidence: np.ndarray
    weights: ModelWeights | None = None

    def summary(self) -> dict[str, Any]:
        """JSON-ready dict of everything but the arrays (`RunSummary.to_dict`)."""
        return self.to_dict()

    @classmethod
    def from_summary(
        cls, summary: RunSummary | Mapping[str, Any], arrays: Mapping[str, np.ndarray]
    ) -> RunResult:
        """A summary (parsed or as stored) plus the arrays; ValueError if they do not fit it."""
        view = summary if isinstance(summary, RunSummary) else RunSummary.from_dict(summary)
        size = view.metrics.eval_size
        checked: dict[str, Any] = {}
        for name, dtype in (("predictions", np.uint8), ("confidence", np.float16)):
            array = np.asarray(arrays[name])
            if array.shape != (size,) or array.dtype != dtype:
                raise ValueError(
                    f"{name} is {array.dtype} {array.shape}, expected {np.dtype(dtype)} ({size},)"
                )
            checked[name] = array
        return cls(**view.parts(), **checked)
