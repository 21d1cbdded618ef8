"""The side-by-side benchmark runs both loops on real MNIST and reports comparable figures."""

from __future__ import annotations

import pytest

from mlp_core.bench import compare_with_handout
from mlp_core.config import RunConfig


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
