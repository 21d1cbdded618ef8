"""Cost estimates: FLOPs per epoch and a throughput from stored runs of the newest engine; steps timed
on this machine, the estimate from them, its cache and its benchmark."""

from __future__ import annotations

from dataclasses import replace

import pytest
from synthetic_runs import fake_result, stored_run

from mlp_core.config import RunConfig, version_order
from mlp_core.sweep import calibration, estimate_bench
from mlp_core.sweep.calibration import StepShape
from mlp_core.sweep.estimate import (
    DEFAULT_THROUGHPUT,
    STEP_OVERHEAD_SECONDS,
    CostEstimate,
    StepTiming,
    estimate_seconds,
    flops_per_epoch,
    steps_per_epoch,
    throughput,
    timed_estimate,
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
    from mlp_core.sweep.estimate import DROPOUT_SECONDS_PER_UNIT

    plain = RunConfig(hidden=(1024, 1024), epochs=50)
    dropped = replace(plain, dropout=0.4, input_dropout=0.2)
    extra = estimate_seconds(dropped, 3e11) - estimate_seconds(plain, 3e11)
    units = (784 + 1024 + 1024) * plain.train_size * plain.epochs
    assert extra == pytest.approx(DROPOUT_SECONDS_PER_UNIT["cpu"] * units)


# -- timed on this machine ------------------------------------------------------------------------


def timing(steps=(0.010, 0.012, 0.011), evaluation=(1e-6, 2e-6), setup=0.5) -> StepTiming:
    return StepTiming(steps, evaluation, setup, "cpu (x)", 2)


def test_timed_estimate_counts_steps_evaluations_and_setup():
    config = RunConfig(epochs=3)  # 540 steps of 100, 54000 + 6000 images evaluated per epoch
    estimate = timed_estimate(config, timing())
    assert estimate.per_epoch == pytest.approx(540 * 0.011 + 60000 * 1.5e-6)
    assert estimate.total == pytest.approx(0.5 + 3 * estimate.per_epoch)
    assert estimate.low == pytest.approx(0.5 + 3 * (540 * 0.010 + 60000 * 1e-6))
    assert estimate.high == pytest.approx(0.5 + 3 * (540 * 0.012 + 60000 * 2e-6))
    assert estimate.low < estimate.total < estimate.high and estimate.epochs == 3


def test_timed_estimate_follows_batches_and_the_test_split():
    small_batches = timed_estimate(RunConfig(batch_size=50, epochs=1), timing(evaluation=(0.0,)))
    assert small_batches.per_epoch == pytest.approx(1080 * 0.011)
    final = timed_estimate(RunConfig(split="test", epochs=1), timing(steps=(0.0,)))
    assert final.per_epoch == pytest.approx(70000 * 1.5e-6)  # 60000 training + 10000 test images


def test_relative_error_is_measured_against_estimated():
    estimate = CostEstimate(per_epoch=5.0, total=100.0, low=90.0, high=120.0, epochs=20)
    assert estimate.relative_error(125.0) == pytest.approx(0.25)
    assert estimate.relative_error(80.0) == pytest.approx(-0.2)


def test_step_shape_is_what_a_step_costs_and_nothing_else():
    base = RunConfig()
    same = [
        replace(base, learning_rate=0.1, epochs=3, seed=4, schedule="cosine", split="test"),
        replace(base, stopping="patience", validation_size=1000),
    ]
    assert all(StepShape.of(config) == StepShape.of(base) for config in same)
    different = [
        replace(base, hidden=(500,)),
        replace(base, activation="tanh"),
        replace(base, optimizer="sgd"),
        replace(base, batch_size=50),
        replace(base, dropout=0.2),
        replace(base, input_dropout=0.2),
        replace(base, weight_decay=1e-4),
    ]
    assert len({StepShape.of(config) for config in [base, *different]}) == len(different) + 1


@pytest.fixture
def counted_timings(monkeypatch):
    """`measure_step_timing` replaced by a counter; the cache emptied before and after."""
    calls = []

    def fake(config, device=None):
        calls.append(config)
        return timing(steps=(float(len(calls)),))

    monkeypatch.setattr(calibration, "measure_step_timing", fake)
    monkeypatch.setattr(calibration, "_cache", {})
    return calls


def test_a_timing_is_reused_per_shape_until_it_is_too_old(counted_timings):
    now = [1000.0]
    clock = lambda: now[0]  # noqa: E731
    first = calibration.step_timing(RunConfig(), "cpu", clock=clock)
    assert calibration.step_timing(RunConfig(seed=3, epochs=2), "cpu", clock=clock) is first
    assert len(counted_timings) == 1
    calibration.step_timing(RunConfig(hidden=(10,)), "cpu", clock=clock)  # another shape
    assert len(counted_timings) == 2
    now[0] += calibration.MAX_AGE_SECONDS - 1
    assert calibration.step_timing(RunConfig(), "cpu", clock=clock) is first
    now[0] += 2  # older than MAX_AGE_SECONDS: measured again
    assert calibration.step_timing(RunConfig(), "cpu", clock=clock) is not first
    assert len(counted_timings) == 3
    assert calibration.step_timing(RunConfig(), "cpu", max_age=0, clock=clock).step_seconds == (
        4.0,
    )


def test_measured_estimate_is_the_timed_estimate_of_the_cached_timing(counted_timings):
    config = RunConfig(epochs=2)
    estimate = calibration.measured_estimate(config, "cpu")
    assert estimate == timed_estimate(config, timing(steps=(1.0,)))


def test_measuring_a_small_network_times_real_steps():
    config = RunConfig(hidden=(16,), batch_size=20, dropout=0.5, optimizer="sgd")
    measured = calibration.measure_step_timing(config, "cpu")
    assert len(measured.step_seconds) == calibration.BLOCKS
    assert len(measured.eval_seconds) == calibration.EVAL_REPEATS
    assert all(seconds > 0 for seconds in (*measured.step_seconds, *measured.eval_seconds))
    assert measured.setup_seconds > 0 and measured.threads >= 1
    assert measured.device_name.startswith("cpu")
    # A step of 20 images through 784-16-10 takes well under a second even on a loaded machine.
    assert max(measured.step_seconds) < 1.0


def test_bench_compares_each_estimate_with_the_run_it_predicts(monkeypatch):
    trained = []

    def fake_train(config, device=None):
        trained.append(config)
        seconds = 13.0 if config.hidden == (8,) else 30.0
        result = fake_result(config, {"epoch": [1], "train_error": [0.1], "eval_error": [0.1]})
        return replace(result, provenance=replace(result.provenance, seconds=seconds))

    monkeypatch.setattr(estimate_bench, "train", fake_train)
    monkeypatch.setattr(estimate_bench, "load_arrays", lambda name: None)
    monkeypatch.setattr(estimate_bench, "measure_step_timing", lambda config, device: timing())
    runs = {"small": RunConfig(hidden=(8,), epochs=20), "other": RunConfig(hidden=(9,), epochs=20)}
    lines = []
    checks = estimate_bench.bench_estimates(epochs=1, runs=runs, report=lines.append)
    assert [config.epochs for config in trained] == [1, 1]
    expected = 0.5 + 540 * 0.011 + 60000 * 1.5e-6  # 6.53 s
    assert [check.estimate.total for check in checks] == pytest.approx([expected, expected])
    assert [check.measured for check in checks] == [13.0, 30.0]
    assert checks[0].error == pytest.approx(13.0 / expected - 1)
    assert len(lines) == 2 and lines[0].startswith("small: estimated 6.5 s, took 13.0 s")
    table = estimate_bench.estimate_lines(checks)
    assert table[0] == "device: cpu (x), 2 threads"
    assert "small" in table[2] and "+99%" in table[2] and "6.5" in table[2]
    assert table[2].endswith(" no") and not checks[0].in_range  # 13 s is above 6.0-7.1 s
    assert table[-1].endswith("not met")
    close = estimate_bench.EstimateCheck(
        "a", RunConfig(), checks[0].estimate, expected * 1.3, "d", 1
    )
    assert close.met and estimate_bench.estimate_lines([close])[-1].endswith(": met")
    inside = replace(close, measured=checks[0].estimate.high)
    assert inside.in_range and estimate_bench.estimate_lines([inside])[2].endswith(" yes")
    assert not replace(close, measured=expected * 1.31).met


def test_bench_runs_are_the_three_the_issue_names():
    handout, deep, final = estimate_bench.RUNS.values()
    assert handout == RunConfig() and deep.hidden == (800, 800, 800)
    assert (final.hidden, final.dropout, final.input_dropout, final.epochs) == (
        (1024, 1024),
        0.4,
        0.2,
        50,
    )


def test_a_slow_block_widens_the_range_but_does_not_move_the_middle():
    # A burst of load elsewhere during one timed block: the median stands, the range says it.
    bursty = timed_estimate(RunConfig(epochs=1), timing(steps=(0.01, 0.01, 0.2), evaluation=(0.0,)))
    assert bursty.per_epoch == pytest.approx(540 * 0.01)
    assert (bursty.low, bursty.high) == pytest.approx((0.5 + 540 * 0.01, 0.5 + 540 * 0.2))
