"""The result of one training run: plain numbers and arrays, readable without torch.

A `RunResult` is what `mlp_core.engine.train.train` returns and what the run store writes: the config, the
per-epoch history, the final metrics, the predictions on the evaluation set (for confusion matrices and
paired tests) and the provenance (code version, torch version, device, date, seconds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlp_core.config import RunConfig

#: Columns of `RunResult.history`, one value per finished epoch.
HISTORY_COLUMNS: tuple[str, ...] = (
    "epoch",  # 1-based
    "train_loss",  # mean cross-entropy over the epoch's batches (nats), as the handout prints it
    "train_error",  # error rate in [0, 1] on the whole training set after the epoch
    "eval_loss",  # mean cross-entropy on the evaluation set after the epoch
    "eval_error",  # error rate in [0, 1] on the evaluation (validation or test) set after the epoch
    "learning_rate",  # learning rate at the end of the epoch
    "seconds",  # wall seconds of the epoch, training and both evaluations
)

#: How a run ended. "cancelled" runs are never stored.
STATUSES: tuple[str, ...] = ("finished", "diverged", "cancelled")


@dataclass
class RunResult:
    """One training run.

    Attributes
    ----------
    config : RunConfig
    status : {"finished", "diverged", "cancelled"}
        "diverged": the epoch's mean training loss became NaN/inf or exceeded
        ``train.DIVERGENCE_LOSS`` at ``diverged_epoch``; its history holds the
        finite epochs before, ``eval_error`` is NaN and ``eval_errors`` None (the weights are garbage).
    history : dict of str to list of float
        `HISTORY_COLUMNS`, one entry per epoch run.
    best_epoch : int
        Epoch (1-based) of minimum evaluation error; the weights kept are from this epoch when
        ``config.stopping == "patience"``, else from the last epoch.
    metrics : dict
        ``eval_error`` (rate of the kept model), ``eval_errors`` (count), ``eval_size``,
        ``train_error``, ``epochs_run``, ``diverged_epoch`` (or None).
    predictions : ndarray of uint8, shape (eval_size,)
        Predicted class of the kept model on each evaluation image, in the split's order.
    confidence : ndarray of float16, shape (eval_size,)
        Softmax probability of the predicted class.
    provenance : dict
        code_version, torch, python, device, threads, date (UTC ISO 8601), seconds, git commit.
    """

    config: RunConfig
    status: str
    history: dict[str, list[float]]
    best_epoch: int
    metrics: dict[str, Any]
    predictions: np.ndarray
    confidence: np.ndarray
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def eval_error(self) -> float:
        """Error rate in [0, 1] of the kept model on the evaluation set."""
        return float(self.metrics["eval_error"])

    def summary(self) -> dict[str, Any]:
        """JSON-ready dict of everything but the arrays."""
        return {
            "config": self.config.to_dict(),
            "status": self.status,
            "history": self.history,
            "best_epoch": self.best_epoch,
            "metrics": self.metrics,
            "provenance": self.provenance,
        }

    @classmethod
    def from_summary(cls, summary: dict[str, Any], arrays: dict[str, np.ndarray]) -> RunResult:
        """Inverse of `summary` plus the arrays."""
        return cls(
            config=RunConfig.from_dict(summary["config"]),
            status=summary["status"],
            history={name: list(values) for name, values in summary["history"].items()},
            best_epoch=int(summary["best_epoch"]),
            metrics=dict(summary["metrics"]),
            predictions=np.asarray(arrays["predictions"], dtype=np.uint8),
            confidence=np.asarray(arrays["confidence"], dtype=np.float16),
            provenance=dict(summary["provenance"]),
        )
