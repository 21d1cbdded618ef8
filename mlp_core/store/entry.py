"""One entry of the run store on disk, and its verification: trust nothing that was not checked.

Layout of an entry folder ``<root>/v<code version>/<key>/``::

    arrays.npz     predictions (uint8) and confidence (float16), shape (eval_size,) each
    summary.json   key, config, status, history, best_epoch, metrics, provenance, and the arrays'
                   sha256 and size in bytes (``arrays_size``; entries written before it have none)

An entry is written complete into a staging folder and renamed into place, never modified after, so
a folder that fails verification is corrupt, not half written. Both files are read through one
descriptor of the folder: they come from the same folder even if another process renames a new
entry into its place meanwhile.

`read_summary` checks everything but the decoding of the arrays (cheap enough to run on every entry
when listing the store); `verify_entry` checks everything and returns the `RunResult`. Both raise
`CorruptEntry` naming the problem. No torch here.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mlp_core.config import run_key
from mlp_core.results import RunResult, RunSummary
from mlp_core.store.errors import CorruptEntry

SUMMARY = "summary.json"
ARRAYS = "arrays.npz"
#: What a store key looks like (`mlp_core.config.run_key`): 16 lowercase hex digits.
KEY = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class StoredRun(RunSummary):
    """One verified entry of the store, without its arrays: the typed view every reader gets.

    Attributes
    ----------
    config, status, history, best_epoch, metrics, provenance
        As in `mlp_core.results.RunResult` (``config`` a `RunConfig`, ``metrics`` a `RunMetrics`,
        ``provenance`` a `Provenance`, ``history`` the `HISTORY_COLUMNS` with their units).
    key : str
        Store key, ``run_key(config, code_version)``: the folder's name (checked).
    code_version : str
        The code version of the folder it lives in (``v<code_version>``), also checked.
    path : Path
        The entry folder.
    arrays_sha256 : str
        SHA-256 of ``arrays.npz`` (checked).
    arrays_size : int or None
        Size of ``arrays.npz`` in bytes (checked), None for entries written before it was recorded.
    """

    key: str
    code_version: str
    path: Path
    arrays_sha256: str
    arrays_size: int | None


def encode_arrays(result: RunResult) -> bytes:
    """The bytes of ``arrays.npz`` for ``result``."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, predictions=result.predictions, confidence=result.confidence)
    return buffer.getvalue()


def write_file(path: Path, payload: bytes) -> None:
    """Write ``payload`` to a new file ``path`` and flush it to the disk (fsync)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_entry(folder: Path, result: RunResult, key: str) -> None:
    """Write arrays.npz then summary.json (with the arrays' SHA-256 and size) into ``folder``."""
    payload = encode_arrays(result)
    write_file(folder / ARRAYS, payload)
    summary = {
        "key": key,
        **result.summary(),
        "arrays_sha256": hashlib.sha256(payload).hexdigest(),
        "arrays_size": len(payload),
    }
    write_file(folder / SUMMARY, json.dumps(summary, indent=1, allow_nan=True).encode())


def folder_identity(folder: Path) -> tuple[int, int] | None:
    """(device, inode) of ``folder``, or None when nothing is there."""
    try:
        status = os.stat(folder)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _snapshot(folder: Path) -> tuple[bytes, bytes, tuple[int, int]]:
    """(summary bytes, arrays bytes, folder identity), both files read from one folder.

    FileNotFoundError when there is no folder; CorruptEntry when it lacks a file or is not a folder.
    """
    try:
        directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except NotADirectoryError as error:
        raise CorruptEntry(f"{folder.name} is a file, not an entry folder") from error
    try:
        status = os.fstat(directory)
        identity = (status.st_dev, status.st_ino)
        files = []
        for name in (SUMMARY, ARRAYS):
            try:
                descriptor = os.open(name, os.O_RDONLY, dir_fd=directory)
            except OSError as error:
                raise CorruptEntry(f"{name} unreadable: {error.strerror}", identity) from error
            with os.fdopen(descriptor, "rb") as file:
                files.append(file.read())
        return files[0], files[1], identity
    finally:
        os.close(directory)


def _parse(folder: Path, text: bytes, payload: bytes, identity: tuple[int, int]) -> StoredRun:
    """The `StoredRun` of an entry's two files; CorruptEntry unless every check passes."""

    def corrupt(reason: str) -> CorruptEntry:
        return CorruptEntry(reason, identity)

    try:
        data: Any = json.loads(text)
        summary = RunSummary.from_dict(data)
    except (ValueError, TypeError) as error:  # JSONDecodeError and UnicodeError are ValueErrors
        raise corrupt(f"malformed summary.json: {error}") from error
    version = folder.parent.name[1:]
    key = run_key(summary.config, version)
    if folder.name != key or data.get("key", key) != key:
        raise corrupt(
            f"holds the run of another key ({key}, stored config, code version {version})"
        )
    if summary.provenance.code_version != version:
        raise corrupt(f"computed by code version {summary.provenance.code_version}, not {version}")
    if summary.status == "cancelled":
        raise corrupt("a cancelled run (never stored)")
    size = data.get("arrays_size")
    if size is not None and size != len(payload):
        raise corrupt(f"arrays.npz has {len(payload)} bytes, summary.json recorded {size}")
    digest = data.get("arrays_sha256")
    if hashlib.sha256(payload).hexdigest() != digest:
        raise corrupt("arrays.npz does not match the checksum in summary.json")
    return StoredRun(
        **summary.parts(), key=key, code_version=version, path=folder, arrays_sha256=str(digest),
        arrays_size=None if size is None else int(size),
    )  # fmt: skip


def read_summary(folder: Path) -> StoredRun:
    """The verified summary of the entry in ``folder`` (arrays checked by size and checksum, not
    decoded); FileNotFoundError if there is no such folder, CorruptEntry if anything is wrong."""
    text, payload, identity = _snapshot(folder)
    return _parse(folder, text, payload, identity)


def verify_entry(folder: Path) -> RunResult:
    """The `RunResult` of the entry in ``folder``, every check passed, arrays decoded.

    Raises
    ------
    FileNotFoundError
        No folder there.
    CorruptEntry
        Anything missing, unparsable, tampered with or inconsistent: summary fields, the key
        recomputed from the stored config and the folder's code version, the arrays' size and
        checksum, their dtypes and shapes.
    """
    text, payload, identity = _snapshot(folder)
    stored = _parse(folder, text, payload, identity)
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as arrays:
            return RunResult.from_summary(stored, {name: arrays[name] for name in arrays.files})
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise CorruptEntry(f"arrays.npz unreadable: {error}", identity) from error


#: The name the readers used before `verify_entry` (same function).
read_entry = verify_entry
