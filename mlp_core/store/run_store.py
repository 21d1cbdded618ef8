"""The run store: every finished run kept, found again by its config, never lost by a code edit.

Layout (``runs/store`` in the checkout, or ``$MLP_RUNS_DIR``)::

    store/v<code version>/<key>/   one entry (`mlp_core.store.entry`: summary.json, arrays.npz,
                                   weights.npz when the run kept its weights)
    store/.locks/                  one lock file per entry ever written (`mlp_core.store.locks`)
    store/corrupt/                 entries that failed verification, moved aside (never deleted)
    store/replaced/                entries replaced by a new run of their config (`RunStore.replace`)

``key = run_key(config, code_version)``. Asking again for a stored configuration returns at once.
A run computed by an older code version stays where it is and is listed with its version; asking for
the same config under the current version trains it anew beside the old one.

Why not ``joblib.Memory``: it keys on the decorated function's source and *clears its whole cache
directory when that source changes*, and it pickles results, tying them to class paths. Committed
results must survive edits, so the key is explicit (config + `CODE_VERSION`) and the files are plain
JSON and NumPy arrays.

Trust nothing unchecked, lose nothing: every read verifies the entry (`entry.read_summary`,
`entry.verify_entry`); a corrupt one is logged, moved to ``corrupt/`` and reported missing (so it is
recomputed). Concurrent processes are safe by design: a writer holds its entry's lock, writes a
complete staging folder and renames it into place; it never replaces a valid entry (but in
`RunStore.replace`, which moves the old one to ``replaced/``), and moves a corrupt one aside only
under the lock. Readers take no lock; before moving aside an entry they found
corrupt they take its lock and check that the folder is still the one they read. A read-only or full
store is detected before training (`RunStore.check_writable`); a run finished when the store fails
anyway is kept in a store of its own (`mlp_core.store.writing.rescue`) and the error says where.

This module never imports torch: the trainer is passed to `RunStore.get_or_train`, so pages read the
store cheaply.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import mlp_core.config
from mlp_core.config import RunConfig, run_key
from mlp_core.errors import CodedText
from mlp_core.results import RunResult
from mlp_core.store import corrupt, writing
from mlp_core.store.entry import KEY, CorruptEntry, StoredRun, read_summary
from mlp_core.store.entry import read_entry as read_entry  # re-exported: the old name
from mlp_core.store.entry import verify_entry as verify_entry  # re-exported for readers
from mlp_core.store.errors import StoreUnavailable, WeightsUnavailable
from mlp_core.store.weights import Policy, encode_weights, keep_none, read_weights
from mlp_core.weights import ModelWeights

LOG = logging.getLogger(__name__)
Entry = TypeVar("Entry", RunResult, StoredRun)
REPO_ROOT = Path(__file__).resolve().parents[2]
#: What a code version may look like in a folder name (``v<version>``).
VERSION = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def current_code_version() -> str:
    """The engine's `mlp_core.config.CODE_VERSION`, read now (no torch)."""
    return mlp_core.config.CODE_VERSION


def default_store_dir() -> Path:
    """``$MLP_RUNS_DIR`` if set, else ``runs/store`` in the checkout.

    StoreUnavailable when ``MLP_RUNS_DIR`` is set but empty (it would make the current folder the
    store).
    """
    value = os.environ.get("MLP_RUNS_DIR")
    if value is None:
        return REPO_ROOT / "runs" / "store"
    if not value.strip():
        raise StoreUnavailable("store.empty_variable")
    return Path(value)


class RunStore:
    """Finished runs on disk, keyed by (config, code version).

    Parameters
    ----------
    root : Path, optional
        Store folder (created on the first save); default `default_store_dir()`.
    keep_weights : callable, optional
        ``config -> bool``: whether a saved run of that config keeps its weights (when its result
        has them). Default `mlp_core.store.weights.keep_none`; the app passes
        `mlp_core.store.weights.small_enough`, ``--keep-weights`` `mlp_core.store.weights.keep_all`.

    Raises
    ------
    StoreUnavailable
        ``root`` exists and is not a folder, or ``MLP_RUNS_DIR`` is set but empty.
    """

    def __init__(self, root: Path | str | None = None, keep_weights: Policy = keep_none) -> None:
        self.keep_weights = keep_weights
        if root is not None and not str(root).strip():
            raise StoreUnavailable("store.empty_path")
        self.root = Path(root) if root is not None else default_store_dir()
        if self.root.exists() and not self.root.is_dir():
            raise StoreUnavailable("store.is_file", root=self.root)

    # -- paths --------------------------------------------------------------------------------
    def path_for(self, config: RunConfig, code_version: str) -> Path:
        """The folder of ``config``'s entry under ``code_version``."""
        return self._folder(run_key(config, code_version), code_version)

    def _folder(self, key: str, code_version: str | None) -> Path:
        """The folder of entry ``key``; ValueError for anything but a key and a version name (a
        reader must never be led outside the store, nor to move a folder that is not an entry)."""
        version = code_version or current_code_version()
        if KEY.fullmatch(key) is None or VERSION.fullmatch(version) is None:
            raise ValueError(f"not a store key and code version: {key!r}, {version!r}")
        return self.root / f"v{version}" / key

    # -- reading ------------------------------------------------------------------------------
    def load(self, config: RunConfig, code_version: str | None = None) -> RunResult | None:
        """The verified stored result of ``config`` (current code version by default), or None.

        A corrupt entry is logged, moved to ``<root>/corrupt/`` and reported as missing.
        """
        version = code_version or current_code_version()
        return self.load_key(run_key(config, version), version)

    def load_key(self, key: str, code_version: str | None = None) -> RunResult | None:
        """The verified stored result under store ``key`` (current code version by default), or
        None. A corrupt entry is logged, moved to ``<root>/corrupt/`` and reported as missing."""
        return self._read(self._folder(key, code_version), verify_entry)

    def stored(self, config: RunConfig, code_version: str | None = None) -> StoredRun | None:
        """The verified summary of ``config``'s entry (arrays checked, not decoded), or None."""
        version = code_version or current_code_version()
        return self._read(self._folder(run_key(config, version), version), read_summary)

    def load_weights(
        self, key: str, code_version: str | None = None
    ) -> tuple[StoredRun, ModelWeights]:
        """(the verified entry under store ``key``, its verified weights), read from one folder.

        WeightsUnavailable naming the run and the reason: no such entry (a corrupt one is moved
        aside, as by every reader), stored without weights, or weights that fail their checks
        (`mlp_core.store.weights.read_weights`).
        """
        folder = self._folder(key, code_version)
        try:
            if self._read(folder, read_summary) is not None:
                return read_weights(folder)
        except (FileNotFoundError, CorruptEntry):
            pass  # replaced or removed between the two reads: as if absent
        except OSError as error:
            raise WeightsUnavailable("weights.unreadable", key=key, reason=str(error)) from error
        raise WeightsUnavailable("weights.no_run", key=key, root=str(self.root))

    def contains(self, config: RunConfig, code_version: str | None = None) -> bool:
        """Whether a verified entry of ``config`` exists (a corrupt one is moved aside: False)."""
        return self.stored(config, code_version) is not None

    def entries(self) -> Iterator[StoredRun]:
        """Every verified entry, all code versions, in folder order.

        Corrupt entries are logged and moved aside (`quarantine`); anything that is not an entry
        (a stray file such as ``vNOTES.txt``, hidden staging folders, ``corrupt/``) is ignored.
        """
        for version_dir in self._version_dirs():
            try:
                paths = sorted(version_dir.iterdir())
            except OSError as error:
                LOG.warning("cannot list %s: %s", version_dir, error)
                continue
            for path in paths:
                if KEY.fullmatch(path.name) is None:
                    continue  # staging folders, notes, anything that is not an entry
                stored = self._read(path, read_summary)
                if stored is not None:
                    yield stored

    def fingerprint(self) -> tuple[int, float]:
        """(number of entry folders, newest modification time): changes whenever the store does."""
        count, newest = 0, 0.0
        for version_dir in self._version_dirs():
            try:
                newest = max(newest, version_dir.stat().st_mtime)
                count += sum(1 for path in version_dir.iterdir() if KEY.fullmatch(path.name))
            except OSError:
                continue
        return count, newest

    def _version_dirs(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(path for path in self.root.glob("v*") if path.is_dir())

    def _read(self, folder: Path, reader: Callable[[Path], Entry]) -> Entry | None:
        """``reader(folder)`` (`verify_entry` or `read_summary`); None when missing or corrupt.

        A corrupt folder is moved aside; if another process replaced it meanwhile, the new one is
        read instead (a valid entry is never moved aside).
        """
        for _ in range(3):
            try:
                return reader(folder)
            except FileNotFoundError:
                return None
            except OSError as error:  # e.g. no permission to open the folder: not its content
                LOG.warning("cannot read the run %s: %s", folder, error)
                return None
            except CorruptEntry as error:
                if not self._set_aside(folder, error):
                    return None
        return None

    # -- corrupt entries (`mlp_core.store.corrupt`) -------------------------------------------
    def _set_aside(self, folder: Path, error: CorruptEntry) -> bool:
        """Move a corrupt ``folder`` aside; True when it was replaced meanwhile (read it again)."""
        return corrupt.set_aside(self.root, folder, error, current_code_version())

    def quarantine(self, path: Path, reason: str) -> Path | None:
        """Move a corrupt entry to ``<root>/corrupt/`` (`mlp_core.store.corrupt.quarantine`)."""
        return corrupt.quarantine(self.root, path, reason)

    # -- writing ------------------------------------------------------------------------------
    def check_writable(self, code_version: str | None = None) -> None:
        """Make sure a run can be stored, before training it: StoreNotWritable (with the reason and
        the folder) when the store is read-only or its disk is (nearly) full. Also removes what
        dead writers left behind."""
        writing.check_writable(self.root, code_version or current_code_version())

    def save(self, result: RunResult) -> Path:
        """Store ``result`` atomically and return its folder. Cancelled runs are refused.

        A valid entry of the same key is kept as it is (another process stored it first); a corrupt
        one is moved aside. StoreNotWritable when the store is read-only or full.
        """
        if result.status == "cancelled":
            raise ValueError("a cancelled run is not a result: it is never stored")
        version = result.provenance.code_version
        final = self.path_for(result.config, version)

        def keep_existing() -> bool:
            try:
                read_summary(final)
                return True
            except FileNotFoundError:
                return False
            except CorruptEntry as error:
                if self.quarantine(final, str(error)) is None:
                    reason = CodedText("store.corrupt_stuck", name=final.name)
                    raise writing.not_writable(self.root, reason) from error
                return False

        return writing.save(self.root, result, final, keep_existing, self._weights_file(result))

    def replace(self, result: RunResult) -> Path:
        """Store ``result`` in place of the stored entry of its config (`writing.replace`: the old
        one goes to ``<root>/replaced/``, never deleted); its folder. For a run trained again to
        keep what the first did not, its weights (``weights keep``)."""
        if result.status == "cancelled":
            raise ValueError("a cancelled run is not a result: it is never stored")
        final = self.path_for(result.config, result.provenance.code_version)
        return writing.replace(self.root, result, final, self._weights_file(result))

    def _weights_file(self, result: RunResult) -> bytes | None:
        """The weights.npz of ``result`` when it has weights and the policy keeps them."""
        if result.weights is None or not self.keep_weights(result.config):
            return None
        return encode_weights(result.weights)

    def get_or_train(
        self,
        config: RunConfig,
        train: Callable[..., RunResult],
        **train_options: Any,
    ) -> tuple[RunResult, bool]:
        """(result, from_store): the stored run of ``config``, or a new one trained and stored.

        ``train(config, **train_options)`` computes a missing run (`mlp_core.engine.train.train`:
        the store never imports the engine, so reading it needs no torch). The store is checked to
        be writable before training (StoreNotWritable otherwise); if storing fails anyway, the run
        is kept in a store of its own and the StoreNotWritable raised says where. Cancelled runs
        are returned but not stored. The result comes without its weights (`load_weights` reads
        those the store kept): a page's job queue must not hold every trained model.
        """
        stored = self.load(config)
        if stored is not None:
            return stored, True
        self.check_writable()
        result = train(config, **train_options)
        if result.status != "cancelled":
            writing.save_or_rescue(self, result)
        return replace(result, weights=None), False
