"""One entry of the run store on disk, and its verification: trust nothing that was not checked.

Layout of an entry folder ``<root>/v<code version>/<key>/``::

    arrays.npz     predictions (uint8) and confidence (float16), shape (eval_size,) each
    weights.npz    optional: the kept model's weights, float16 (`mlp_core.store.weights`)
    summary.json   key, config, status, history, best_epoch, metrics, provenance, and the arrays'
                   sha256 and size in bytes (``arrays_size``; entries written before it have none);
                   with weights, theirs too (``weights_sha256``, ``weights_size``)

An entry is written complete into a staging folder and renamed into place, never modified after, so
a folder that fails verification is corrupt, not half written. Both files are read through one
descriptor of the folder: they come from the same folder even if another process renames a new
entry into its place meanwhile.

`read_summary` checks everything but the decoding of the arrays (cheap enough to run on every entry
when listing the store); `verify_entry` checks everything and returns the `RunResult`. Both raise
`CorruptEntry` naming the problem. Weights are optional and read apart, only when a page runs the
model (`mlp_core.store.weights.read_weights`): an entry whose weights fail their checksum keeps its
verified predictions, and its weights are refused with the reason. No torch here.
"""

from __future__ import annotations

import contextlib
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
WEIGHTS = "weights.npz"
#: What a store key looks like (`mlp_core.config.run_key`): 16 lowercase hex digits.
KEY = re.compile(r"[0-9a-f]{16}")
#: What a SHA-256 in summary.json looks like.
SHA256 = re.compile(r"[0-9a-f]{64}")
#: (device, inode) of an entry folder.
Identity = tuple[int, int]


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
    weights_sha256, weights_size : str or None, int or None
        SHA-256 and size in bytes of ``weights.npz`` as summary.json records them (checked when the
        weights are read, `mlp_core.store.weights.read_weights`); None for a run stored without.
    """

    key: str
    code_version: str
    path: Path
    arrays_sha256: str
    arrays_size: int | None
    weights_sha256: str | None = None
    weights_size: int | None = None

    @property
    def has_weights(self) -> bool:
        """Whether the run was stored with its weights (not yet whether they verify)."""
        return self.weights_sha256 is not None


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


def write_entry(folder: Path, result: RunResult, key: str, weights: bytes | None = None) -> None:
    """Write arrays.npz, weights.npz (the bytes ``weights``, when given) and last summary.json,
    which records the SHA-256 and size of each, into ``folder``."""
    payload = encode_arrays(result)
    write_file(folder / ARRAYS, payload)
    summary = {
        "key": key,
        **result.summary(),
        "arrays_sha256": hashlib.sha256(payload).hexdigest(),
        "arrays_size": len(payload),
    }
    if weights is not None:
        write_file(folder / WEIGHTS, weights)
        summary["weights_sha256"] = hashlib.sha256(weights).hexdigest()
        summary["weights_size"] = len(weights)
    write_file(folder / SUMMARY, json.dumps(summary, indent=1, allow_nan=True).encode())


def folder_identity(folder: Path) -> tuple[int, int] | None:
    """(device, inode) of ``folder``, or None when nothing is there."""
    try:
        status = os.stat(folder)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _snapshot(folder: Path, weights: bool = False) -> tuple[bytes, bytes, bytes | None, Identity]:
    """(summary bytes, arrays bytes, weights bytes, folder identity), every file read from one
    folder; weights.npz only when ``weights`` is asked, None when not asked or not readable.

    FileNotFoundError when there is no folder; CorruptEntry when it lacks a file or is not a folder.
    """
    try:
        directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except NotADirectoryError as error:
        raise CorruptEntry(f"{folder.name} is a file, not an entry folder") from error
    try:
        status = os.fstat(directory)
        identity = (status.st_dev, status.st_ino)

        def read(name: str) -> bytes:
            try:
                descriptor = os.open(name, os.O_RDONLY, dir_fd=directory)
            except OSError as error:
                raise CorruptEntry(f"{name} unreadable: {error.strerror}", identity) from error
            with os.fdopen(descriptor, "rb") as file:
                return file.read()

        text, payload = read(SUMMARY), read(ARRAYS)
        stored_weights = None
        if weights:
            # Missing or unreadable weights do not make the entry corrupt: the reader says why
            # they cannot be used (`mlp_core.store.weights.read_weights`).
            with contextlib.suppress(CorruptEntry):
                stored_weights = read(WEIGHTS)
        return text, payload, stored_weights, identity
    finally:
        os.close(directory)


def _parse(folder: Path, text: bytes, payload: bytes, identity: Identity) -> StoredRun:
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
    weights_digest, weights_size = data.get("weights_sha256"), data.get("weights_size")
    if weights_digest is not None or weights_size is not None:
        if not isinstance(weights_digest, str) or SHA256.fullmatch(weights_digest) is None:
            raise corrupt(f"malformed summary.json: weights_sha256 is {weights_digest!r}")
        if type(weights_size) is not int or weights_size < 0:
            raise corrupt(f"malformed summary.json: weights_size is {weights_size!r}")
    return StoredRun(
        **summary.parts(), key=key, code_version=version, path=folder, arrays_sha256=str(digest),
        arrays_size=None if size is None else int(size), weights_sha256=weights_digest,
        weights_size=weights_size,
    )  # fmt: skip


def read_with_weights(folder: Path) -> tuple[StoredRun, bytes | None]:
    """(verified summary, the bytes of weights.npz or None when there is no such file), all read
    from one folder; FileNotFoundError or CorruptEntry as `read_summary`. The weights' checksum
    is the caller's to check (`mlp_core.store.weights.read_weights`)."""
    text, payload, weights, identity = _snapshot(folder, weights=True)
    return _parse(folder, text, payload, identity), weights


def read_summary(folder: Path) -> StoredRun:
    """The verified summary of the entry in ``folder`` (arrays checked by size and checksum, not
    decoded); FileNotFoundError if there is no such folder, CorruptEntry if anything is wrong."""
    text, payload, _, identity = _snapshot(folder)
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
    text, payload, _, identity = _snapshot(folder)
    stored = _parse(folder, text, payload, identity)
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as arrays:
            return RunResult.from_summary(stored, {name: arrays[name] for name in arrays.files})
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise CorruptEntry(f"arrays.npz unreadable: {error}", identity) from error


#: The name the readers used before `verify_entry` (same function).
read_entry = verify_entry
