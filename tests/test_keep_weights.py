"""Committed runs get their weights: which runs, their retraining into the store, the command, and
that stored weights reproduce stored predictions (on a temporary store with small real runs, and on
every committed run that has weights)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from conftest import ROOT
from synthetic_runs import stored_run

from mlp_core.cli.main import main
from mlp_core.config import RunConfig
from mlp_core.data.files import DataError, read_verified
from mlp_core.engine.train import train
from mlp_core.report.weight_targets import FACTORIAL_SPEC, SOFTMAX, panel_bests, weight_targets
from mlp_core.store.entry import WEIGHTS
from mlp_core.store.run_store import RunStore
from mlp_core.store.weights import keep_all
from mlp_core.sweep.execution import FixedSplit
from mlp_core.sweep.keep_weights import check_weights, retrain_with_weights
from mlp_core.sweep.spec import expand, load_spec
from mlp_core.weights import agrees, predict_in_batches

TINY = RunConfig(hidden=(16,), epochs=2, validation_size=200)


def test_the_targets_are_the_runs_the_pages_need():
    factorial = expand(load_spec(FACTORIAL_SPEC))
    adam_relu = [c for c in factorial if (c.optimizer, c.activation) == ("adam", "relu")][:2]
    sgd_tanh = next(c for c in factorial if (c.optimizer, c.activation) == ("sgd", "tanh"))
    entries = [
        stored_run(RunConfig(hidden=(1024, 1024), epochs=50), 60, "a" * 16),  # best validation
        stored_run(adam_relu[0], 120, "b" * 16),
        stored_run(adam_relu[1], 110, "c" * 16),  # the better of its panel
        stored_run(sgd_tanh, 300, "d" * 16),
        stored_run(SOFTMAX, 727, "e" * 16),
    ]
    targets = weight_targets(entries, "2")
    roles = {target.role: target for target in targets}
    assert [t.role for t in targets[:7]] == [
        *(
            f"handout, {split}, seed {seed}"
            for split in ("validation", "test")
            for seed in (0, 1, 2)
        ),
        "softmax regression",
    ]
    assert roles["softmax regression"].stored.key == "e" * 16
    assert roles["final model"].config == RunConfig(hidden=(1024, 1024), epochs=50, split="test")
    assert roles["final model"].stored is None  # not trained yet: `weights keep` trains it
    assert roles["best of adam x relu"].config == adam_relu[1]
    assert roles["best of sgd x tanh"].config == sgd_tanh
    assert len({target.config for target in targets}) == len(targets)
    assert panel_bests(entries, factorial)[0].config == adam_relu[1]


@pytest.fixture
def stored_without_weights(tmp_path, tiny_split):
    root = tmp_path / "store"
    RunStore(root).save(train(TINY, split=tiny_split))
    store = RunStore(root, keep_weights=keep_all)
    return store, next(store.entries())


def test_a_run_is_trained_again_with_its_weights_and_replaces_its_entry(
    stored_without_weights, tiny_split
):
    store, old = stored_without_weights
    calls = []

    def counting(config, **options):
        calls.append(config)
        return train(config, **options)

    targets = [("asked", old.config, old)]
    failed = retrain_with_weights(
        targets, store, split_provider=FixedSplit(tiny_split), train_function=counting
    )
    assert failed == [] and calls == [TINY]
    new, _ = store.load_weights(old.key)
    assert new.provenance.extra["replaces"]["date"] == old.provenance.date
    assert new.provenance.extra["replaces"]["eval_errors"] == old.metrics.eval_errors
    assert len(list((store.root / "replaced").iterdir())) == 1
    # Run again: the run has its weights now, nothing is trained (an interrupted pass resumes).
    retrain_with_weights(
        [("asked", old.config, new)], store, split_provider=FixedSplit(tiny_split),
        train_function=counting,
    )  # fmt: skip
    assert calls == [TINY]


def test_a_retraining_that_diverges_leaves_the_entry_as_it_was(stored_without_weights, tiny_split):
    store, old = stored_without_weights

    def diverging(config, **options):
        return replace(train(config, **options), status="diverged", weights=None)

    failed = retrain_with_weights(
        [("asked", old.config, old)], store, split_provider=FixedSplit(tiny_split),
        train_function=diverging,
    )  # fmt: skip
    assert len(failed) == 1 and "diverged" in failed[0]
    assert not (old.path / WEIGHTS).exists() and store.load_key(old.key) is not None


def test_the_command_lists_the_runs_with_their_size_and_cost(tmp_store, tiny_split, capsys):
    key = tmp_store.save(train(TINY, split=tiny_split)).name
    assert main(["weights", "keep", "--dry-run"]) == 0
    listing = capsys.readouterr().out
    assert (
        "handout, test, seed 0" in listing and "train (new)" in listing and "MB in all" in listing
    )
    assert main(["weights", "keep", key, "--dry-run"]) == 0
    assert "asked" in (out := capsys.readouterr().out) and "retrain" in out and key in out
    assert main(["weights", "keep", key, "--budget-mb", "0.001"]) == 1
    assert "over --budget-mb" in capsys.readouterr().out
    assert main(["weights", "keep", "f" * 16, "--dry-run"]) == 2  # not a stored run


def test_the_command_trains_checks_and_stores(tmp_store, tiny_split, monkeypatch, capsys):
    """``weights keep KEY`` then ``weights check``, on a small split in place of MNIST."""
    import mlp_core.data.splits
    import mlp_core.engine.train

    key = tmp_store.save(train(TINY, split=tiny_split)).name
    for module in (mlp_core.data.splits, mlp_core.engine.train):
        monkeypatch.setattr(module, "load_split", lambda config, root=None: tiny_split)
    assert main(["weights", "keep", key]) == 0
    assert "of 200 predictions change with float16 weights (ok)" in capsys.readouterr().out
    assert main(["weights", "check"]) == 0
    assert "every stored model reproduces its run" in capsys.readouterr().out
    weights = tmp_store.path_for(TINY, "2") / WEIGHTS
    weights.write_bytes(weights.read_bytes()[:-10])  # damaged: its checksum fails
    assert main(["weights", "check"]) == 1
    assert "does not match the checksum" in capsys.readouterr().out


def mnist_test_images() -> np.ndarray:
    try:
        return read_verified("mnist", "t10k-images-idx3-ubyte")
    except DataError as error:
        pytest.skip(f"MNIST is not available here: {error}")


@pytest.mark.slow
def test_stored_weights_reproduce_a_test_runs_10000_predictions(tmp_path):
    """A small real run on the official split: float16 weights, run in NumPy on the 10000 test
    images, give the stored predictions (within `mlp_core.weights` TIE_MARGIN; measured: all)."""
    images = mnist_test_images()
    store = RunStore(tmp_path / "store", keep_weights=keep_all)
    config = RunConfig(split="test", hidden=(32,), epochs=1)
    store.save(train(config, device="cpu"))
    key = store.path_for(config, "2").name
    _, weights = store.load_weights(key)
    predictions, probabilities = predict_in_batches(weights, images)
    stored = store.load_key(key).predictions
    assert len(stored) == 10000 and agrees(probabilities, stored)
    assert int((predictions != stored).sum()) <= 1


COMMITTED = RunStore(ROOT / "runs" / "store")
WITH_WEIGHTS = [entry for entry in COMMITTED.entries() if entry.has_weights]


@pytest.mark.slow
@pytest.mark.skipif(not WITH_WEIGHTS, reason="no committed run has weights yet (weights keep)")
@pytest.mark.parametrize("entry", WITH_WEIGHTS, ids=[entry.key for entry in WITH_WEIGHTS])
def test_every_committed_model_reproduces_its_stored_predictions(entry, capsys):
    """All of its evaluation set (the 10000 test images for test runs), within the tolerance."""
    if entry.config.split == "test":
        mnist_test_images()
    assert check_weights(COMMITTED, [entry]) == [], capsys.readouterr().out


def test_the_committed_summaries_record_weights_only_with_a_file():
    for entry in WITH_WEIGHTS:
        summary = json.loads((entry.path / "summary.json").read_text())
        assert (entry.path / WEIGHTS).stat().st_size == summary["weights_size"]


def test_train_and_sweep_keep_weights_only_when_asked(tmp_store, tiny_split, monkeypatch):
    import mlp_core.engine.train

    monkeypatch.setattr(mlp_core.engine.train, "load_split", lambda config, root=None: tiny_split)
    flags = ["--hidden", "16", "--epochs", "1", "--validation-size", "200"]
    assert main(["train", *flags]) == 0
    assert main(["train", *flags, "--seed", "1", "--keep-weights"]) == 0
    kept = {entry.config.seed: entry.has_weights for entry in tmp_store.entries()}
    assert kept == {0: False, 1: True}
    from mlp_core.sweep.execution import run_sweep

    configs = [replace(TINY, seed=seed) for seed in (5, 6)]
    run_sweep(
        configs,
        RunStore(tmp_store.root, keep_weights=keep_all),
        split_provider=FixedSplit(tiny_split),
    )
    assert all(RunStore(tmp_store.root).stored(config).has_weights for config in configs)
