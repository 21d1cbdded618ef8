"""The exercise-3 split never holds test images; the kNN baseline and its store; the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from conftest import synthetic_split

from mlp_core.config import RunConfig
from mlp_core.data import splits
from mlp_core.report import stats
from mlp_core.store import baselines


def test_validation_indices_stay_inside_the_official_training_set():
    train_index, eval_index = splits.validation_indices(6000, 0)
    assert train_index.numel() == 54000 and eval_index.numel() == 6000
    assert int(torch.cat([train_index, eval_index]).max()) < 60000
    assert set(train_index.tolist()).isdisjoint(eval_index.tolist())


def test_validation_split_never_contains_test_images(monkeypatch):
    # Every test image is marked by a pixel value (255) no training image has.
    train_images = torch.randint(0, 200, (60000, 28, 28), dtype=torch.uint8)
    test_images = torch.full((10000, 28, 28), 255, dtype=torch.uint8)
    fake = splits.DatasetArrays(
        train_images,
        torch.randint(0, 10, (60000,)),
        test_images,
        torch.zeros(10000, dtype=torch.int64),
    )
    monkeypatch.setattr(splits, "load_arrays", lambda name, root=None: fake)
    split = splits.load_split(RunConfig())
    assert split.train_images.shape[0] + split.eval_images.shape[0] == 60000
    for images in (split.train_images, split.eval_images):
        assert int(images.max()) < 255


def test_knn_baseline_round_trips_through_the_store(tmp_path):
    validation, test = synthetic_split(300, 100, seed=0), synthetic_split(300, 150, seed=1)
    measured = baselines.measure_knn(ks=(1, 3, 5), validation=validation, test=test)
    assert measured.k in (1, 3, 5) and measured.validation_n == 100 and measured.test_n == 150
    assert measured.validation_errors[measured.k] == min(measured.validation_errors.values())
    assert measured.test_errors == stats.count_errors(
        test.eval_labels.numpy(), measured.predictions
    )
    path = baselines.save_knn(measured, tmp_path)
    assert json.loads(path.read_text())["provenance"]["torch"] == torch.__version__
    loaded = baselines.load_knn(tmp_path)
    assert loaded is not None
    assert loaded.summary() == measured.summary()
    np.testing.assert_array_equal(loaded.predictions, measured.predictions)


def test_knn_store_detects_a_replaced_predictions_file(tmp_path):
    measured = baselines.measure_knn(
        ks=(1,), validation=synthetic_split(100, 50), test=synthetic_split(100, 60, seed=2)
    )
    baselines.save_knn(measured, tmp_path)
    np.savez_compressed(tmp_path / "knn_l2_predictions.npz", predictions=np.zeros(60, np.uint8))
    with pytest.raises(baselines.BaselineError, match="checksum"):
        baselines.load_knn(tmp_path)
    assert baselines.load_knn(tmp_path / "missing") is None


def test_measure_knn_refuses_to_choose_k_on_test():
    with pytest.raises(ValueError, match="split='validation'"):
        baselines.measure_knn(RunConfig(split="test"))


def test_cli_baseline_knn_writes_the_committed_files(tmp_path, monkeypatch, capsys):
    from mlp_core.__main__ import main

    measured = baselines.measure_knn(
        ks=(1, 3), validation=synthetic_split(100, 50), test=synthetic_split(100, 60, seed=2)
    )
    asked = {}

    def fake_measure(config, ks, progress=None):
        asked.update(config=config, ks=ks)
        return measured

    monkeypatch.setattr(baselines, "measure_knn", fake_measure)
    assert main(["baseline", "knn", "--ks", "1,3", "--out", str(tmp_path)]) == 0
    assert asked == {"config": RunConfig(), "ks": (1, 3)}
    assert (tmp_path / "knn_l2.json").exists() and (tmp_path / "knn_l2_predictions.npz").exists()
    assert f"chosen k={measured.k}" in capsys.readouterr().out


@pytest.mark.parametrize("ks", ["0", "1,x", ""])
def test_cli_baseline_rejects_bad_ks(ks):
    from mlp_core.__main__ import main

    with pytest.raises(SystemExit) as exit_info:
        main(["baseline", "knn", "--ks", ks])
    assert exit_info.value.code == 2
