"""Exercise 3 model choice (mlp_core.report.model_choice): never looks at test data, ranks by mean
validation error with stated tie-breaks, derives the final configuration."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import pytest
from synthetic_runs import stored_run

from mlp_core.config import RunConfig
from mlp_core.report import model_choice
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


def test_candidates_frame_has_one_row_per_candidate_best_first():
    ranked = model_choice.rank_candidates(records())
    frame = model_choice.candidates_frame(ranked)
    assert list(frame.columns) == [
        "rank", "configuration", "seeds", "mean_error_pct", "min_error_pct", "max_error_pct",
        "errors", "n", "stopping_epoch", "parameters",
    ]  # fmt: skip
    assert frame["rank"].tolist() == [1, 2, 3]
    handout = frame[frame["configuration"] == HANDOUT.label(seed=False, split=False)].iloc[0]
    assert (handout["seeds"], handout["errors"], handout["n"]) == (3, "110, 100, 105", 6000)
    assert handout["mean_error_pct"] == pytest.approx(100 * 105 / 6000)
    assert (handout["min_error_pct"], handout["max_error_pct"]) == pytest.approx(
        (100 / 60, 110 / 60)
    )
    assert handout["stopping_epoch"] == 20
    assert handout["parameters"] == 784 * 500 + 500 + 500 * 300 + 300 + 300 * 10 + 10
    patient = frame[frame["configuration"] == PATIENT.label(seed=False, split=False)].iloc[0]
    assert patient["stopping_epoch"] == 16  # median of the kept epochs 13 and 18, half up
    assert model_choice.candidates_frame([]).empty


def test_stored_test_runs_skip_unfinished_and_uncounted_runs():
    final = replace(WIDE, split="test")
    runs = [
        row(final, 5, "done"),
        row(replace(final, seed=1), 5, "diverged", status="diverged"),
        row(replace(final, seed=2), 5, "cancelled", status="cancelled"),
        row(replace(WIDE, seed=3), 5, "validation twin"),
    ]
    found = model_choice.stored_test_runs(runs, final, [0, 1, 2, 3])
    assert list(found) == [0] and found[0].key == "done"


def test_the_newest_code_version_of_a_run_counts():
    for older, newer in [("1", "2"), ("9", "10"), ("dev", "1")]:  # numbers numerically, text last
        runs = [
            stored_run(HANDOUT, 200, "old", version=older),
            stored_run(HANDOUT, 100, "new", version=newer),
        ]
        for order in (runs, runs[::-1]):
            [candidate] = model_choice.rank_candidates(order)
            assert candidate.errors == (100,) and candidate.keys == ("new",)


def test_a_candidate_keeps_zero_errors_and_its_keys():
    ranked = model_choice.rank_candidates(
        [row(HANDOUT, 0, "k0"), row(replace(HANDOUT, seed=1), 3, "k1")]
    )
    assert ranked[0].errors == (0, 3) and ranked[0].keys == ("k0", "k1")


def test_a_fixed_run_stops_at_its_epochs_whatever_its_best_epoch():
    [candidate] = model_choice.rank_candidates([row(HANDOUT, 100, "h", best_epoch=13)])
    assert candidate.stopping_epochs == (20,) and model_choice.final_config(candidate).epochs == 20


def test_seeds_of_one_config_with_different_validation_sizes_are_a_corrupt_store():
    small = replace(HANDOUT, seed=1)
    other = row(small, 100, "s")
    other = replace(other, metrics=replace(other.metrics, eval_size=5000))
    with pytest.raises(
        ValueError,
        match=r"^runs of 784-500-300-10 relu adam lr=0.001 20ep seed=0 have different eval sizes \[5000, 6000\]$",
    ):
        model_choice.rank_candidates([row(HANDOUT, 100, "h"), other])


def test_no_run_to_choose_from_says_how_to_get_some():
    with pytest.raises(ValueError) as raised:
        model_choice.best_candidate([], dataset="fashion_mnist")
    assert str(raised.value) == (
        "no finished validation run of fashion_mnist in the store: run the exercise 2 sweep "
        "(python -m mlp_core sweep runs/sweeps/exercise2.toml) or train a validation run"
    )
