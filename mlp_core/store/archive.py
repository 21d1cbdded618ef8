"""Run-store entries in one file: written on a machine that computed them, merged into another store.

An archive is a gzipped tar holding ``manifest.json`` and, per entry, ``v<code version>/<key>/``
``summary.json`` and ``arrays.npz`` (and ``weights.npz`` for a run that kept its weights) exactly as
the run store wrote them. The manifest lists every entry with the SHA-256 of its files and says
where and what for the runs were computed.

`merge_archive` trusts nothing in the file. Before anything is written it refuses the whole archive,
with one line saying why, when the file is too large, a member is not a plain file (symbolic and
hard links, devices), a name could leave the store (absolute, ``..``) or is not an entry file, a
member is oversized, or the manifest is missing or malformed. Then, per entry: both checksums must
match the manifest, and the entry must pass the store's own verification
(`mlp_core.store.entry.verify_entry`: its fields, its key against its config and code version, its
arrays' checksum, dtypes and shapes; its weights', when it has them,
`mlp_core.store.weights.read_weights`). An entry already in the store with the same bytes is skipped;
with other bytes it is refused and the stored one kept (a merge never replaces an entry); a new one
is written byte for byte under the entry's lock into a staging folder renamed into place, as the
store writes. No torch here.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlp_core.store.archive_members import (
    MANIFEST,
    MAX_ARCHIVE_BYTES,
    ArchiveError,
    safe_members,
)
from mlp_core.store.entry import (
    ARRAYS,
    KEY,
    SUMMARY,
    WEIGHTS,
    read_summary,
    verify_entry,
    write_file,
)
from mlp_core.store.errors import CorruptEntry, WeightsUnavailable
from mlp_core.store.locks import clean_staging, held_lock
from mlp_core.store.run_store import VERSION, RunStore
from mlp_core.store.weights import read_weights
from mlp_core.store.writing import writes_to

FORMAT = "mlp-lab-runs/1"
#: Purposes whose runs must never enter a store (the device check's toy runs on synthetic data).
UNMERGEABLE = {"quick": "toy runs of `device-check --quick` (synthetic data, toy sizes)"}


@dataclass
class MergeReport:
    """What `merge_archive` did, entry by entry (``version/key`` names)."""

    added: list[str] = field(default_factory=list)
    identical: list[str] = field(default_factory=list)  # already stored, same bytes: skipped
    conflicts: list[str] = field(default_factory=list)  # same key, other bytes: refused
    invalid: list[str] = field(default_factory=list)  # "name: why", refused

    def lines(self) -> list[str]:
        """A human-readable account: totals, then one line per refused entry."""
        lines = [
            f"added {len(self.added)}, already stored (identical) {len(self.identical)}, "
            f"refused {len(self.conflicts) + len(self.invalid)}"
        ]
        lines += [
            f"refused {name}: same key, different content (the stored entry is kept)"
            for name in self.conflicts
        ]
        lines += [f"refused {line}" for line in self.invalid]
        return lines


def sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def write_archive(
    store: RunStore, entries: Iterable[tuple[str, str]], path: Path, about: dict[str, Any]
) -> dict[str, Any]:
    """Write the store's entries ``(code version, key)`` to ``path``; return the manifest.

    ``about`` goes into the manifest (e.g. ``purpose``, device, torch, date); entries that are not
    readable entries of ``store`` raise `CorruptEntry` before anything is written.
    """
    files: dict[str, bytes] = {}
    listed = []
    for version, key in entries:
        folder = store.root / f"v{version}" / key
        verify_entry(folder)  # refuse to ship an entry that does not read back
        summary, arrays = (folder / SUMMARY).read_bytes(), (folder / ARRAYS).read_bytes()
        files[f"v{version}/{key}/{SUMMARY}"] = summary
        files[f"v{version}/{key}/{ARRAYS}"] = arrays
        entry = {
            "version": version,
            "key": key,
            "summary": sha256(summary),
            "arrays": sha256(arrays),
        }
        if (folder / WEIGHTS).exists():
            weights = (folder / WEIGHTS).read_bytes()
            files[f"v{version}/{key}/{WEIGHTS}"] = weights
            entry["weights"] = sha256(weights)
        listed.append(entry)
    manifest = {"format": FORMAT, **about, "entries": listed}
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.partial")
    with tarfile.open(staging, "w:gz") as tar:
        for name, payload in [(MANIFEST, json.dumps(manifest, indent=1).encode()), *files.items()]:
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(payload), 0o644
            tar.addfile(info, io.BytesIO(payload))
    os.replace(staging, path)
    return manifest


def read_archive(
    path: Path, refused_purposes: dict[str, str] = UNMERGEABLE
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """(manifest, entry files by name) of a safe archive; `ArchiveError` for anything else.

    An archive whose manifest ``purpose`` is a key of ``refused_purposes`` is refused too.
    """
    path = Path(path)
    if not path.is_file():
        raise ArchiveError(f"{path}: no such archive file")
    if path.stat().st_size > MAX_ARCHIVE_BYTES:
        raise ArchiveError(f"{path}: {path.stat().st_size} bytes, over {MAX_ARCHIVE_BYTES}")
    try:
        with tarfile.open(path, "r:*") as tar:
            files = safe_members(tar)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArchiveError(f"{path}: not a readable tar archive ({error})") from error
    if MANIFEST not in files:
        raise ArchiveError(f"{path}: no {MANIFEST}: not a run archive")
    try:
        manifest = json.loads(files.pop(MANIFEST))
        well_formed = manifest.get("format") == FORMAT and isinstance(manifest["entries"], list)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ArchiveError(f"{path}: malformed {MANIFEST} ({error!r})") from error
    if not well_formed:
        raise ArchiveError(f"{path}: {MANIFEST} is not a {FORMAT} manifest")
    purpose = manifest.get("purpose")
    if purpose in refused_purposes:
        raise ArchiveError(f"{path}: holds {refused_purposes[purpose]}; never merged into a store")
    return manifest, files


def merge_archive(
    path: Path,
    store: RunStore,
    dry_run: bool = False,
    refused_purposes: dict[str, str] = UNMERGEABLE,
) -> MergeReport:
    """Add the archive's new, verified entries to ``store`` (see the module); never replace one.

    ``dry_run``: write nothing; ``added`` lists what a merge would add. Raises `ArchiveError` (one
    line) when the archive as a whole is refused, before any write.
    """
    manifest, files = read_archive(path, refused_purposes)
    report = MergeReport()
    unlisted = set(files)
    for listed in manifest["entries"]:
        try:
            version, key = str(listed["version"]), str(listed["key"])
            name = f"v{version}/{key}"
            summary = files[f"{name}/{SUMMARY}"]
            arrays = files[f"{name}/{ARRAYS}"]
        except (KeyError, TypeError) as error:
            report.invalid.append(f"{listed!r:.80}: listed but missing from the archive ({error})")
            continue
        if f"{name}/{SUMMARY}" not in unlisted:
            report.invalid.append(f"{name}: listed twice in the manifest")
            continue
        weights = files.get(f"{name}/{WEIGHTS}")
        unlisted -= {f"{name}/{SUMMARY}", f"{name}/{ARRAYS}", f"{name}/{WEIGHTS}"}
        problem = _entry_problem(listed, version, key, summary, arrays, weights)
        if problem is not None:
            report.invalid.append(f"{name}: {problem}")
            continue
        _place(store, version, key, (summary, arrays, weights), report, dry_run)
    report.invalid += [f"{name}: not listed in the manifest" for name in sorted(unlisted)]
    return report


def _entry_problem(
    listed: dict[str, Any],
    version: str,
    key: str,
    summary: bytes,
    arrays: bytes,
    weights: bytes | None = None,
) -> str | None:
    """Why an entry cannot be merged, or None when its checksums and the store's checks hold."""
    if sha256(summary) != listed.get("summary") or sha256(arrays) != listed.get("arrays"):
        return "checksum does not match the manifest"
    if (None if weights is None else sha256(weights)) != listed.get("weights"):
        return "its weights do not match the manifest"
    if not VERSION.fullmatch(version) or not KEY.fullmatch(key):
        return "not a code version and key of the store"
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / f"v{version}" / key  # laid out as in a store: the key is checked
        folder.mkdir(parents=True)
        (folder / SUMMARY).write_bytes(summary)
        (folder / ARRAYS).write_bytes(arrays)
        if weights is not None:
            (folder / WEIGHTS).write_bytes(weights)
        try:
            verify_entry(folder)
            if weights is not None or read_summary(folder).has_weights:
                read_weights(folder)  # weights recorded must come, whole, with their entry
        except (CorruptEntry, WeightsUnavailable) as error:
            return str(error)
    return None


def _place(
    store: RunStore,
    version: str,
    key: str,
    entry: tuple[bytes, bytes, bytes | None],
    report: MergeReport,
    dry_run: bool,
) -> None:
    """Add one verified entry (summary, arrays, weights or None) unless the store has it
    (identical: skip; different: refuse)."""
    summary, arrays, weights = entry
    name = f"v{version}/{key}"
    final = store.root / f"v{version}" / key
    if final.exists():
        same = _read_or_none(final / SUMMARY) == summary and _read_or_none(final / ARRAYS) == arrays
        (report.identical if same else report.conflicts).append(name)
        return
    if dry_run:
        report.added.append(name)
        return
    with writes_to(store.root):
        final.parent.mkdir(parents=True, exist_ok=True)
        with held_lock(store.root, version, key):
            if final.exists():  # stored meanwhile by another writer: theirs is kept
                same = _read_or_none(final / SUMMARY) == summary
                (report.identical if same else report.conflicts).append(name)
                return
            staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{key}."))
            try:
                os.chmod(staging, 0o755)  # as the store's own writes: entries are for every reader
                write_file(staging / ARRAYS, arrays)
                if weights is not None:
                    write_file(staging / WEIGHTS, weights)
                write_file(staging / SUMMARY, summary)
                os.rename(staging, final)  # final is absent: we hold its lock
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    clean_staging(store.root, final.parent)
    report.added.append(name)


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
