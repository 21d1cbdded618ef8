"""Concurrent writers and readers of the run store, in separate processes (`store_stress.py`).

Invariants, over hundreds of rounds: no save or load ever raises; a reader that has read an entry
never gets None for it afterwards (never a needless retrain); exactly one valid entry per config
at the end, a valid one written first is kept, only the corrupt ones were moved aside, and no
staging folder is left behind. Bounded: fails (does not hang) past `LIMIT_SECONDS`.
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import time

from store_stress import config_of, result_of, run_role

from mlp_core.config import CODE_VERSION
from mlp_core.store.run_store import RunStore, verify_entry

ROUNDS = 240
ROLES = ("writer", "writer", "reader", "summary reader")
LIMIT_SECONDS = 50.0


def prepare(store: RunStore) -> tuple[set[int], set[int]]:
    """Rounds whose entry is corrupt before the writers come, and rounds already stored."""
    corrupt, stored = set(range(1, ROUNDS, 3)), set(range(2, ROUNDS, 3))
    for number in corrupt:
        folder = store.path_for(config_of(number), CODE_VERSION)
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text("{}")
        (folder / "arrays.npz").write_bytes(b"garbage")
    for number in stored:
        store.save(result_of(config_of(number), variant=1))
    return corrupt, stored


def run_processes(root: str) -> dict[str, list[dict]]:
    context = multiprocessing.get_context("spawn")  # no fork of a process holding torch threads
    barrier, results = context.Barrier(len(ROLES)), context.Queue()
    processes = [
        context.Process(target=run_role, args=(role, root, ROUNDS, barrier, results))
        for role in ROLES
    ]
    for process in processes:
        process.start()
    outcomes: dict[str, list[dict]] = {}
    deadline = time.monotonic() + LIMIT_SECONDS
    try:
        for _ in processes:
            role, outcome = results.get(timeout=max(0.1, deadline - time.monotonic()))
            outcomes.setdefault(role, []).append(outcome)
    except queue.Empty:
        raise AssertionError(f"the stress test did not finish in {LIMIT_SECONDS:.0f} s") from None
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    return outcomes


def test_concurrent_writers_and_readers_never_fail_nor_lose_an_entry(tmp_path):
    store = RunStore(tmp_path / "store")
    corrupt, stored = prepare(store)
    outcomes = run_processes(str(store.root))
    everything = [outcome for group in outcomes.values() for outcome in group]
    assert [error for outcome in everything for error in outcome["errors"]] == []
    for outcome in outcomes["reader"] + outcomes["summary reader"]:
        assert outcome["lost"] == [] and outcome["none_after_valid"] == 0
        assert outcome["reads"] >= ROUNDS * 4
    for number in range(ROUNDS):
        entry = verify_entry(store.path_for(config_of(number), CODE_VERSION))
        assert entry.best_epoch == (2 if number in stored else 1), number  # the first one kept
    moved = sorted((store.root / "corrupt").iterdir())
    assert len(moved) == len(corrupt)  # each corrupt entry moved once, never a valid copy
    assert all(json.loads((folder / "summary.json").read_text()) == {} for folder in moved)
    assert list(store.root.glob("v*/.*")) == []  # no staging folder left
