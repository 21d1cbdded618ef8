"""The side-by-side benchmark runs both loops on real MNIST and reports comparable figures."""

from __future__ import annotations

import pytest

from mlp_core.config import RunConfig
from mlp_core.sweep.bench import compare_with_handout, comparison_lines


@pytest.mark.slow
def test_bench_runs_both_loops_to_the_same_error():
    lines: list[str] = []
    figures = compare_with_handout(epochs=1, config=RunConfig(hidden=(100,)), report=lines.append)
    assert figures["epochs"] == 1
    for kind in ("train", "epoch"):
        assert figures[f"handout_{kind}_seconds"] > 0 and figures[f"engine_{kind}_seconds"] > 0
    # One epoch of the same model, seed and split: both near 5% validation error, within a point.
    assert abs(figures["handout_eval_error"] - figures["engine_eval_error"]) < 0.01
    assert figures["engine_eval_error"] < 0.08
    assert any(line.startswith("handout epoch 1") for line in lines)
    assert any(line.startswith("engine epoch 1") for line in lines)


def test_bench_refuses_what_the_handout_loop_cannot_run():
    with pytest.raises(ValueError, match="ReLU \\+ Adam"):
        compare_with_handout(epochs=1, config=RunConfig(optimizer="sgd"))


FIGURES = {
    "device": "cpu (x86_64)",
    "threads": 2,
    "epochs": 3,
    "handout_train_seconds": 4.0,
    "engine_train_seconds": 0.8,
    "handout_epoch_seconds": 6.0,
    "engine_epoch_seconds": 1.0,
    "speedup_train": 5.0,
    "handout_eval_error": 0.0250,
    "engine_eval_error": 0.0240,
}


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        ({}, "met"),
        ({"engine_train_seconds": 1.0, "speedup_train": 4.0}, "not met"),
        ({"engine_eval_error": 0.0310}, "not met"),  # faster, but 0.6 points worse
    ],
)
def test_the_table_says_whether_the_target_is_met(changes, verdict):
    lines = comparison_lines({**FIGURES, **changes})
    assert lines[-1].endswith(f": {verdict}")
    assert any("training only" in line and "4.00" in line for line in lines)
