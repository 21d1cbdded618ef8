"""Exercise 3 selection never looks at test data; final config derivation; kNN baseline store."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import synthetic_split
from synthetic_runs import stored_run

from mlp_core.config import RunConfig
from mlp_core.data import splits
from mlp_core.report import final_tables, model_choice, stats
from mlp_core.store import baselines
from mlp_core.store.entry import StoredRun
from mlp_core.store.index import index_frame


def row(config: RunConfig, errors: int, key: str, **extra: Any) -> StoredRun:
    """A stored run of ``config`` (code version 1) with ``errors`` evaluation errors."""
    return stored_run(config, errors, key, version="1", **extra)


#: What model selection may read of a test run: its config (for its split), nothing else.
ALLOWED = frozenset({"config", "__class__", "__dict__", "__dataclass_fields__"})


class PoisonedTestRun(StoredRun):
    """A test-split run that fails the test if anything but its config is read."""

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("__") or name in ALLOWED or name == "unpoisoned":
            return super().__getattribute__(name)
        pytest.fail(f"model selection read {name!r} of a split='test' run")

    def unpoisoned(self) -> StoredRun:
        return StoredRun(**{f.name: object.__getattribute__(self, f.name) for f in fields(self)})


def poisoned(run: StoredRun) -> PoisonedTestRun:
    return PoisonedTestRun(**{f.name: getattr(run, f.name) for f in fields(run)})


HANDOUT = RunConfig()
WIDE = RunConfig(hidden=(800, 800))
PATIENT = RunConfig(hidden=(100,), epochs=100, stopping="patience")


def records() -> list[StoredRun]:
    rows: list[StoredRun] = [
        row(HANDOUT, 110, "h0"),
        row(replace(HANDOUT, seed=1), 100, "h1"),
        row(replace(HANDOUT, seed=2), 105, "h2"),
        row(WIDE, 100, "w0"),  # mean 100 < 105 of the handout's three seeds
        row(PATIENT, 120, "p0", best_epoch=13),
        row(replace(PATIENT, seed=1), 121, "p1", best_epoch=18),
        row(RunConfig(hidden=(50,)), 90, "diverged", status="diverged"),
    ]
    # Test rows with errors far below any validation run: picking by test error would choose them.
    for index, config in enumerate(
        [RunConfig(split="test", hidden=(10,)), replace(WIDE, split="test")]
    ):
        rows.append(poisoned(row(config, 1, f"t{index}")))
    return rows


def test_selection_reads_only_validation_rows():
    ranked = model_choice.rank_candidates(records())
    assert all(candidate.config.split == "validation" for candidate in ranked)
    assert ranked[0].config == WIDE


def test_candidates_average_their_seeds_and_skip_unfinished_runs():
    ranked = {
        candidate.config.hidden: candidate for candidate in model_choice.rank_candidates(records())
    }
    assert set(ranked) == {(800, 800), (500, 300), (100,)}
    handout = ranked[(500, 300)]
    assert handout.seeds == (0, 1, 2) and handout.errors == (110, 100, 105)
    assert handout.mean_error == pytest.approx(105 / 6000)


def best_of_both_orders(runs: list[StoredRun]) -> RunConfig:
    """The chosen config, checked to be the same whichever order the store lists the runs in."""
    first = model_choice.best_candidate(runs).config
    assert model_choice.best_candidate(runs[::-1]).config == first
    return first


def test_equal_means_go_to_the_config_with_more_seeds():
    # Wide: three seeds, mean 105/6000; handout: one seed, 105/6000. The handout has fewer
    # parameters, so only the seed count can put the wide net first.
    wide = [row(replace(WIDE, seed=s), e, f"w{s}") for s, e in enumerate((110, 100, 105))]
    assert best_of_both_orders([row(HANDOUT, 105, "h0"), *wide]) == WIDE


def test_then_fewer_parameters_then_fewer_epochs_then_the_label():
    small = RunConfig(hidden=(100,))
    assert best_of_both_orders([row(WIDE, 105, "w"), row(small, 105, "s")]) == small
    short = replace(HANDOUT, epochs=10)
    assert best_of_both_orders([row(HANDOUT, 105, "h"), row(short, 105, "s")]) == short
    tanh = replace(HANDOUT, activation="tanh")  # same size and length: "relu" < "tanh"
    assert best_of_both_orders([row(tanh, 105, "t"), row(HANDOUT, 105, "h")]) == HANDOUT


def test_a_lower_mean_wins_over_every_tie_break():
    many = [row(replace(WIDE, seed=s), 101, f"w{s}") for s in range(3)]
    assert best_of_both_orders([row(RunConfig(hidden=(100,)), 100, "s"), *many]).hidden == (100,)


def test_allowed_pool_restricts_the_choice():
    best = model_choice.best_candidate(records(), allowed={HANDOUT, replace(HANDOUT, seed=1)})
    assert best.config == HANDOUT and best.seeds == (0, 1)


def test_no_validation_run_is_a_clear_error():
    with pytest.raises(ValueError, match="no finished validation run"):
        model_choice.best_candidate([r for r in records() if isinstance(r, PoisonedTestRun)])


def test_final_config_of_a_fixed_run_is_the_same_config_on_test():
    handout = model_choice.rank_candidates(records(), allowed=set([HANDOUT]))[0]
    assert model_choice.final_config(handout) == RunConfig(split="test")
    assert model_choice.final_config(handout, seed=2) == RunConfig(split="test", seed=2)


def test_final_config_of_a_patience_run_stops_at_its_best_epoch():
    patient = model_choice.rank_candidates(records(), allowed={PATIENT, replace(PATIENT, seed=1)})[
        0
    ]
    config = model_choice.final_config(patient)
    # Median of best epochs 13 and 18 is 15.5, rounded half up.
    assert (config.split, config.stopping, config.epochs) == ("test", "fixed", 16)
    assert replace(config, split="validation", stopping="patience", epochs=100) == PATIENT


def test_stored_test_runs_match_config_and_seeds():
    plain = [r.unpoisoned() if isinstance(r, PoisonedTestRun) else r for r in records()]
    found = model_choice.stored_test_runs(plain, replace(WIDE, split="test"), [0, 1])
    assert list(found) == [0] and found[0].key == "t1"
    with pytest.raises(ValueError, match="split='test'"):
        model_choice.stored_test_runs(plain, WIDE, [0])


def test_index_rows_carry_their_config_not_a_label():
    configs = [HANDOUT, RunConfig(hidden=()), PATIENT]
    frame = index_frame(row(config, 1, "k") for config in configs)
    assert list(frame["config"]) == configs
    assert list(frame["hidden"]) == ["500-300", "none", "100"]  # display text only


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


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": "a", "errors": 120, "n": 100}, "cannot exceed n"),
        ({"name": "a", "errors": 5, "n": 0}, "positive whole number"),
        ({"name": "a", "error_pct": 150, "n": 100}, "between 0 and 100"),
        ({"name": "a", "errors": 5, "error_pct": 1.0, "n": 100}, "exactly one"),
        ({"name": "", "errors": 5, "n": 100}, "name"),
        ({"name": "a", "errors": 2.5, "n": 100}, "whole number"),
    ],
)
def test_user_rows_with_bad_numbers_get_a_message(values, message):
    results, problems = final_tables.parse_user_rows(pd.DataFrame([values]))
    assert results == [] and len(problems) == 1 and message in problems[0]


def test_user_rows_accept_counts_or_percent_and_skip_blank_rows():
    frame = pd.DataFrame(
        [
            {"name": "SVM", "errors": 140, "error_pct": None, "n": 10000},
            {"name": None, "errors": None, "error_pct": None, "n": None},
            {"name": "paper", "errors": None, "error_pct": 1.51, "n": 10000},
        ]
    )
    results, problems = final_tables.parse_user_rows(frame)
    assert problems == []
    assert [(r.classifier, r.errors, r.n) for r in results] == [
        ("SVM", 140, 10000),
        ("paper", 151, 10000),
    ]


def test_mcnemar_table_counts_discordant_pairs():
    labels = np.array([0, 1, 2, 3, 4, 5])
    ours = np.array([0, 1, 2, 3, 0, 0])  # wrong on 4, 5
    other = np.array([1, 1, 0, 3, 4, 0])  # wrong on 0, 2, 5
    table = final_tables.mcnemar_table(labels, ours, {"other": other})
    first = table.iloc[0]
    assert (first.only_ours_wrong, first.only_baseline_wrong, first.both_wrong) == (1, 2, 1)
    assert first.both_right == 2 and first.baseline == "other"
    assert first.p_value == 1.0 and first.p == "p=1"  # 2 * P(X <= 1), X ~ Bin(3, 1/2) = 1


def discordant(only_ours: int, only_other: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels and two prediction arrays with the given discordant pairs and 20 both right."""
    labels = np.zeros(only_ours + only_other + 20, dtype=np.int64)
    ours, other = labels.copy(), labels.copy()
    ours[:only_ours] = 1
    other[only_ours : only_ours + only_other] = 1
    return labels, ours, other


@pytest.mark.parametrize(
    ("only_ours", "only_other", "verdict"),
    [
        (0, 12, "ours significantly better"),  # p = 2 / 2^12
        (12, 0, "ours significantly worse"),
        (1, 11, "ours significantly better"),
        (11, 1, "ours significantly worse"),
        (3, 5, "no significant difference"),  # p = 0.73
    ],
)
def test_mcnemar_verdict_says_which_classifier_is_better(only_ours, only_other, verdict):
    labels, ours, other = discordant(only_ours, only_other)
    row = final_tables.mcnemar_table(labels, ours, {"kNN": other}).iloc[0]
    assert row.verdict == verdict
    assert (row.only_ours_wrong, row.only_baseline_wrong) == (only_ours, only_other)


def test_mcnemar_verdict_needs_p_strictly_below_alpha():
    labels, ours, other = discordant(0, 5)  # p = 2 / 2^5 = 0.0625 exactly, as is 1 - 0.9375
    at_boundary = final_tables.mcnemar_table(labels, ours, {"kNN": other}, confidence=0.9375)
    assert at_boundary.iloc[0].verdict == "no significant difference"
    above = final_tables.mcnemar_table(labels, ours, {"kNN": other}, confidence=0.93)
    assert above.iloc[0].verdict == "ours significantly better"


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
