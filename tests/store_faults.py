"""Helpers of the run-store fault tests: made-up runs, damaged entries, simulated read-only disks.

No training here: a made-up `RunResult` (`synthetic_runs.fake_result`) is stored in milliseconds.
"""

from __future__ import annotations

import errno
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from synthetic_runs import fake_result, overfitting_history

from mlp_core.config import RunConfig
from mlp_core.results import RunResult

TINY = RunConfig(hidden=(16,), batch_size=50, epochs=2, validation_size=200)


def made_up(config: RunConfig = TINY, version: str | None = None, best: int = 1) -> RunResult:
    """A finished run of ``config`` (its own history), as the trainer would return it."""
    extra = {} if version is None else {"version": version}
    return fake_result(config, overfitting_history(config.epochs, best), **extra)


class CountingTrainer:
    """A trainer for `RunStore.get_or_train` that records what it was asked to train."""

    def __init__(self) -> None:
        self.calls: list[RunConfig] = []

    def __call__(self, config: RunConfig, **options: Any) -> RunResult:
        self.calls.append(config)
        return made_up(config)


def damage_arrays(folder: Path, how: str) -> None:
    """Damage ``folder/arrays.npz``: "deleted", "garbage", "tampered" (a valid npz of other
    predictions: only the checksum tells) or "truncated"."""
    path = folder / "arrays.npz"
    if how == "deleted":
        path.unlink()
    elif how == "garbage":
        path.write_bytes(b"this is not a zip file")
    elif how == "tampered":
        with np.load(path) as arrays:
            predictions, confidence = arrays["predictions"] + 1, arrays["confidence"]
        buffer = io.BytesIO()
        np.savez_compressed(buffer, predictions=predictions, confidence=confidence)
        path.write_bytes(buffer.getvalue())
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[:-7])
    else:
        raise ValueError(how)


def _without(data: dict, *path: str) -> dict:
    inner = data
    for name in path[:-1]:
        inner = inner[name]
    del inner[path[-1]]
    return data


#: Malformed summaries, by name: a function of the valid summary dict -> the text to write.
MALFORMED: dict[str, Callable[[dict], str]] = {
    "empty object": lambda summary: "{}",
    "empty list": lambda summary: "[]",
    "a string": lambda summary: '"summary"',
    "half written": lambda summary: json.dumps(summary)[:50],
    "no config": lambda summary: json.dumps(_without(summary, "config")),
    "no metrics": lambda summary: json.dumps(_without(summary, "metrics")),
    "no kept_epoch": lambda summary: json.dumps(_without(summary, "metrics", "kept_epoch")),
    "no history column": lambda summary: json.dumps(_without(summary, "history", "eval_error")),
    "no provenance version": lambda summary: json.dumps(
        _without(summary, "provenance", "code_version")
    ),
    "unknown config field": lambda summary: json.dumps(
        {**summary, "config": {**summary["config"], "colour": "red"}}
    ),
    "metrics a list": lambda summary: json.dumps({**summary, "metrics": [1, 2]}),
    "history of text": lambda summary: json.dumps(
        {**summary, "history": {**summary["history"], "epoch": ["one", "two"]}}
    ),
    "not utf-8": lambda summary: "\udcff",
}


def write_summary(folder: Path, text: str) -> None:
    (folder / "summary.json").write_bytes(text.encode("utf-8", "surrogateescape"))


WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def make_read_only(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """Make every write under ``root`` fail with EROFS, as on a read-only file system.

    Root can write anywhere regardless of permissions, so the test suite (often run as root)
    cannot rely on ``chmod``; this patches the ``os`` calls that write (the store writes only
    through them).
    """
    root = root.resolve()

    def inside(path: Any) -> bool:
        if isinstance(path, int):
            return False
        target = Path(os.path.abspath(os.fsdecode(path)))
        return target == root or root in target.parents

    def refuse(path: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system", os.fsdecode(path))

    original = {name: getattr(os, name) for name in ("open", "mkdir", "rename", "unlink", "rmdir")}

    def guarded_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & WRITE_FLAGS and kwargs.get("dir_fd") is None and inside(path):
            refuse(path)
        return original["open"](path, flags, *args, **kwargs)

    def guard(name: str) -> Callable[..., Any]:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            paths = args[:2] if name == "rename" else args[:1]
            for path in paths:
                if inside(path):
                    refuse(path)
            return original[name](*args, **kwargs)

        return guarded

    monkeypatch.setattr(os, "open", guarded_open)
    for name in ("mkdir", "rename", "unlink", "rmdir"):
        monkeypatch.setattr(os, name, guard(name))
