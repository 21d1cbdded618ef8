"""One writer per store entry: an advisory lock file per (code version, key), and the cleaning of
staging folders that a killed writer left behind.

``<root>/.locks/v<version>-<key>.lock`` is locked with ``fcntl.flock`` by whoever writes that entry
or moves it aside; the operating system releases it when its holder dies, so a lock is never stale
(the empty files stay: deleting a lock file while another process waits on it would let two
writers in). Readers take no lock. On a system without ``fcntl`` (Windows) locking is a no-op and
only the atomic rename of complete folders protects the store.

A writer holds its entry's lock for as long as its staging folder ``.<key>.<random>`` exists, so a
staging folder whose lock is free and that is older than `STALE_SECONDS` belongs to a dead writer.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlp_core.store.errors import StoreLocked

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOG = logging.getLogger(__name__)
LOCK_DIR = ".locks"
#: Seconds after which a staging folder (or probe file) nobody holds is removed.
STALE_SECONDS = 300.0
#: Seconds a writer waits for another one's lock (writing an entry takes milliseconds).
LOCK_TIMEOUT_SECONDS = 60.0
#: Leftovers of writers: staging folders ``.<key>.<random>`` and probe files ``.probe.<random>``.
STAGING = re.compile(r"\.(?P<key>[0-9a-f]{16})\.[A-Za-z0-9_]+|\.probe\.[A-Za-z0-9_]+")


def lock_path(root: Path, version: str, key: str) -> Path:
    """The lock file of entry ``key`` of code version ``version`` in store ``root``."""
    return root / LOCK_DIR / f"v{version}-{key}.lock"


@contextmanager
def entry_lock(
    root: Path, version: str, key: str, timeout: float = LOCK_TIMEOUT_SECONDS
) -> Iterator[bool]:
    """Hold the lock of an entry; yields True once held, False if still taken after ``timeout``
    seconds (``timeout=0``: one try). OSError if the lock file cannot be created (read-only)."""
    path = lock_path(root, version, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        yield _acquire(descriptor, timeout)
    finally:
        os.close(descriptor)  # closing the descriptor releases the lock


def _acquire(descriptor: int, timeout: float) -> bool:
    if fcntl is None:  # pragma: no cover - Windows
        return True
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)


@contextmanager
def held_lock(root: Path, version: str, key: str) -> Iterator[None]:
    """`entry_lock`, waiting up to `LOCK_TIMEOUT_SECONDS`; StoreLocked if it never comes free."""
    with entry_lock(root, version, key) as held:
        if not held:
            raise StoreLocked("store.locked", key=key, root=root, seconds=LOCK_TIMEOUT_SECONDS)
        yield


def clean_staging(root: Path, version_dir: Path, max_age: float = STALE_SECONDS) -> int:
    """Remove the leftovers of dead writers in ``version_dir``; returns how many were removed.

    A staging folder goes only if it is older than ``max_age`` seconds and nobody holds its
    entry's lock (a live writer always does). Errors are logged, never raised: cleaning is a
    courtesy, not part of any write.
    """
    removed = 0
    now = time.time()
    version = version_dir.name[1:]
    for path in version_dir.glob(".*"):
        match = STAGING.fullmatch(path.name)
        try:
            if match is None or now - path.lstat().st_mtime < max_age:
                continue
            if match["key"] is None:
                path.unlink()
            else:
                with entry_lock(root, version, match["key"], timeout=0) as held:
                    if not held:
                        continue
                    shutil.rmtree(path)
            removed += 1
            LOG.info("removed %s, left by a writer that died", path)
        except OSError as error:
            LOG.warning("could not remove the leftover %s: %s", path, error)
    return removed
