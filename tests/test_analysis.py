"""mlp_core.report.analysis on stores of made-up runs whose answers are known by construction."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from synthetic_runs import fake_result

from mlp_core.config import CODE_VERSION, RunConfig
from mlp_core.report import analysis
from mlp_core.store.index import index_frame
from mlp_core.store.run_store import RunStore

BASE = RunConfig()


def history(errors: list[float]) -> dict[str, list[float]]:
    epochs = len(errors)
    return {
        "epoch": list(range(1, epochs + 1)), "train_loss": [0.1] * epochs,
        "train_error": [0.01] * epochs, "eval_loss": [0.1] * epochs, "eval_error": errors,
        "learning_rate": [1e-3] * epochs, "seconds": [1.0] * epochs,
    }  # fmt: skip


def store_of(tmp_path, runs: list[tuple[RunConfig, float]], diverged=()) -> RunStore:
    """A store holding each config with a final validation error; ``diverged`` configs diverged."""
    store = RunStore(tmp_path / "store")
    for config, error in runs:
        store.save(fake_result(config, history([error + 0.01, error])))
    for config in diverged:
        store.save(fake_result(config, history([0.5]), status="diverged"))
    return store


def frame_of(store: RunStore):
    return analysis.runs_frame(index_frame(store.entries()))


def test_seeds_are_averaged_diverged_counted_and_missing_kept(tmp_path):
    sgd = replace(BASE, optimizer="sgd", learning_rate=0.1)
    store = store_of(
        tmp_path,
        [(BASE, 0.02), (replace(BASE, seed=1), 0.03), (replace(BASE, seed=2), 0.04)],
        diverged=[replace(BASE, seed=3), sgd],
    )
    cells = analysis.summarize(frame_of(store), [BASE, sgd, replace(BASE, activation="tanh")])
    handout, starved, absent = cells.to_dict("records")
    assert (handout["status"], handout["n"], handout["n_diverged"]) == ("finished", 3, 1)
    assert handout["mean_error"] == pytest.approx(0.03)
    assert handout["std_error"] == pytest.approx(0.01)  # sample standard deviation of 2, 3, 4 %
    assert handout["seeds"] == (0, 1, 2, 3)
    assert (starved["status"], starved["n"], starved["n_diverged"]) == ("diverged", 0, 1)
    assert np.isnan(starved["mean_error"]) and starved["best_key"] is not None
    assert (absent["status"], absent["n"]) == ("missing", 0) and pd.isna(absent["best_key"])
    assert len(cells) == 3  # one row per cell, in the order asked


def test_only_the_newest_code_version_of_a_run_counts(tmp_path):
    store = store_of(tmp_path, [(BASE, 0.02)])
    store.save(fake_result(BASE, history([0.5, 0.9]), version="0"))
    frame = frame_of(store)
    assert len(list(store.entries())) == 2 and len(frame) == 1
    assert frame["eval_error"].iloc[0] == pytest.approx(0.02)


def test_variance_explained_of_an_additive_grid_is_exact(tmp_path):
    # error = optimizer effect + width effect: no interaction, shares known in closed form.
    optimizer_effect = {"adam": 0.00, "sgd": 0.02}
    width_effect = {100: 0.01, 200: 0.0, 300: 0.0}
    runs = [
        (replace(BASE, optimizer=o, hidden=(w,)), 0.02 + optimizer_effect[o] + width_effect[w])
        for o, w in itertools.product(optimizer_effect, width_effect)
    ]
    store = store_of(tmp_path, runs)
    cells = analysis.summarize(frame_of(store), [config for config, _ in runs])
    shares = analysis.variance_explained(cells, ["optimizer", "width", "activation"])
    by_factor = dict(zip(shares["factor"], shares["share"], strict=True))
    # Sums of squares: optimizer 6 * 0.01^2 = 6e-4; width 2 * (2/3 * 0.01)^2 + 4 * (1/3 * 0.01)^2.
    optimizer_ss, width_ss = 6e-4, 2 * (0.02 / 3) ** 2 + 4 * (0.01 / 3) ** 2
    assert by_factor["optimizer"] == pytest.approx(optimizer_ss / (optimizer_ss + width_ss))
    assert by_factor["width"] == pytest.approx(width_ss / (optimizer_ss + width_ss))
    assert by_factor["activation"] == 0.0  # one level: explains nothing
    assert by_factor["interactions"] == pytest.approx(0.0, abs=1e-9)
    effects = analysis.main_effects(cells, ["optimizer"])
    assert dict(zip(effects["level"], effects["mean_error"], strict=True)) == pytest.approx(
        {"adam": 0.02 + 0.01 / 3, "sgd": 0.04 + 0.01 / 3}
    )


def test_factor_ranges_rank_factors_by_how_far_they_move_the_error(tmp_path):
    optimizers = [(replace(BASE, optimizer="sgd", learning_rate=0.1), 0.05), (BASE, 0.02)]
    activations = [(replace(BASE, activation="tanh"), 0.025), (BASE, 0.02)]
    frame = frame_of(store_of(tmp_path, optimizers + activations[:1]))
    ranges = analysis.factor_ranges(
        {
            "activations": ("activation", analysis.summarize(frame, [c for c, _ in activations])),
            "optimizers": ("optimizer", analysis.summarize(frame, [c for c, _ in optimizers])),
            "alone": ("seed", analysis.summarize(frame, [BASE])),  # one level: left out
        }
    )
    assert list(ranges["factor"]) == ["optimizer", "activation"]
    assert ranges["range"].tolist() == pytest.approx([0.03, 0.005])
    assert (ranges["best"].iloc[0], ranges["worst"].iloc[0]) == ("adam", "sgd")


def test_level_means_pool_the_other_factors(tmp_path):
    runs = [
        (replace(BASE, hidden=(w,) * d), 0.01 * d + w * 1e-5) for w in (100, 200) for d in (1, 2)
    ]
    cells = analysis.summarize(frame_of(store_of(tmp_path, runs)), [c for c, _ in runs])
    depth = analysis.level_means(cells, "depth")
    assert depth["mean_error"].tolist() == pytest.approx([0.01 + 0.0015, 0.02 + 0.0015])


def test_stopping_table_reads_each_rule_and_the_hindsight_epoch(tmp_path):
    long, patience = replace(BASE, epochs=100), replace(BASE, epochs=100, stopping="patience")
    store = RunStore(tmp_path / "store")
    store.save(fake_result(BASE, history([0.03, 0.025])))
    store.save(fake_result(long, history([0.03, 0.018, 0.022])))  # best at epoch 2, ends higher
    table = analysis.stopping_table(frame_of(store), BASE, long, patience)
    assert table["eval_error"].tolist()[:2] == pytest.approx([0.025, 0.022])
    assert table["status"].tolist() == ["finished", "finished", "missing", "finished"]
    assert (table["eval_error"].iloc[3], table["kept_epoch"].iloc[3]) == (pytest.approx(0.018), 2)


def test_missing_configs_respects_seeds(tmp_path):
    frame = frame_of(store_of(tmp_path, [(BASE, 0.02)]))
    wanted = [BASE, replace(BASE, seed=1), BASE]
    assert analysis.missing_configs(frame, wanted) == [replace(BASE, seed=1)]
    assert analysis.missing_configs(analysis.runs_frame(index_frame([])), wanted[:1]) == wanted[:1]


def test_cells_match_the_index_hidden_text():
    assert analysis.hidden_text(()) == "none"
    config = replace(BASE, hidden=(300, 300))
    assert (
        dict(zip(analysis.CELL_FIELDS, analysis.cell_of(config), strict=True))["hidden"]
        == "300-300"
    )
    assert json.dumps(analysis.cell_of(config))  # plain values: usable as keys and in session state


def test_a_cell_row_holds_every_summary_of_its_seeds(tmp_path):
    deep = replace(BASE, hidden=(300, 200))
    store = store_of(tmp_path, [(deep, 0.03), (replace(deep, seed=1), 0.02)])
    frame = frame_of(store)
    cells = analysis.summarize(frame, [deep, replace(deep, seed=1), replace(deep, seed=5)])
    assert list(cells.columns) == [*analysis.CELL_COLUMNS, "cell"]
    [cell] = cells.to_dict("records")  # seeds of one cell are one row
    assert (cell["depth"], cell["width"], cell["hidden"]) == (2, 300, "300-200")
    assert (cell["min_error"], cell["max_error"]) == pytest.approx((0.02, 0.03))
    assert cell["std_error"] == pytest.approx(0.01 / np.sqrt(2))  # two seeds have a spread
    assert cell["best_key"] == frame.loc[frame["seed"] == 1, "key"].item()
    assert sorted(cell["keys"]) == sorted(frame["key"]) and cell["seeds"] == (0, 1)
    assert cell["cell"] == analysis.cell_of(deep)


def test_later_cells_follow_a_repeated_one(tmp_path):
    frame = frame_of(store_of(tmp_path, [(BASE, 0.02)]))
    tanh = replace(BASE, activation="tanh")
    cells = analysis.summarize(frame, [BASE, replace(BASE, seed=1), tanh, BASE])
    assert cells["activation"].tolist() == ["relu", "tanh"]
    assert cells["status"].tolist() == ["finished", "missing"]


def test_one_seed_has_no_spread_and_no_hidden_layer_has_width_zero(tmp_path):
    softmax = replace(BASE, hidden=())
    cells = analysis.summarize(frame_of(store_of(tmp_path, [(softmax, 0.07)])), [softmax])
    [cell] = cells.to_dict("records")
    assert (cell["depth"], cell["width"], cell["n"]) == (0, 0, 1)
    assert np.isnan(cell["std_error"]) and cell["mean_error"] == pytest.approx(0.07)


def test_an_empty_frame_leaves_every_cell_missing():
    for frame in (pd.DataFrame(), analysis.runs_frame(index_frame([]))):
        cells = analysis.summarize(frame, [BASE, replace(BASE, hidden=(100,))])
        assert cells["status"].tolist() == ["missing", "missing"]
        assert cells["n"].tolist() == [0, 0] and cells["keys"].tolist() == [(), ()]
        assert cells["seeds"].tolist() == [(), ()] and cells["n_diverged"].tolist() == [0, 0]
    assert list(analysis.summarize(pd.DataFrame(), []).columns) == [*analysis.CELL_COLUMNS, "cell"]
    for frame in (pd.DataFrame(), analysis.runs_frame(index_frame([]))):
        table = analysis.stopping_table(frame, BASE, replace(BASE, epochs=100), BASE)
        assert table["status"].tolist() == ["missing"] * 4 and table["n"].tolist() == [0] * 4
        assert table[["epochs_run", "kept_epoch", "eval_error"]].isna().all().all()
        assert analysis.missing_configs(frame, [BASE, BASE]) == [BASE]


def test_runs_frame_keeps_the_newest_version_whatever_the_order(tmp_path):
    store = store_of(tmp_path, [(BASE, 0.02)])
    store.save(fake_result(BASE, history([0.5, 0.9]), version="0"))
    store.save(fake_result(replace(BASE, seed=1), history([0.5, 0.6]), version="0"))
    for entries in (list(store.entries()), list(store.entries())[::-1]):
        frame = analysis.runs_frame(index_frame(entries))
        newest = frame.set_index("seed")["code_version"].to_dict()
        assert newest == {0: CODE_VERSION, 1: "0"}
        assert frame.index.tolist() == [0, 1]
        assert list(frame.columns) == [*index_frame([]).columns, "cell", "diverged"]
        assert frame["diverged"].tolist() == [False, False]
    empty = analysis.runs_frame(index_frame([]))
    assert list(empty.columns) == [*index_frame([]).columns, "cell", "diverged"]


def test_main_effects_average_each_level_in_order(tmp_path):
    runs = [(replace(BASE, hidden=(w,)), e) for w, e in [(300, 0.03), (100, 0.01), (200, 0.02)]]
    runs.append((replace(BASE, hidden=(100,), activation="tanh"), 0.05))
    cells = analysis.summarize(frame_of(store_of(tmp_path, runs)), [c for c, _ in runs])
    effects = analysis.main_effects(cells, ["width", "activation"])
    assert list(effects.columns) == ["factor", "level", "mean_error", "cells"]
    assert effects[["factor", "level", "cells"]].values.tolist() == [
        ["width", "100", 2],
        ["width", "200", 1],
        ["width", "300", 1],
        ["activation", "relu", 3],
        ["activation", "tanh", 1],
    ]
    assert effects["mean_error"].tolist() == pytest.approx([0.03, 0.02, 0.03, 0.02, 0.05])


def test_variance_explained_with_two_cells_and_with_no_variance(tmp_path):
    two = [(BASE, 0.02), (replace(BASE, activation="tanh"), 0.04)]
    cells = analysis.summarize(frame_of(store_of(tmp_path, two)), [c for c, _ in two])
    shares = analysis.variance_explained(cells, ["activation", "optimizer"])
    assert list(shares.columns) == ["factor", "share", "levels", "cells"]
    assert shares["factor"].tolist() == ["activation", "optimizer", "interactions"]
    assert shares["share"].tolist() == pytest.approx([1.0, 0.0, 0.0])
    assert shares["levels"].tolist()[:2] == [2, 1] and shares["cells"].tolist() == [2, 2, 2]
    flat = cells.assign(mean_error=0.03)  # every cell alike: nothing to explain
    assert analysis.variance_explained(flat, ["activation"])["share"].tolist() == [0.0, 1.0]
    one = analysis.variance_explained(cells.iloc[:1], ["activation"])
    assert one.empty and list(one.columns) == ["factor", "share", "levels", "cells"]


def test_interactions_hold_what_no_main_effect_explains(tmp_path):
    # error = 0.02 + 0.01 * (optimizer is sgd XOR width is 200): a pure interaction.
    runs = [
        (replace(BASE, optimizer=o, hidden=(w,)), 0.02 + 0.01 * ((o == "sgd") != (w == 200)))
        for o, w in itertools.product(["adam", "sgd"], [100, 200])
    ]
    cells = analysis.summarize(frame_of(store_of(tmp_path, runs)), [c for c, _ in runs])
    shares = analysis.variance_explained(cells, ["optimizer", "width"])
    assert shares["share"].tolist() == pytest.approx([0.0, 0.0, 1.0], abs=1e-9)


def test_factor_ranges_rows_name_the_set_its_levels_and_its_diverged_ones(tmp_path):
    sgd = replace(BASE, optimizer="sgd", learning_rate=0.1)
    wild = replace(BASE, optimizer="sgd", learning_rate=5.0)
    frame = frame_of(store_of(tmp_path, [(sgd, 0.05), (BASE, 0.02)], diverged=[wild]))
    ranges = analysis.factor_ranges(
        {
            "lonely": ("seed", analysis.summarize(frame, [BASE])),  # one level: left out
            "optimizers": ("optimizer", analysis.summarize(frame, [BASE, sgd, wild])),
        }
    )
    assert ranges.to_dict("records") == [
        {
            "factor": "optimizer",
            "set": "optimizers",
            "levels": 3,
            "best": "adam",
            "best_error": pytest.approx(0.02),
            "worst": "sgd",
            "worst_error": pytest.approx(0.05),
            "range": pytest.approx(0.03),
            "diverged": 1,
        }
    ]
    assert ranges.index.tolist() == [0]
    empty = analysis.factor_ranges({})
    assert empty.empty and list(empty.columns) == list(ranges.columns)


def test_factor_ranges_are_sorted_and_renumbered(tmp_path):
    optimizers = [(replace(BASE, optimizer="sgd", learning_rate=0.1), 0.05), (BASE, 0.02)]
    activations = [(replace(BASE, activation="tanh"), 0.025), (BASE, 0.02)]
    frame = frame_of(store_of(tmp_path, optimizers + activations[:1]))
    ranges = analysis.factor_ranges(
        {
            "activations": ("activation", analysis.summarize(frame, [c for c, _ in activations])),
            "optimizers": ("optimizer", analysis.summarize(frame, [c for c, _ in optimizers])),
        }
    )
    assert ranges["set"].tolist() == ["optimizers", "activations"]
    assert ranges.index.tolist() == [0, 1]


def test_stopping_table_rows_in_full(tmp_path):
    long, patience = replace(BASE, epochs=100), replace(BASE, epochs=100, stopping="patience")
    store = RunStore(tmp_path / "store")
    store.save(fake_result(BASE, history([0.03, 0.025])))
    store.save(fake_result(long, history([0.03, 0.018, 0.022])))
    store.save(fake_result(replace(long, seed=1), history([0.5]), status="diverged"))
    stopped = fake_result(patience, history([0.03, 0.02, 0.021, 0.024]))
    store.save(replace(stopped, best_epoch=2, metrics=replace(stopped.metrics, kept_epoch=2)))
    table = analysis.stopping_table(frame_of(store), BASE, long, patience)
    assert list(table.columns) == ["rule", "epochs_run", "kept_epoch", "eval_error", "n", "status"]
    assert table["rule"].tolist() == [
        "fixed 20 epochs (last weights)",
        "fixed 100 epochs (last weights)",
        "patience 5 (max 100), best weights restored",
        "best epoch of the 100-epoch run, in hindsight",
    ]
    assert table["epochs_run"].tolist() == [2, 3, 4, 3]  # the diverged seed is left out
    assert table["kept_epoch"].tolist() == [2, 3, 2, 2]  # last, last, best, best
    assert table["eval_error"].tolist() == pytest.approx([0.025, 0.022, 0.024, 0.018])
    assert table["n"].tolist() == [1, 1, 1, 1]
    missing = analysis.stopping_table(frame_of(store), replace(BASE, epochs=7), long, patience)
    assert missing.iloc[0]["status"] == "missing" and missing.iloc[0]["n"] == 0
    assert np.isnan(missing.iloc[0]["epochs_run"]) and np.isnan(missing.iloc[0]["kept_epoch"])


def test_level_means_are_cells_of_one_factor(tmp_path):
    runs = [(replace(BASE, hidden=(w,) * d), 0.01 * d) for w in (200, 100) for d in (2, 1)]
    cells = analysis.summarize(frame_of(store_of(tmp_path, runs)), [c for c, _ in runs])
    means = analysis.level_means(cells, "width")
    assert list(means.columns) == ["width", "mean_error", "status", "n"]
    assert means["width"].tolist() == [100, 200]  # sorted
    assert means["mean_error"].tolist() == pytest.approx([0.015, 0.015])
    assert means["status"].tolist() == ["finished", "finished"] and means["n"].tolist() == [2, 2]
