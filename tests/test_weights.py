"""Runs keep their weights: the NumPy forward pass, the store's weights file, its checks and policy.

The forward pass of `mlp_core.weights` must be the trainer's model; weights stored as float16 must
reproduce the stored predictions; anything wrong with a weights file is refused with its reason and
leaves the run's predictions alone; entries without weights (all the committed ones so far) stay
valid.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch
from synthetic_runs import fake_result, overfitting_history

from mlp_core.choices import ACTIVATIONS
from mlp_core.config import RunConfig
from mlp_core.engine.batched import train_stack
from mlp_core.engine.export import model_weights
from mlp_core.engine.model import build_model
from mlp_core.engine.train import train
from mlp_core.store.entry import WEIGHTS, read_summary
from mlp_core.store.errors import WeightsUnavailable
from mlp_core.store.run_store import RunStore
from mlp_core.store.weights import (
    APP_MAX_PARAMETERS,
    decode_weights,
    encode_weights,
    keep_all,
    parameter_count,
    small_enough,
)
from mlp_core.weights import ModelWeights, agrees, predict_in_batches

SMALL = RunConfig(hidden=(24, 12), epochs=2, validation_size=200)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_numpy_forward_pass_is_the_models(activation):
    config = RunConfig(hidden=(32, 16), activation=activation, seed=3)
    model = build_model(config).eval()
    images = torch.rand(50, 784)
    with torch.no_grad():
        expected = model(images).numpy()
    logits = model_weights(model, config).logits(images.numpy())
    np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-6)


def test_weights_of_another_network_are_refused():
    weights = model_weights(build_model(SMALL), SMALL)
    assert weights.fits(SMALL) is None
    assert "hidden" in weights.fits(replace(SMALL, hidden=(24,)))
    assert "activation" in weights.fits(replace(SMALL, activation="tanh"))
    with pytest.raises(ValueError, match="layer 1"):
        ModelWeights("relu", (weights.layers[0], weights.layers[0]))


def test_a_trained_run_hands_its_weights_to_its_result(tiny_split):
    result = train(SMALL, split=tiny_split)
    assert result.weights is not None and result.weights.hidden == (24, 12)
    predictions, _ = predict_in_batches(result.weights, tiny_split.eval_images.numpy())
    np.testing.assert_array_equal(predictions, result.predictions)


def test_each_model_of_a_stack_hands_over_its_own_weights_without_padding(tiny_split):
    configs = [replace(SMALL, hidden=(24, 12)), replace(SMALL, hidden=(16, 8), seed=1)]
    for result in train_stack(configs, split=tiny_split):
        assert result.weights.hidden == result.config.hidden
        predictions, _ = predict_in_batches(result.weights, tiny_split.eval_images.numpy())
        np.testing.assert_array_equal(predictions, result.predictions)


def test_stored_weights_round_trip_as_float16(tmp_path, tiny_split):
    result = train(SMALL, split=tiny_split)
    store = RunStore(tmp_path / "store", keep_weights=keep_all)
    folder = store.save(result)
    stored, weights = store.load_weights(folder.name)
    assert stored.has_weights and stored.weights_size == (folder / WEIGHTS).stat().st_size
    for (weight, bias), (original, original_bias) in zip(
        weights.layers, result.weights.layers, strict=True
    ):
        assert weight.dtype == np.float16
        np.testing.assert_array_equal(weight, original.astype(np.float16))
        np.testing.assert_array_equal(bias, original_bias.astype(np.float16))
    _, probabilities = predict_in_batches(weights, tiny_split.eval_images.numpy())
    assert agrees(probabilities, store.load_key(folder.name).predictions)


def test_by_default_a_store_keeps_no_weights_and_says_so(tmp_store, tiny_split):
    folder = tmp_store.save(train(SMALL, split=tiny_split))
    assert not (folder / WEIGHTS).exists() and not read_summary(folder).has_weights
    with pytest.raises(WeightsUnavailable, match="stored without its weights"):
        tmp_store.load_weights(folder.name)
    with pytest.raises(WeightsUnavailable, match="no run"):
        tmp_store.load_weights("0123456789abcdef")


def test_get_or_train_returns_the_run_without_its_weights(tmp_path, tiny_split):
    store = RunStore(tmp_path / "store", keep_weights=keep_all)
    result, from_store = store.get_or_train(SMALL, train, split=tiny_split)
    assert not from_store and result.weights is None  # a page's job queue holds no models
    assert store.load_weights(store.path_for(SMALL, "2").name)[1].hidden == SMALL.hidden


def test_the_app_keeps_the_weights_of_the_courses_networks_only():
    assert parameter_count(RunConfig()) == 545_810
    for hidden in ((500, 300), (800, 800, 800), (1024, 1024), ()):
        assert small_enough(RunConfig(hidden=hidden))
    assert not small_enough(RunConfig(hidden=(8192, 8192)))
    assert parameter_count(RunConfig(hidden=(2500, 200))) > APP_MAX_PARAMETERS


@pytest.fixture
def stored_with_weights(tmp_path, tiny_split):
    store = RunStore(tmp_path / "store", keep_weights=keep_all)
    return store, store.save(train(SMALL, split=tiny_split))


def test_weights_failing_their_checksum_are_refused_and_the_run_kept(stored_with_weights):
    store, folder = stored_with_weights
    payload = bytearray((folder / WEIGHTS).read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    (folder / WEIGHTS).write_bytes(bytes(payload))
    with pytest.raises(WeightsUnavailable, match="does not match the checksum"):
        store.load_weights(folder.name)
    assert store.load_key(folder.name) is not None  # the predictions have their own checksum
    assert folder.exists()


def test_missing_weights_are_refused_with_their_reason(stored_with_weights):
    store, folder = stored_with_weights
    (folder / WEIGHTS).unlink()
    with pytest.raises(WeightsUnavailable, match="missing"):
        store.load_weights(folder.name)


def test_a_malformed_weights_checksum_makes_the_entry_corrupt(stored_with_weights):
    store, folder = stored_with_weights
    summary = json.loads((folder / "summary.json").read_text())
    summary["weights_sha256"] = "not a checksum"
    (folder / "summary.json").write_text(json.dumps(summary))
    assert store.load_key(folder.name) is None  # moved aside, like any corrupt summary
    assert (store.root / "corrupt").is_dir()


def test_a_weights_file_of_another_network_is_refused():
    weights = model_weights(build_model(SMALL), SMALL)
    with pytest.raises(ValueError, match="not the 2 layers"):
        decode_weights(encode_weights(weights), replace(SMALL, hidden=(24,)))
    with pytest.raises(ValueError, match="another network: hidden layers"):
        decode_weights(encode_weights(weights), replace(SMALL, hidden=(24, 10)))
    with pytest.raises(ValueError, match="unreadable"):
        decode_weights(b"not a zip", SMALL)


def test_a_replaced_entry_is_kept_aside_and_the_new_one_has_weights(tmp_path, tiny_split):
    root = tmp_path / "store"
    first = RunStore(root).save(train(SMALL, split=tiny_split))  # no weights
    store = RunStore(root, keep_weights=keep_all)
    second = train(SMALL, split=tiny_split)
    assert store.replace(second) == first
    assert store.load_weights(first.name)[0].has_weights
    (kept,) = (root / "replaced").iterdir()  # the old entry, whole, never deleted
    assert kept.name.startswith(f"v2-{first.name}-") and not (kept / WEIGHTS).exists()
    assert "weights_sha256" not in json.loads((kept / "summary.json").read_text())


def test_entries_without_weights_stay_valid(tmp_store):
    """An entry as every committed one was written (no weights fields) reads as before."""
    folder = tmp_store.save(fake_result(RunConfig(), overfitting_history(20, 12)))
    summary = json.loads((folder / "summary.json").read_text())
    assert "weights_sha256" not in summary
    assert not read_summary(folder).has_weights and tmp_store.load_key(folder.name) is not None
