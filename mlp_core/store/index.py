"""The index of the run store: one row per verified entry, for tables and charts; no torch.

Built from the typed view (`mlp_core.store.entry.StoredRun`), never parsed back: a row's
``config`` column holds the `RunConfig` itself; ``hidden`` is only its text for display.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from mlp_core.config import CONFIG_FIELDS
from mlp_core.store.entry import StoredRun

#: Columns of `index_frame`, in order. Errors are fractions in [0, 1]; seconds are wall seconds
#: of the whole run; ``hidden`` is display text ("500-300", "none"), ``depth`` the number of
#: hidden layers and ``width`` the first hidden width (0 without one); ``config`` the RunConfig.
INDEX_COLUMNS: tuple[str, ...] = (
    "key", "code_version", "status",
    *(name for name in CONFIG_FIELDS if name != "hidden"),
    "hidden", "depth", "width", "eval_error", "eval_errors", "eval_size", "train_error",
    "best_epoch", "best_eval_error", "epochs_run", "kept_epoch", "seconds", "device",
    "device_name", "date", "path", "config",
)  # fmt: skip


def hidden_text(hidden: Iterable[int]) -> str:
    """``(500, 300)`` -> ``"500-300"``, ``()`` -> ``"none"``: how tables show hidden layers."""
    return "-".join(map(str, hidden)) or "none"


def index_row(entry: StoredRun) -> dict[str, Any]:
    """The `INDEX_COLUMNS` of one entry."""
    config, metrics, provenance = entry.config, entry.metrics, entry.provenance
    values = config.to_dict()
    return {
        "key": entry.key,
        "code_version": entry.code_version,
        "status": entry.status,
        **{name: values[name] for name in CONFIG_FIELDS if name != "hidden"},
        "hidden": hidden_text(config.hidden),
        "depth": len(config.hidden),
        "width": config.hidden[0] if config.hidden else 0,
        "eval_error": metrics.eval_error,
        "eval_errors": metrics.eval_errors,
        "eval_size": metrics.eval_size,
        "train_error": metrics.train_error,
        "best_epoch": entry.best_epoch,
        "best_eval_error": min(entry.history["eval_error"], default=float("nan")),
        "epochs_run": metrics.epochs_run,
        "kept_epoch": metrics.kept_epoch,
        "seconds": provenance.seconds,
        "device": provenance.device,
        "device_name": provenance.device_name,
        "date": provenance.date,
        "path": str(entry.path),
        "config": config,
    }


def index_frame(entries: Iterable[StoredRun]) -> pd.DataFrame:
    """One row per entry, columns `INDEX_COLUMNS` (also when there is none)."""
    return pd.DataFrame([index_row(entry) for entry in entries], columns=list(INDEX_COLUMNS))
