"""Corrupt run-store entries: moved aside into ``<root>/corrupt/``, never deleted, never a valid one.

A reader that finds an entry corrupt takes the entry's lock and checks that the folder is still the
one it read (a writer may have renamed a new entry into its place meanwhile) before moving it; a
read-only store leaves it in place, logged. No torch here.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

from mlp_core.config import version_order
from mlp_core.store.entry import CorruptEntry, folder_identity
from mlp_core.store.locks import entry_lock

LOG = logging.getLogger("mlp_core.store.run_store")  # the store's one log
CORRUPT_DIR = "corrupt"
#: Seconds a reader waits for a writer's lock before it gives up moving a corrupt entry aside.
READER_LOCK_SECONDS = 10.0


def set_aside(root: Path, folder: Path, error: CorruptEntry, code_version: str) -> bool:
    """Move the corrupt entry ``folder`` of the store ``root`` aside, under its lock; True when a
    writer replaced it meanwhile (read it again). Entries of a code version newer than
    ``code_version`` (the running one) are left as they are."""
    version = folder.parent.name[1:]
    if version_order(version) > version_order(code_version):
        LOG.warning("skipping %s (%s): written by a newer code version, left as is", folder, error)
        return False
    try:
        with entry_lock(root, version, folder.name, READER_LOCK_SECONDS) as held:
            identity = folder_identity(folder)
            if not held:
                LOG.warning("skipping corrupt run %s (%s): another process holds it", folder, error)
            elif identity is not None and identity != error.identity:
                return True  # a writer renamed a new entry into its place: read that one
            elif identity is not None:
                quarantine(root, folder, str(error))
    except OSError as problem:  # e.g. a read-only store: nothing can be moved
        LOG.warning(
            "corrupt run %s (%s): left in place, cannot lock it (%s)", folder, error, problem
        )
    return False  # moved aside now or by another reader, or left: missing either way


def quarantine(root: Path, path: Path, reason: str) -> Path | None:
    """Move a corrupt entry to ``<root>/corrupt/`` (never delete it), log why and return its new
    place; None (logged) when it cannot be moved, e.g. in a read-only store.

    The caller holds the entry's lock (`mlp_core.store.locks.entry_lock`).
    """
    target = root / CORRUPT_DIR / f"{path.parent.name}-{path.name}-{uuid.uuid4().hex[:8]}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(path, target)
    except OSError as error:
        LOG.warning("corrupt run %s (%s): cannot move it aside: %s", path, reason, error)
        return None
    LOG.warning("corrupt run %s (%s): moved to %s", path, reason, target)
    return target
