"""Seeds as replicates: spreads, the rule that marks cells indistinguishable from the best, and
the spec that adds seeds to the best cells (`mlp_core.report.replication`, `sweep.spec_writing`,
``python -m mlp_core replicate``), on made-up runs whose answers are known by construction."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as scipy_stats
from synthetic_runs import fake_result, stored_run

from mlp_core.cli.main import main
from mlp_core.config import RunConfig
from mlp_core.report import analysis, replication
from mlp_core.store.index import index_frame
from mlp_core.store.run_store import RunStore
from mlp_core.sweep.spec import expand, load_spec
from mlp_core.sweep.spec_writing import cells_spec_text

BASE = RunConfig(hidden=(100,))
#: Errors (out of 6000) per seed of each made-up cell: A is the best replicated cell, B is close
#: to it, C far worse, D has one seed, lower than A's mean: it cannot be ranked.
ERRORS = {
    "A": (90, 91, 89),
    "B": (91, 93, 90),
    "C": (120, 121, 119),
    "D": (70,),
}
WIDTHS = {"A": 200, "B": 300, "C": 400, "D": 500}


def cells_of(errors: dict[str, tuple[int, ...]]):
    configs, entries = [], []
    for name, counts in errors.items():
        config = replace(BASE, hidden=(WIDTHS[name],))
        configs.append(config)
        for seed, count in enumerate(counts):
            key = f"{WIDTHS[name]:08d}{seed:08d}"
            entries.append(stored_run(replace(config, seed=seed), count, key=key))
    frame = analysis.runs_frame(index_frame(entries))
    return analysis.summarize(frame, configs)


def by_width(frame, name: str):
    return frame[frame["width"] == WIDTHS[name]].iloc[0]


def test_seed_spread_is_the_sample_deviation_of_replicated_cells_only():
    spread = replication.seed_spread(cells_of(ERRORS))
    assert sorted(spread["width"]) == [200, 300, 400]  # D has one seed: no spread to measure
    for name in "ABC":
        row = by_width(spread, name)
        errors = np.array(ERRORS[name]) / 6000
        assert row["std_error"] == pytest.approx(errors.std(ddof=1))
        assert row["sem_error"] == pytest.approx(errors.std(ddof=1) / np.sqrt(3))
    pooled, dof, replicated = replication.typical_spread(cells_of(ERRORS))
    variances = [np.var(np.array(ERRORS[name]) / 6000, ddof=1) for name in "ABC"]
    assert (dof, replicated) == (6, 3) and pooled == pytest.approx(np.sqrt(np.mean(variances)))


def test_welch_from_summaries_equals_scipy_on_the_raw_errors():
    a, b = np.array(ERRORS["A"]) / 6000, np.array([91, 95, 97, 90]) / 6000
    expected = scipy_stats.ttest_ind(a, b, equal_var=False).pvalue
    got = replication.welch_p_value(a.mean(), a.std(ddof=1), 3, b.mean(), b.std(ddof=1), 4)
    assert got == pytest.approx(expected, rel=1e-9)
    with pytest.raises(ValueError, match="two or more seeds"):
        replication.welch_p_value(0.01, 0.001, 1, 0.02, 0.001, 3)


def test_holm_adjustment_by_hand():
    # Sorted 0.01, 0.02, 0.04: x3, x2 (then running max), x1 (then running max).
    assert replication.holm_adjust([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])
    assert replication.holm_adjust([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_verdicts_against_the_best_replicated_cell():
    table = replication.compare_with_best(cells_of(ERRORS))
    verdicts = dict(zip(table["width"], table["verdict"], strict=True))
    assert verdicts == {200: "best", 300: "indistinguishable", 400: "worse", 500: "unranked"}
    assert list(table["width"]) == [200, 300, 400, 500]  # best, the ranked by mean, unranked last
    # B against A: Welch's p, Holm-adjusted over the two cells compared.
    b, c = by_width(table, "B"), by_width(table, "C")
    raw = {
        name: scipy_stats.ttest_ind(
            np.array(ERRORS["A"]) / 6000, np.array(ERRORS[name]) / 6000, equal_var=False
        ).pvalue
        for name in "BC"
    }
    assert (b["p_value"], c["p_value"]) == pytest.approx((raw["B"], raw["C"]))
    # Holm: C has the smaller p (times 2), B the larger (times 1, at least C's adjusted value).
    assert c["p_adjusted"] == pytest.approx(2 * raw["C"])
    assert b["p_adjusted"] == pytest.approx(max(2 * raw["C"], raw["B"]))
    assert np.isnan(by_width(table, "D")["p_value"]) and np.isnan(by_width(table, "A")["p_value"])


def test_holm_can_turn_a_raw_difference_into_indistinguishable():
    # Two cells each at raw p just under 0.05 against A: adjusted, neither passes 0.05.
    errors = {"A": (90, 91, 89), "B": (92, 94, 92), "C": (92, 95, 93)}  # raw p 0.040, 0.042
    table = replication.compare_with_best(cells_of(errors))
    others = table[table["verdict"] != "best"]
    assert (others["p_value"] < 0.05).all() and (others["p_adjusted"] >= 0.05).all()
    assert set(others["verdict"]) == {"indistinguishable"}


def test_without_replicated_cells_nothing_is_ranked():
    table = replication.compare_with_best(cells_of({"A": (90,), "B": (91,)}))
    assert set(table["verdict"]) == {"unranked"}
    assert replication.seed_spread(cells_of({"A": (90,)})).empty
    assert np.isnan(replication.typical_spread(cells_of({"A": (90,)}))[0])


def test_identical_seed_errors_are_handled():
    table = replication.compare_with_best(cells_of({"A": (90, 90), "B": (90, 90), "C": (95, 95)}))
    verdicts = dict(zip(table["width"], table["verdict"], strict=True))
    assert verdicts[300] == "indistinguishable" and verdicts[400] == "worse"


def test_best_cells_are_the_lowest_means_ties_broken_by_the_cell():
    errors = {"A": (90,), "B": (90,), "C": (80,), "D": (100,)}
    best = replication.best_cells(cells_of(errors), 3)
    assert list(best["width"]) == [400, 200, 300]  # C, then the tie A/B by the cell's fields
    again = replication.best_cells(cells_of(dict(reversed(errors.items()))), 3)
    assert list(again["width"]) == [400, 200, 300]  # the store's order does not matter


def test_a_spec_of_cells_reads_back_as_those_runs(tmp_path: Path):
    configs = [
        replace(BASE, hidden=(800, 800), optimizer="adadelta", learning_rate=1.0),
        replace(BASE, schedule="cosine", dropout=0.4, activation="tanh", seed=5),
        RunConfig(),
    ]
    text = cells_spec_text("best", "the best", configs, [1, 2], ["made by a test"])
    assert text.startswith("# made by a test\n")
    path = tmp_path / "best.toml"
    path.write_text(text)
    wanted = [replace(config, seed=seed) for config in configs for seed in (1, 2)]
    assert expand(load_spec(path)) == wanted  # the configs' own seeds are replaced
    with pytest.raises(ValueError, match="at least one"):
        cells_spec_text("best", "", configs, [])


def factorial_store(root: Path, complete: bool) -> Path:
    """A 2 x 3 grid spec and a store holding all of it (or all but one cell), one seed each."""
    spec = root / "grid.toml"
    spec.write_text(
        'name = "grid"\nseeds = [0]\nbase = { epochs = 2 }\n'
        '[[sets]]\nname = "g"\nvary = { activation = ["relu", "tanh"], width = [10, 20, 30] }\n'
    )
    store = RunStore(root / "store")
    for index, config in enumerate(expand(load_spec(spec))):
        if complete or index:
            history = {name: [0.1, 0.05 + 0.001 * index] for name in ("train_loss", "train_error", "eval_loss", "eval_error")}  # fmt: skip
            history |= {"epoch": [1, 2], "learning_rate": [1e-3] * 2, "seconds": [1.0] * 2}
            store.save(fake_result(config, history))
    return spec


def test_replicate_command_writes_a_reproducible_spec(tmp_path, monkeypatch, capsys):
    spec = factorial_store(tmp_path, complete=True)
    monkeypatch.setenv("MLP_RUNS_DIR", str(tmp_path / "store"))
    output = tmp_path / "grid_best_seeds.toml"
    args = ["replicate", str(spec), "--best", "2", "--seeds", "1,2", "--output", str(output)]
    assert main(args) == 0
    first = output.read_text()
    assert main([*args, "--force"]) == 0 and output.read_text() == first  # the same store, file
    runs = expand(load_spec(output))
    # The two lowest errors of the store: indexes 0 and 1 (relu, widths 10 and 20, the base's
    # depth 2), seeds 1 and 2.
    assert [(c.activation, c.hidden, c.seed) for c in runs] == [
        ("relu", (10, 10), 1), ("relu", (10, 10), 2), ("relu", (20, 20), 1), ("relu", (20, 20), 2),
    ]  # fmt: skip
    assert all(c.epochs == 2 for c in runs)
    assert "python -m mlp_core sweep grid_best_seeds" in capsys.readouterr().out
    assert main(args) == 2  # exists: refused without --force


def test_replicate_refuses_an_incomplete_sweep(tmp_path, monkeypatch, capsys):
    spec = factorial_store(tmp_path, complete=False)
    monkeypatch.setenv("MLP_RUNS_DIR", str(tmp_path / "store"))
    output = tmp_path / "out.toml"
    assert main(["replicate", str(spec), "--output", str(output)]) == 2
    assert "1 of the 6 cells of grid are not stored" in capsys.readouterr().err
    assert not output.exists()
    assert main(["replicate", str(spec), "--output", str(output), "--allow-incomplete"]) == 0
    assert "--allow-incomplete" in output.read_text()


def test_two_seeds_are_enough_for_a_spread_and_none_give_zero_dof():
    cells = cells_of({"A": (90, 92), "B": (91,)})
    assert list(replication.seed_spread(cells)["width"]) == [200]  # two seeds: replicated
    pooled, dof, replicated = replication.typical_spread(cells)
    assert (dof, replicated) == (1, 1) and pooled == pytest.approx(
        np.std([90 / 6000, 92 / 6000], ddof=1)
    )
    assert replication.typical_spread(cells_of({"A": (90,)}))[1:] == (0, 0)
    table = replication.compare_with_best(cells_of({"A": (90, 92), "B": (95, 96)}))
    assert list(table["verdict"]) == ["best", "indistinguishable"]  # p = 0.09 with 2 seeds
    assert by_width(table, "A")["sem_error"] == pytest.approx(
        np.std([90 / 6000, 92 / 6000], ddof=1) / np.sqrt(2)
    )


def test_welch_without_spread_in_one_cell_only_is_a_real_test():
    # One cell's seeds agree exactly, the other's do not: Welch's test still applies.
    p = replication.welch_p_value(0.020, 0.0, 3, 0.024, 0.001, 3)
    expected = scipy_stats.ttest_ind_from_stats(
        0.020, 0.0, 3, 0.024, 0.001, 3, equal_var=False
    ).pvalue
    assert 0 < p < 1 and p == pytest.approx(expected)
    assert replication.welch_p_value(0.02, 0.0, 2, 0.02, 0.0, 2) == 1.0
    assert replication.welch_p_value(0.02, 0.0, 2, 0.03, 0.0, 2) == 0.0
    # Welch, not Student: with unequal spreads and counts the two differ.
    student = scipy_stats.ttest_ind_from_stats(0.020, 0.0005, 2, 0.024, 0.003, 6).pvalue
    assert replication.welch_p_value(0.020, 0.0005, 2, 0.024, 0.003, 6) != pytest.approx(
        student, rel=1e-3
    )


def test_holm_never_adjusts_past_one():
    assert replication.holm_adjust([0.6, 0.7]) == [1.0, 1.0]
    assert replication.holm_adjust([0.3]) == [0.3]


def test_alpha_and_count_are_checked_and_an_adjusted_p_equal_to_alpha_is_not_worse():
    for alpha in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match=r"invalid alpha=.*must be in \(0, 1\)"):
            replication.compare_with_best(cells_of(ERRORS), alpha=alpha)
    c = by_width(replication.compare_with_best(cells_of(ERRORS)), "C")
    at_level = replication.compare_with_best(cells_of(ERRORS), alpha=float(c["p_adjusted"]))
    assert by_width(at_level, "C")["verdict"] == "indistinguishable"  # "below alpha" is strict
    with pytest.raises(ValueError, match="invalid count=0: must be >= 1"):
        replication.best_cells(cells_of(ERRORS), 0)
    assert list(replication.best_cells(cells_of(ERRORS), 1)["width"]) == [500]


def test_without_replicated_cells_the_columns_are_still_there_and_numeric():
    table = replication.compare_with_best(cells_of({"A": (90,), "B": (91,)}))
    for column in replication.VERDICT_COLUMNS[:3]:
        assert table[column].dtype.kind == "f" and table[column].isna().all()
    assert list(table["width"]) == [200, 300]
