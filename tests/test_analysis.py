"""mlp_core.report.analysis on stores of made-up runs whose answers are known by construction."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from synthetic_runs import fake_result

from mlp_core.config import RunConfig
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
