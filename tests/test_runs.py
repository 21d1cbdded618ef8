"""Run store: cache hits, atomic entries, corruption, code-version changes."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

import mlp_core.config
from mlp_core.config import RunConfig
from mlp_core.engine.train import train
from mlp_core.store.run_store import RunStore, read_entry

TINY = RunConfig(hidden=(16,), batch_size=50, epochs=2, validation_size=200)
CURRENT = mlp_core.config.CODE_VERSION
NEXT = str(int(CURRENT) + 1)


@pytest.fixture
def counting_train(tiny_split):
    calls = []

    def run(config, **options):
        calls.append(config)
        return train(config, split=tiny_split, **options)

    run.calls = calls
    return run


def test_cache_hit_trains_once(tmp_store, counting_train):
    first, from_store_1 = tmp_store.get_or_train(TINY, train=counting_train)
    second, from_store_2 = tmp_store.get_or_train(TINY, train=counting_train)
    assert (from_store_1, from_store_2) == (False, True)
    assert len(counting_train.calls) == 1
    assert second.history == first.history
    assert (second.predictions == first.predictions).all()
    assert second.config == TINY


def test_stored_runs_survive_a_code_version_change(tmp_store, counting_train, monkeypatch):
    old, _ = tmp_store.get_or_train(TINY, train=counting_train)
    old_path = tmp_store.path_for(TINY, CURRENT)
    monkeypatch.setattr(mlp_core.config, "CODE_VERSION", NEXT)
    _new, from_store = tmp_store.get_or_train(
        TINY, train=lambda config, **kw: _with_version(counting_train(config, **kw), NEXT)
    )
    assert not from_store  # the new code computes its own run...
    assert old_path.exists()  # ...and the old one is still there, readable, listed with its version
    assert read_entry(old_path).history == old.history
    versions = sorted(entry.code_version for entry in tmp_store.entries())
    assert versions == sorted([CURRENT, NEXT])
    assert tmp_store.load(TINY, code_version=CURRENT) is not None


def _with_version(result, version):
    return replace(result, provenance=replace(result.provenance, code_version=version))


def test_corrupt_entry_is_reported_moved_aside_and_recomputed(tmp_store, counting_train, caplog):
    tmp_store.get_or_train(TINY, train=counting_train)
    path = tmp_store.path_for(TINY, CURRENT)
    (path / "arrays.npz").write_bytes(b"garbage")
    result, from_store = tmp_store.get_or_train(TINY, train=counting_train)
    assert not from_store and result.status == "finished"
    assert "corrupt run" in caplog.text
    assert (
        len(list((tmp_store.root / "corrupt").iterdir())) == 1
    )  # kept for inspection, not deleted
    assert read_entry(path).history == result.history


def test_half_written_summary_is_skipped_by_the_index(tmp_store, counting_train):
    tmp_store.get_or_train(TINY, train=counting_train)
    broken = tmp_store.root / f"v{CURRENT}" / "0123456789abcdef"
    broken.mkdir()
    (broken / "summary.json").write_text('{"config": ')
    entries = list(tmp_store.entries())
    assert len(entries) == 1 and entries[0].config.hidden == (16,)


def test_cancelled_runs_are_not_stored(tmp_store, tiny_split):
    result, _ = tmp_store.get_or_train(
        TINY, train=lambda c, **kw: train(c, split=tiny_split, should_stop=lambda: True)
    )
    assert result.status == "cancelled"
    assert not tmp_store.contains(TINY)
    with pytest.raises(ValueError, match="cancelled"):
        tmp_store.save(result)


def test_diverged_runs_are_stored_as_diverged(tmp_store, tiny_split):
    config = RunConfig(
        hidden=(16,), epochs=3, validation_size=200, optimizer="sgd", learning_rate=100.0
    )
    result, _ = tmp_store.get_or_train(config, train=lambda c, **kw: train(c, split=tiny_split))
    assert result.status == "diverged"
    summary = json.loads((tmp_store.path_for(config, CURRENT) / "summary.json").read_text())
    assert summary["status"] == "diverged"
    assert next(tmp_store.entries()).status == "diverged"


def test_summary_is_readable_json_with_provenance(tmp_store, counting_train):
    tmp_store.get_or_train(TINY, train=counting_train)
    summary = json.loads((tmp_store.path_for(TINY, CURRENT) / "summary.json").read_text())
    assert summary["config"]["hidden"] == [16]
    assert {"torch", "device", "date", "seconds", "code_version"} <= set(summary["provenance"])


def test_default_store_follows_environment(tmp_store):
    assert RunStore().root == tmp_store.root


@pytest.mark.slow
def test_a_committed_run_is_reproduced_by_this_code():
    """Retrain a committed run of the current code version: on the machine and thread count that
    computed it the history is identical; elsewhere (other CPU kernels round differently) close."""
    import torch
    from conftest import ROOT

    from mlp_core.engine.train import device_name, resolve_device

    config = RunConfig(hidden=(100,))
    stored = RunStore(ROOT / "runs" / "store").load(config)
    assert stored is not None, "the committed store lacks the current code version's 784-100-10 run"
    fresh = train(config, device="cpu")
    compared = ("train_loss", "train_error", "eval_loss", "eval_error", "learning_rate")
    same_machine = stored.provenance.device_name == device_name(resolve_device("cpu")) and (
        stored.provenance.threads == torch.get_num_threads()
    )
    for column in compared:
        if same_machine:
            assert fresh.history[column] == stored.history[column], column
        else:
            assert fresh.history[column] == pytest.approx(stored.history[column], abs=5e-3)
    if same_machine:
        assert (fresh.predictions == stored.predictions).all()
