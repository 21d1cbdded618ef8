"""The run store under faults: one test per case of issue 13's "Run store" list.

It checks before it trusts (arrays, summaries, keys), ignores what is not an entry, refuses a
read-only or full store before training, keeps a run the store could not take, cleans what killed
writers left, and a sweep recomputes a corrupt entry. Concurrency: `test_store_stress.py`.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from store_faults import (
    MALFORMED,
    TINY,
    CountingTrainer,
    damage_arrays,
    made_up,
    make_read_only,
    write_summary,
)

from mlp_core.config import CODE_VERSION
from mlp_core.store import entry, locks, writing
from mlp_core.store.errors import CorruptEntry, StoreNotWritable, StoreUnavailable
from mlp_core.store.run_store import RunStore, verify_entry

ROOT = Path(__file__).resolve().parent.parent
OTHER = replace(TINY, seed=1)


def corrupt_folders(store: RunStore) -> list[Path]:
    folder = store.root / "corrupt"
    return sorted(folder.iterdir()) if folder.exists() else []


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mlp_core", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


# -- arrays.npz deleted, garbage, with a wrong checksum ---------------------------------------
@pytest.mark.parametrize("how", ["deleted", "garbage", "tampered", "truncated"])
def test_listing_verifies_the_arrays_and_sets_a_damaged_entry_aside(tmp_store, how, caplog):
    damaged = tmp_store.save(made_up(TINY))
    tmp_store.save(made_up(OTHER))
    damage_arrays(damaged, how)
    assert [stored.config for stored in tmp_store.entries()] == [OTHER]
    assert "corrupt run" in caplog.text and "moved to" in caplog.text
    assert not damaged.exists() and len(corrupt_folders(tmp_store)) == 1  # kept, not deleted
    assert not tmp_store.contains(TINY)


def test_the_runs_command_warns_about_a_damaged_entry_instead_of_listing_it(tmp_store):
    damage_arrays(tmp_store.save(made_up(TINY)), "tampered")
    tmp_store.save(made_up(OTHER))
    completed = run_cli("runs", MLP_RUNS_DIR=str(tmp_store.root))
    assert completed.returncode == 0 and "Traceback" not in completed.stderr
    assert "1 runs" in completed.stdout
    assert "checksum" in completed.stderr and "moved to" in completed.stderr


# -- summary.json {} / [] / missing fields -------------------------------------------------------
@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_summary_is_set_aside_never_crashed_on(tmp_store, name):
    folder = tmp_store.save(made_up(TINY))
    summary = json.loads((folder / "summary.json").read_text())
    write_summary(folder, MALFORMED[name](summary))
    with pytest.raises(CorruptEntry, match="summary"):
        verify_entry(folder)
    assert list(tmp_store.entries()) == []  # listing: no crash, nothing listed
    assert len(corrupt_folders(tmp_store)) == 1


@pytest.mark.parametrize("name", ["empty object", "empty list", "no kept_epoch"])
def test_a_cache_hit_on_a_malformed_summary_trains_again(tmp_store, name):
    folder = tmp_store.save(made_up(TINY))
    summary = json.loads((folder / "summary.json").read_text())
    write_summary(folder, MALFORMED[name](summary))
    trainer = CountingTrainer()
    result, from_store = tmp_store.get_or_train(TINY, trainer)
    assert not from_store and trainer.calls == [TINY]
    assert verify_entry(folder).history == result.history


# -- a folder holding another config's files ----------------------------------------------------
def test_a_folder_holding_another_configs_run_is_never_returned(tmp_store):
    seed1 = tmp_store.save(made_up(OTHER, best=2))
    seed0 = tmp_store.path_for(TINY, seed1.parent.name[1:])
    shutil.copytree(seed1, seed0)  # seed 1's files under seed 0's key
    assert tmp_store.load(TINY) is None
    trainer = CountingTrainer()
    result, from_store = tmp_store.get_or_train(TINY, trainer)
    assert not from_store and result.config == TINY and trainer.calls == [TINY]
    assert sorted(e.config.seed for e in tmp_store.entries()) == [0, 1]


def test_a_summary_that_names_another_key_is_corrupt(tmp_store):
    folder = tmp_store.save(made_up(TINY))
    summary = json.loads((folder / "summary.json").read_text())
    write_summary(folder, json.dumps({**summary, "key": "0" * 16}))
    with pytest.raises(CorruptEntry, match="another key"):
        verify_entry(folder)


# -- a stray file such as store/vNOTES.txt -----------------------------------------------------
def test_stray_files_in_the_store_are_ignored(tmp_store):
    tmp_store.save(made_up(TINY))
    (tmp_store.root / "vNOTES.txt").write_text("notes")
    (tmp_store.root / "README").write_text("readme")
    version_dir = next(tmp_store.root.glob("v[0-9]*"))
    (version_dir / "notes.txt").write_text("more notes")
    (version_dir / "old-runs").mkdir()
    assert [stored.config for stored in tmp_store.entries()] == [TINY]
    assert tmp_store.fingerprint()[0] == 1
    completed = run_cli("runs", MLP_RUNS_DIR=str(tmp_store.root))
    assert completed.returncode == 0 and "1 runs" in completed.stdout, completed.stderr
    assert corrupt_folders(tmp_store) == []


# -- a read-only store -----------------------------------------------------------------------
def test_a_read_only_store_is_refused_before_training(tmp_store, monkeypatch):
    tmp_store.save(made_up(OTHER))
    make_read_only(monkeypatch, tmp_store.root)
    trainer = CountingTrainer()
    with pytest.raises(StoreNotWritable, match="read-only") as raised:
        tmp_store.get_or_train(TINY, trainer)
    assert trainer.calls == [] and raised.value.kept is None
    assert tmp_store.load(OTHER) is not None  # reading still works


def test_a_corrupt_entry_in_a_read_only_store_is_missing_not_a_traceback(tmp_store, monkeypatch):
    folder = tmp_store.save(made_up(TINY))
    damage_arrays(folder, "garbage")
    make_read_only(monkeypatch, tmp_store.root)
    assert tmp_store.load(TINY) is None
    assert list(tmp_store.entries()) == []
    assert folder.exists()  # left in place: it cannot be moved


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_store_without_write_permission_is_refused_before_training(tmp_store):
    tmp_store.root.mkdir(parents=True)
    tmp_store.root.chmod(0o555)
    try:
        with pytest.raises(StoreNotWritable, match="permission"):
            tmp_store.get_or_train(TINY, CountingTrainer())
    finally:
        tmp_store.root.chmod(0o755)


# -- a full disk ---------------------------------------------------------------------------------
def test_a_full_disk_is_refused_before_training(tmp_store, monkeypatch):
    usage = shutil.disk_usage(tmp_store.root.parent)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage._replace(free=1000))
    trainer = CountingTrainer()
    with pytest.raises(StoreNotWritable, match="nearly full"):
        tmp_store.get_or_train(TINY, trainer)
    assert trainer.calls == []


def test_a_disk_that_cannot_take_the_probe_is_refused_before_training(tmp_store, monkeypatch):
    def full(path, payload):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(writing, "write_file", full)
    with pytest.raises(StoreNotWritable, match="disk is full"):
        tmp_store.get_or_train(TINY, CountingTrainer())


def test_a_run_finished_when_the_disk_fills_is_kept_and_the_user_told_where(
    tmp_store, tmp_path, monkeypatch
):
    monkeypatch.setenv("MLP_RESCUE_DIR", str(tmp_path / "rescued"))
    store_root, original = tmp_store.root.resolve(), entry.write_file

    def fills_up(path, payload):  # the check before training passed; the disk filled since
        if store_root in Path(path).resolve().parents:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        original(path, payload)

    monkeypatch.setattr(entry, "write_file", fills_up)
    trainer = CountingTrainer()
    with pytest.raises(StoreNotWritable, match="kept in") as raised:
        tmp_store.get_or_train(TINY, trainer)
    kept = raised.value.kept
    assert trainer.calls == [TINY] and kept is not None and str(kept) in str(raised.value)
    assert verify_entry(kept).config == TINY  # a complete, verified entry: copy it back
    assert list(tmp_store.entries()) == [] and list(tmp_store.root.glob("v*/.*")) == []


def test_the_cli_says_in_one_line_that_the_store_cannot_take_a_run(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    (store / f"v{CODE_VERSION}").write_text("")  # its version folder cannot be made: a file
    completed = run_cli("train", "--epochs", "1", "--hidden", "8", MLP_RUNS_DIR=str(store))
    assert completed.returncode == 1 and "Traceback" not in completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and "store error" in lines[0] and str(store) in lines[0]
    assert "epoch" not in completed.stdout  # refused before training


# -- the sweep treats only a verified entry as stored --------------------------------------------
def test_a_sweep_recomputes_a_corrupt_entry(tmp_store):
    from mlp_core.sweep.execution import run_sweep, split_missing

    tmp_store.save(made_up(TINY))
    damage_arrays(tmp_store.save(made_up(OTHER)), "tampered")
    stored, missing = split_missing([TINY, OTHER], tmp_store)
    assert (stored, missing) == ([TINY], [OTHER])
    trainer = CountingTrainer()
    report = run_sweep([TINY, OTHER], tmp_store, train_function=trainer, threads=1)
    assert (report.already_stored, report.trained, trainer.calls) == (1, 1, [OTHER])
    assert sorted(e.config.seed for e in tmp_store.entries()) == [0, 1]


# -- staging folders left by kill -9 ---------------------------------------------------------
def test_stale_staging_folders_are_cleaned_live_ones_kept(tmp_store):
    folder = tmp_store.save(made_up(OTHER))
    version_dir, key, other_key = folder.parent, folder.name, "f" * 16
    stale, young = version_dir / f".{key}.stale", version_dir / f".{key}.young"
    held = version_dir / f".{other_key}.held"
    probe = version_dir / ".probe.0123abcd"
    for path in (stale, young, held):
        path.mkdir()
        (path / "arrays.npz").write_bytes(b"partial")
    probe.write_bytes(b"")
    old = time.time() - 2 * locks.STALE_SECONDS
    for path in (stale, held, probe):
        os.utime(path, (old, old))
    version = version_dir.name[1:]
    with locks.entry_lock(tmp_store.root, version, other_key) as taken:  # a live, slow writer
        assert taken
        tmp_store.check_writable(version)
    assert not stale.exists() and not probe.exists()
    assert young.exists() and held.exists()
    assert [e.key for e in tmp_store.entries()] == [key]  # staging folders are never listed


# -- MLP_RUNS_DIR a file, or empty ------------------------------------------------------------
def test_a_store_path_that_is_a_file_or_empty_is_a_clear_error(tmp_path, monkeypatch):
    a_file = tmp_path / "runs.txt"
    a_file.write_text("")
    for value, message in ((str(a_file), "is a file"), ("", "empty"), ("  ", "empty")):
        monkeypatch.setenv("MLP_RUNS_DIR", value)
        with pytest.raises(StoreUnavailable, match=message):
            RunStore()
        completed = run_cli("runs", MLP_RUNS_DIR=value)
        assert completed.returncode == 1 and "Traceback" not in completed.stderr
        lines = completed.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0] and "store is empty" not in completed.stdout


# -- what the store keeps -----------------------------------------------------------------------
def test_a_valid_entry_is_never_replaced(tmp_store):
    first = made_up(TINY, best=1)
    path = tmp_store.save(first)
    assert tmp_store.save(made_up(TINY, best=2)) == path
    assert verify_entry(path).history == first.history
    assert corrupt_folders(tmp_store) == []


def test_entries_of_a_newer_code_version_are_never_set_aside(tmp_store):
    folder = tmp_store.save(made_up(TINY, version="999"))
    write_summary(folder, '{"written by": "a newer checkout"}')
    assert list(tmp_store.entries()) == []
    assert folder.exists() and corrupt_folders(tmp_store) == []


def test_the_committed_store_verifies_entirely(tmp_path):
    copy = tmp_path / "store"  # a copy: a failure must not move anything of the committed store
    shutil.copytree(ROOT / "runs" / "store", copy)
    store = RunStore(copy)
    folders = [path for path in copy.glob("v*/*") if entry.KEY.fullmatch(path.name)]
    assert len(list(store.entries())) == len(folders) > 0
    assert all(store.load_key(path.name, path.parent.name[1:]) for path in folders)
    assert not (copy / "corrupt").exists()


def test_a_key_that_is_not_a_key_never_leads_outside_the_store(tmp_store):
    tmp_store.save(made_up(TINY))
    for key, version in (("..", None), ("../v2", None), ("0" * 16, "../.."), ("0" * 16, ".")):
        with pytest.raises(ValueError, match="not a store key"):
            tmp_store.load_key(key, version)
    assert [stored.config for stored in tmp_store.entries()] == [TINY]
    assert corrupt_folders(tmp_store) == []
