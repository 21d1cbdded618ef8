"""What can go wrong with the run store, as exceptions that carry a message for the user.

Every one is a `StoreError`: a problem of the environment (the command line exits 1 with its
message), never of the user's input. No torch here.
"""

from __future__ import annotations

from pathlib import Path

from mlp_core.errors import Coded, register


class StoreError(RuntimeError):
    """The run store cannot do what was asked; the message says why and what to do."""


class StoreUnavailable(StoreError):
    """The store's folder cannot be used at all (``MLP_RUNS_DIR`` empty, or a file)."""


class StoreNotWritable(StoreError):
    """The store is read-only or its disk is full.

    Attributes
    ----------
    kept : Path or None
        Where a finished run that could not be stored was kept instead (a store folder of its
        own), or None when nothing was computed yet (the check before training).
    """

    def __init__(self, message: str, kept: Path | None = None) -> None:
        super().__init__(message)
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


MESSAGES = register(
    {
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


class WeightsUnavailable(Coded, StoreError):
    """A stored run's weights cannot be used: stored without them, or their file fails its checks
    (codes ``weights.*``: `MESSAGES`).

    The run's predictions are not affected (they have their own checksum); the message names the
    run and the reason.
    """
