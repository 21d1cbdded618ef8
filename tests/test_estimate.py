"""Cost estimates: FLOPs per epoch, a throughput from stored runs of the newest engine, seconds."""

from __future__ import annotations

import pytest
from synthetic_runs import stored_run

from mlp_core.config import RunConfig, version_order
from mlp_core.sweep.estimate import (
    DEFAULT_THROUGHPUT,
    STEP_OVERHEAD_SECONDS,
    estimate_seconds,
    flops_per_epoch,
    steps_per_epoch,
    throughput,
)


def record(config: RunConfig, seconds: float, version: str, device_name: str = "cpu (x)"):
    """A stored run of ``config`` that took ``seconds`` on ``device_name`` (all its epochs run)."""
    return stored_run(config, 100, version=version, seconds=seconds, device_name=device_name)


def test_a_stored_run_of_the_newest_engine_predicts_its_own_cost():
    config = RunConfig()
    rows = [record(config, 20.0, "2"), record(config, 200.0, "1"), record(config, 1.0, "9", "gpu")]
    rate = throughput(rows, "cpu (x)")
    assert estimate_seconds(config, rate) == pytest.approx(20.0)  # not 200 s: v1 is ignored
    overhead = STEP_OVERHEAD_SECONDS["cpu"] * steps_per_epoch(config) * config.epochs
    assert rate == pytest.approx(flops_per_epoch(config) * config.epochs / (20.0 - overhead))


def test_no_run_on_this_device_falls_back_to_the_default():
    assert (
        throughput([record(RunConfig(), 20.0, "2", "other")], "cpu (x)")
        == DEFAULT_THROUGHPUT["cpu"]
    )


def test_code_versions_sort_numerically():
    assert sorted(["10", "2", "1", "dev"], key=version_order) == ["1", "2", "10", "dev"]


def test_dropout_masks_add_their_drawing_time():
    from dataclasses import replace

    from mlp_core.sweep.estimate import DROPOUT_SECONDS_PER_UNIT

    plain = RunConfig(hidden=(1024, 1024), epochs=50)
    dropped = replace(plain, dropout=0.4, input_dropout=0.2)
    extra = estimate_seconds(dropped, 3e11) - estimate_seconds(plain, 3e11)
    units = (784 + 1024 + 1024) * plain.train_size * plain.epochs
    assert extra == pytest.approx(DROPOUT_SECONDS_PER_UNIT["cpu"] * units)
