"""The run store: every finished run kept, found again by its config, never lost by a code edit.

Layout (``runs/store`` in the checkout, or ``$MLP_RUNS_DIR``)::

    store/v<code version>/<key>/summary.json   config, status, history, metrics, provenance (readable)
    store/v<code version>/<key>/arrays.npz     predictions (uint8) and confidence (float16)

``key = run_key(config, code_version)``. Asking again for a stored configuration returns at once.
A run computed by an older code version stays where it is and is listed with its version; asking for
the same config under the current version trains it anew beside the old one.

Why not ``joblib.Memory``: it keys on the decorated function's source and *clears its whole cache
directory when that source changes*, and it pickles results, tying them to class paths. Committed
results must survive edits, so the key is explicit (config + `CODE_VERSION`) and the files are plain
JSON and NumPy arrays. Entries are written to a temporary folder and renamed into place, so an
interrupted write never looks complete; a corrupt entry is reported, moved aside and recomputed.

This module never imports torch: the trainer is passed to `RunStore.get_or_train`, so pages read the
index cheaply.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import mlp_core.config
from mlp_core.config import CONFIG_FIELDS, RunConfig, run_key
from mlp_core.results import RunResult

LOG = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[2]
SUMMARY = "summary.json"
ARRAYS = "arrays.npz"


def current_code_version() -> str:
    """The engine's `mlp_core.config.CODE_VERSION`, read now (no torch)."""
    return mlp_core.config.CODE_VERSION


def default_store_dir() -> Path:
    """``$MLP_RUNS_DIR`` if set, else ``runs/store`` in the checkout."""
    return Path(os.environ.get("MLP_RUNS_DIR", REPO_ROOT / "runs" / "store"))


class CorruptEntry(RuntimeError):
    """A stored entry that cannot be read back as it was written."""


@dataclass(frozen=True)
class StoredRun:
    """One entry of the index: the summary as written, and where it lives."""

    key: str
    code_version: str
    path: Path
    summary: dict[str, Any]

    @property
    def config(self) -> RunConfig:
        return RunConfig.from_dict(self.summary["config"])


class RunStore:
    """Finished runs on disk, keyed by (config, code version).

    Parameters
    ----------
    root : Path, optional
        Store folder; default `default_store_dir()`.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root or default_store_dir())

    # -- paths --------------------------------------------------------------------------------
    def path_for(self, config: RunConfig, code_version: str) -> Path:
        return self.root / f"v{code_version}" / run_key(config, code_version)

    # -- reading ------------------------------------------------------------------------------
    def load(self, config: RunConfig, code_version: str | None = None) -> RunResult | None:
        """The stored result of ``config`` (current code version by default), or None.

        A corrupt entry is logged, moved to ``<root>/corrupt/`` and reported as missing.
        """
        return self.load_key(run_key(config, code_version or current_code_version()), code_version)

    def load_key(self, key: str, code_version: str | None = None) -> RunResult | None:
        """The stored result under store ``key`` (current code version by default), or None.

        A corrupt entry is logged, moved to ``<root>/corrupt/`` and reported as missing.
        """
        path = self.root / f"v{code_version or current_code_version()}" / key
        if not path.exists():
            return None
        try:
            return read_entry(path)
        except CorruptEntry as error:
            self.quarantine(path, str(error))
            return None

    def contains(self, config: RunConfig, code_version: str | None = None) -> bool:
        """Whether a readable summary exists (without reading the arrays)."""
        path = self.path_for(config, code_version or current_code_version())
        return (path / SUMMARY).exists()

    def entries(self) -> Iterator[StoredRun]:
        """Every readable entry, all code versions; unreadable summaries are logged and skipped."""
        if not self.root.exists():
            return
        for version_dir in sorted(self.root.glob("v*")):
            for path in sorted(version_dir.iterdir()):
                if not path.is_dir() or path.name.startswith("."):
                    continue
                try:
                    summary = json.loads((path / SUMMARY).read_text())
                except (OSError, ValueError) as error:
                    LOG.warning("skipping unreadable run %s: %s", path, error)
                    continue
                yield StoredRun(path.name, version_dir.name[1:], path, summary)

    def fingerprint(self) -> tuple[int, float]:
        """(number of entries, newest modification time): changes whenever the store does."""
        count, newest = 0, 0.0
        for version_dir in self.root.glob("v*"):
            newest = max(newest, version_dir.stat().st_mtime)
            count += sum(1 for _ in version_dir.iterdir())
        return count, newest

    # -- writing ------------------------------------------------------------------------------
    def save(self, result: RunResult) -> Path:
        """Write ``result`` atomically and return its folder. Cancelled runs are refused."""
        if result.status == "cancelled":
            raise ValueError("a cancelled run is not a result: it is never stored")
        version = str(result.provenance.get("code_version") or current_code_version())
        final = self.path_for(result.config, version)
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}."))
        try:
            write_entry(staging, result, run_key(result.config, version))
            if final.exists():  # an entry computed meanwhile (or a corrupt one): replace it
                shutil.rmtree(final, ignore_errors=True)
            os.replace(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return final

    def get_or_train(
        self,
        config: RunConfig,
        train: Callable[..., RunResult],
        **train_options: Any,
    ) -> tuple[RunResult, bool]:
        """(result, from_store): the stored run of ``config``, or a new one trained and stored.

        ``train(config, **train_options)`` computes a missing run (`mlp_core.engine.train.train`:
        the store never imports the engine, so reading it needs no torch). Cancelled runs are
        returned but not stored.
        """
        stored = self.load(config)
        if stored is not None:
            return stored, True
        result = train(config, **train_options)
        if result.status != "cancelled":
            self.save(result)
        return result, False

    def quarantine(self, path: Path, reason: str) -> None:
        """Move a corrupt entry out of the way (never delete it) and log why."""
        target = self.root / "corrupt" / f"{path.parent.name}-{path.name}-{int(time.time())}"
        target.parent.mkdir(parents=True, exist_ok=True)
        LOG.warning("corrupt run %s (%s): moved to %s", path, reason, target)
        shutil.move(str(path), str(target))


def write_entry(folder: Path, result: RunResult, key: str) -> None:
    """Write arrays.npz then summary.json (which records the arrays' SHA-256) into ``folder``."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, predictions=result.predictions, confidence=result.confidence)
    payload = buffer.getvalue()
    (folder / ARRAYS).write_bytes(payload)
    summary = {
        "key": key,
        **result.summary(),
        "arrays_sha256": hashlib.sha256(payload).hexdigest(),
    }
    (folder / SUMMARY).write_text(json.dumps(summary, indent=1, allow_nan=True))


def read_entry(folder: Path) -> RunResult:
    """Read an entry back; raise CorruptEntry if anything is missing, unparsable or tampered."""
    try:
        summary = json.loads((folder / SUMMARY).read_text())
        payload = (folder / ARRAYS).read_bytes()
    except (OSError, ValueError) as error:
        raise CorruptEntry(f"unreadable: {error}") from error
    if hashlib.sha256(payload).hexdigest() != summary.get("arrays_sha256"):
        raise CorruptEntry("arrays.npz does not match the checksum in summary.json")
    try:
        with np.load(io.BytesIO(payload)) as arrays:
            return RunResult.from_summary(summary, dict(arrays))
    except (KeyError, ValueError, TypeError) as error:
        raise CorruptEntry(f"malformed summary: {error}") from error


def index_records(store: RunStore | None = None) -> list[dict[str, Any]]:
    """One flat row per stored run (all code versions), for tables and charts; no torch needed.

    Columns: key, code_version, status, every config field (``hidden`` as "500-300", plus ``depth``
    and ``width`` = first hidden width or 0), eval_error, eval_errors, eval_size, train_error,
    best_epoch, best_eval_error, epochs_run, seconds, device, device_name, date, path.
    """
    rows = []
    for entry in (store or RunStore()).entries():
        summary = entry.summary
        config, metrics = summary["config"], summary["metrics"]
        history, provenance = summary["history"], summary["provenance"]
        hidden = list(config["hidden"])
        rows.append(
            {
                "key": entry.key,
                "code_version": entry.code_version,
                "status": summary["status"],
                **{name: value for name, value in config.items() if name != "hidden"},
                "hidden": "-".join(map(str, hidden)) or "none",
                "depth": len(hidden),
                "width": hidden[0] if hidden else 0,
                "eval_error": metrics["eval_error"],
                "eval_errors": metrics["eval_errors"],
                "eval_size": metrics["eval_size"],
                "train_error": metrics["train_error"],
                "best_epoch": summary["best_epoch"],
                "best_eval_error": min(history["eval_error"], default=float("nan")),
                "epochs_run": metrics["epochs_run"],
                "seconds": provenance.get("seconds"),
                "device": provenance.get("device"),
                "device_name": provenance.get("device_name"),
                "date": provenance.get("date"),
                "path": str(entry.path),
            }
        )
    return rows


def record_config(row: Mapping[str, Any]) -> RunConfig:
    """The `RunConfig` of an `index_records` row (``hidden`` there is "500-300" or "none")."""
    values = {name: row[name] for name in CONFIG_FIELDS if name != "hidden"}
    hidden = str(row["hidden"])
    values["hidden"] = () if hidden in ("none", "") else tuple(int(w) for w in hidden.split("-"))
    return RunConfig.from_dict(values)
