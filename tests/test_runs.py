"""Run store: cache hits, atomic entries, corruption, code-version changes."""

from __future__ import annotations

import json

import pytest

from mlp_core import train as train_module
from mlp_core.config import RunConfig
from mlp_core.runs import RunStore, index_records, read_entry
from mlp_core.train import train

TINY = RunConfig(hidden=(16,), batch_size=50, epochs=2, validation_size=200)


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
    old_path = tmp_store.path_for(TINY, "1")
    monkeypatch.setattr(train_module, "CODE_VERSION", "2")
    _new, from_store = tmp_store.get_or_train(
        TINY, train=lambda config, **kw: _with_version(counting_train(config, **kw), "2")
    )
    assert not from_store  # the new code computes its own run...
    assert old_path.exists()  # ...and the old one is still there, readable, listed with its version
    assert read_entry(old_path).history == old.history
    versions = sorted(row["code_version"] for row in index_records(tmp_store))
    assert versions == ["1", "2"]
    assert tmp_store.load(TINY, code_version="1") is not None


def _with_version(result, version):
    result.provenance["code_version"] = version
    return result


def test_corrupt_entry_is_reported_moved_aside_and_recomputed(tmp_store, counting_train, caplog):
    tmp_store.get_or_train(TINY, train=counting_train)
    path = tmp_store.path_for(TINY, "1")
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
    broken = tmp_store.root / "v1" / "0123456789abcdef"
    broken.mkdir()
    (broken / "summary.json").write_text('{"config": ')
    rows = index_records(tmp_store)
    assert len(rows) == 1 and rows[0]["hidden"] == "16"


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
    summary = json.loads((tmp_store.path_for(config, "1") / "summary.json").read_text())
    assert summary["status"] == "diverged"
    assert index_records(tmp_store)[0]["status"] == "diverged"


def test_summary_is_readable_json_with_provenance(tmp_store, counting_train):
    tmp_store.get_or_train(TINY, train=counting_train)
    summary = json.loads((tmp_store.path_for(TINY, "1") / "summary.json").read_text())
    assert summary["config"]["hidden"] == [16]
    assert {"torch", "device", "date", "seconds", "code_version"} <= set(summary["provenance"])


def test_default_store_follows_environment(tmp_store):
    assert RunStore().root == tmp_store.root
