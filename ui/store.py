"""Cached reading of the run store for pages (widget memory lives in `ui.memory`).

Reading hundreds of ``summary.json`` files on every rerun would make pages sluggish, so the readers
here are cached on the store's fingerprint (entry count, newest change): a new run invalidates them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import streamlit as st

from mlp_core.config import RunConfig
from mlp_core.machine import training_device
from mlp_core.results import RunResult
from mlp_core.store.entry import StoredRun
from mlp_core.store.index import index_frame
from mlp_core.store.run_store import RunStore
from mlp_core.store.run_store import (
    current_code_version as current_code_version,  # re-exported for pages
)
from mlp_core.sweep.estimate import estimate_seconds, throughput


def store() -> RunStore:
    """The run store (``$MLP_RUNS_DIR`` or ``runs/store``), read afresh on every call."""
    return RunStore()


@st.cache_data(show_spinner=False, max_entries=4)
def _runs(root: str, fingerprint: tuple[int, float]) -> list[StoredRun]:
    return list(RunStore(Path(root)).entries())


def runs() -> list[StoredRun]:
    """The store's verified entries (`RunStore.entries`: typed, no arrays), cached until the store
    changes."""
    run_store = store()
    return _runs(str(run_store.root), run_store.fingerprint())


@st.cache_data(show_spinner=False, max_entries=4)
def _index(root: str, fingerprint: tuple[int, float]) -> pd.DataFrame:
    return index_frame(_runs(root, fingerprint))


def index() -> pd.DataFrame:
    """`index_frame` of the store (one row per entry, its ``config`` column the RunConfig),
    cached until the store changes."""
    run_store = store()
    return _index(str(run_store.root), run_store.fingerprint())


def runs_by_key() -> dict[str, StoredRun]:
    """`runs` by store key (keys differ between code versions)."""
    return {entry.key: entry for entry in runs()}


def is_run_key(text: str) -> bool:
    """Whether ``text`` looks like a store key (16 lowercase hex digits), e.g. from a URL."""
    return re.fullmatch(r"[0-9a-f]{16}", text) is not None


def stored_result(key: str, code_version: str | None = None) -> RunResult | None:
    """The stored run with store key ``key`` (current code version by default), or None.

    Anything but a well-formed key (a URL can carry any text) is None, never a path.
    """
    if not is_run_key(key):
        return None
    return store().load_key(key, code_version)


def device_name() -> tuple[str, str]:
    """(device type, device name) training will use here, named as `train.provenance` names it.

    Known without importing torch (`mlp_core.machine.training_device`), so that the report pages
    showing cost estimates stay light.
    """
    return training_device()


def cost_estimate(config: RunConfig) -> tuple[float, float, int]:
    """(seconds per epoch, total seconds, stored runs the speed comes from; 0 = default speed)."""
    device, name = device_name()
    entries = runs()
    basis = sum(1 for e in entries if e.provenance.device_name == name and e.provenance.seconds)
    flops = throughput(entries, name, device)
    total = estimate_seconds(config, flops, device)
    return total / config.epochs, total, basis
