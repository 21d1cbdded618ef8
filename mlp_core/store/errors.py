"""What can go wrong with the run store, as exceptions that carry a message for the user.

Every one is a `StoreError`: a problem of the environment (the command line exits 1 with its
message), never of the user's input. Those a page may show carry a code (`mlp_core.errors.Coded`,
`MESSAGES`), so that the app says them in its reader's language. No torch here.
"""

from __future__ import annotations

from pathlib import Path

from mlp_core.errors import Coded, register

#: English texts of the store's errors and of the reasons they give (`mlp_core.errors`).
MESSAGES = register(
    {
        "store.empty_variable": (
            "MLP_RUNS_DIR is set but empty: unset it (the store is then runs/store) or give a "
            "folder"
        ),
        "store.empty_path": "the run store folder is an empty path",
        "store.is_file": "the run store {root} is a file, not a folder (check MLP_RUNS_DIR)",
        "store.locked": (
            "entry {key} of {root} has been locked by another process for over {seconds:.0f} s "
            "(a stopped writer?); try again later"
        ),
        "store.not_writable": (
            "the run store {root} cannot store runs: {reason}. To store runs, make it writable "
            "or point MLP_RUNS_DIR at another folder"
        ),
        "store.not_writable_full": (
            "the run store {root} cannot store runs: {reason}. To store runs, free some space "
            "or point MLP_RUNS_DIR at another folder"
        ),
        "store.kept": (
            "{error}. The finished run was kept in {kept}: copy that folder into {folder} once "
            "the store can take it"
        ),
        "store.kept_nowhere": "{error}; the finished run could not be kept anywhere else either",
        # why a store cannot take a run (the {reason} above)
        "store.disk_full": "its disk is full",
        "store.nearly_full": (
            "its disk is nearly full ({free:.1f} MiB free, a run needs {needed:.0f} MiB)"
        ),
        "store.read_only": "it is on a read-only file system",
        "store.permission": "permission denied ({file})",
        "store.permission_somewhere": "permission denied (a file in it)",
        "store.os_error": "{reason} ({file})",
        "store.os_error_somewhere": "{reason} (a file in it)",
        "store.corrupt_stuck": "cannot move the corrupt entry {name} aside",
        # a stored run's weights (WeightsUnavailable)
        "weights.none": "run {run} was stored without its weights",
        "weights.missing": "run {run}: summary.json records weights but weights.npz is missing",
        "weights.checksum": (
            "run {run}: weights.npz does not match the checksum in summary.json (changed or "
            "damaged since it was stored), so it is not used"
        ),
        "weights.file": "run {run}: weights.npz cannot be used: {problem}",
        "weights.no_run": "no run {key} in the store {root} (or a corrupt one)",
        "weights.unreadable": "cannot read the run {key}: {reason}",
    }
)
#: The reasons that mean "free some space" rather than "make it writable".
FULL_DISK_CODES = frozenset({"store.disk_full", "store.nearly_full"})


class StoreError(RuntimeError):
    """The run store cannot do what was asked; the message says why and what to do."""


class StoreUnavailable(Coded, StoreError):
    """The store's folder cannot be used at all (``MLP_RUNS_DIR`` empty, or a file)."""


class StoreLocked(Coded, StoreError):
    """An entry stayed locked by another process for longer than a writer waits."""


class StoreNotWritable(Coded, StoreError):
    """The store is read-only or its disk is full.

    Parameters
    ----------
    code : str
        ``store.not_writable``, ``store.not_writable_full``, ``store.kept`` or
        ``store.kept_nowhere``.
    kept : Path or None
        See Attributes.
    **params
        The fields of the code's template.

    Attributes
    ----------
    kept : Path or None
        Where a finished run that could not be stored was kept instead (a store folder of its
        own), or None when nothing was computed yet (the check before training).
    """

    def __init__(self, code: str, kept: Path | None = None, **params: object) -> None:
        # kept travels in the params, so that the error survives pickling (a sweep's worker).
        super().__init__(code, kept=kept, **params)
        self.kept = kept


class CorruptEntry(StoreError):
    """A stored entry that cannot be read back as it was written.

    Attributes
    ----------
    identity : tuple of int, or None
        (device, inode) of the entry folder that was read, so that only that folder is ever moved
        aside (not a valid one another process renamed into its place meanwhile).
    """

    def __init__(self, message: str, identity: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.identity = identity


class WeightsUnavailable(Coded, StoreError):
    """A stored run's weights cannot be used: stored without them, or their file fails its checks
    (codes ``weights.*``: `MESSAGES`).

    The run's predictions are not affected (they have their own checksum); the message names the
    run and the reason.
    """
