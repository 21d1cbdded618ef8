"""Writing the run store: the check before training, the atomic write of one entry under its lock,
and the rescue of a finished run that the store could not take.

Every OSError of a write becomes a `StoreNotWritable` naming the store and the reason (read-only,
permission, full disk). No torch here.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mlp_core.errors import CodedText
from mlp_core.results import RunResult
from mlp_core.store.entry import write_entry, write_file
from mlp_core.store.errors import FULL_DISK_CODES, StoreError, StoreNotWritable
from mlp_core.store.locks import LOCK_DIR, clean_staging, held_lock

LOG = logging.getLogger(__name__)
#: Free space a store must have before a run trains: an entry takes well under 1 MiB (a test run's
#: arrays are ~60 KB, a 1000-epoch history ~150 KB), 5 MiB with the largest weights the app keeps
#: (`mlp_core.store.weights.APP_MAX_PARAMETERS`); the rest is margin for the file system.
MIN_FREE_BYTES = 8 * 2**20
#: Where `replace` moves the entries it replaces, in the store's folder.
REPLACED_DIR = "replaced"
#: Bytes written (and removed) by the check, about one entry.
PROBE_BYTES = 64 * 2**10


def describe(error: OSError) -> CodedText:
    """Why a write failed, in words."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return CodedText("store.disk_full")
    if error.errno == errno.EROFS:
        return CodedText("store.read_only")
    if error.errno in (errno.EACCES, errno.EPERM):
        if error.filename:
            return CodedText("store.permission", file=error.filename)
        return CodedText("store.permission_somewhere")
    reason = error.strerror or str(error)  # the system's words
    if error.filename:
        return CodedText("store.os_error", reason=reason, file=error.filename)
    return CodedText("store.os_error_somewhere", reason=reason)


def not_writable(root: Path, reason: CodedText) -> StoreNotWritable:
    """The error saying why store ``root`` cannot take a run (a full disk: free some space)."""
    full = reason.code in FULL_DISK_CODES
    return StoreNotWritable(
        "store.not_writable_full" if full else "store.not_writable", root=root, reason=reason
    )


@contextmanager
def writes_to(root: Path) -> Iterator[None]:
    """Turn any OSError of the block into StoreNotWritable."""
    try:
        yield
    except OSError as error:
        raise not_writable(root, describe(error)) from error


def check_writable(root: Path, version: str) -> None:
    """StoreNotWritable unless a run of code version ``version`` can be stored in ``root`` now."""
    folder = root / f"v{version}"
    with writes_to(root):
        folder.mkdir(parents=True, exist_ok=True)
        (root / LOCK_DIR).mkdir(exist_ok=True)
        probe = folder / f".probe.{uuid.uuid4().hex}"
        try:
            write_file(probe, bytes(PROBE_BYTES))
        finally:
            probe.unlink(missing_ok=True)
        free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        needed = MIN_FREE_BYTES / 2**20
        raise not_writable(root, CodedText("store.nearly_full", free=free / 2**20, needed=needed))
    clean_staging(root, folder)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)  # makes the rename durable
    finally:
        os.close(descriptor)


def save(
    root: Path,
    result: RunResult,
    final: Path,
    keep_existing: Callable[[], bool],
    weights: bytes | None = None,
) -> Path:
    """Write ``result`` as entry folder ``final`` of store ``root``, atomically, and return it.

    Under the entry's lock: ``keep_existing()`` says whether a valid entry is already there (it
    is then kept, never replaced) and moves a corrupt one aside; otherwise a staging folder
    ``.<key>.<random>`` is written completely (with ``weights``, the bytes of a weights.npz, when
    given) and renamed to ``final``.
    """
    version = final.parent.name[1:]
    with writes_to(root):
        final.parent.mkdir(parents=True, exist_ok=True)
        with held_lock(root, version, final.name):
            if keep_existing():
                LOG.info("run %s was stored meanwhile: the stored entry is kept", final)
                return final
            _write_staged(result, final, weights, move_old=None)
    clean_staging(root, final.parent)
    return final


def replace(root: Path, result: RunResult, final: Path, weights: bytes | None) -> Path:
    """Write ``result`` as entry folder ``final`` in place of the entry there, and return it.

    Under the entry's lock the new entry is written completely into a staging folder, the old one
    is moved to ``<root>/replaced/v<version>-<key>-<random>`` (never deleted) and the staging
    folder renamed into place: readers see the old entry, then none for the instant between the
    two renames (a reader reports it missing; a trainer waits for the lock, then finds the new
    one), then the new one.
    """
    version = final.parent.name[1:]
    target = root / REPLACED_DIR / f"v{version}-{final.name}-{uuid.uuid4().hex[:8]}"

    def move_old() -> None:
        if os.path.lexists(final):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(final, target)
            LOG.info("run %s replaced: the old entry is in %s", final, target)

    with writes_to(root):
        final.parent.mkdir(parents=True, exist_ok=True)
        with held_lock(root, version, final.name):
            _write_staged(result, final, weights, move_old)
    clean_staging(root, final.parent)
    return final


def _write_staged(
    result: RunResult, final: Path, weights: bytes | None, move_old: Callable[[], None] | None
) -> None:
    """Write the entry into a staging folder beside ``final`` and rename it to ``final`` (after
    ``move_old()``, when given); the caller holds the entry's lock."""
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}."))
    try:
        os.chmod(staging, 0o755)  # mkdtemp makes it private; entries are for every reader
        write_entry(staging, result, final.name, weights)
        if move_old is not None:
            move_old()
        os.rename(staging, final)  # final is absent: we hold its lock
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _sync_folder(final.parent)


def rescue_dirs() -> list[Path]:
    """Where a run the store cannot take is kept, in order of preference: ``$MLP_RESCUE_DIR``,
    the temporary folder (often another file system than a full disk), the user's cache."""
    candidates = [Path(tempfile.gettempdir()) / "mlp_lab_rescued_runs"]
    candidates.append(Path.home() / ".cache" / "mlp_lab" / "rescued_runs")
    override = os.environ.get("MLP_RESCUE_DIR", "").strip()
    return [Path(override), *candidates] if override else candidates


def rescue(result: RunResult, key: str) -> Path | None:
    """Keep ``result`` as an entry of a store folder of its own (see `rescue_dirs`); its folder, or
    None when no place could take it."""
    version = result.provenance.code_version
    for root in rescue_dirs():
        final = root / f"v{version}" / key
        try:
            return save(root, result, final, keep_existing=final.exists)
        except StoreError as error:
            LOG.warning("could not keep the run in %s either: %s", root, error)
    return None


def save_or_rescue(store: Any, result: RunResult) -> Path:
    """``store.save(result)``; if the store fails, the run is kept by `rescue` and the
    StoreNotWritable raised says where (its ``kept``)."""
    try:
        return Path(store.save(result))
    except StoreError as error:
        final = store.path_for(result.config, result.provenance.code_version)
        kept = rescue(result, final.name)
        if kept is None:
            raise StoreNotWritable("store.kept_nowhere", error=error) from error
        raise StoreNotWritable("store.kept", kept, error=error, folder=final.parent) from error
