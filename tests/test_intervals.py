"""mlp_core.report.intervals against references computed independently (mpmath, by hand).

The references (`interval_reference`) never call scipy nor the code under test: Clopper-Pearson from
the binomial tails it inverts, Wilson from its quadratic, z from erfinv, all in 40-digit arithmetic.
"""

from __future__ import annotations

import itertools
import math

import interval_reference as reference
import numpy as np
import pandas as pd
import pytest

from mlp_core.report import intervals

Z95 = 1.959963984540054  # Phi^-1(0.975)
BILLION = 10**12

#: Levels from nearly nothing to nearly certain; 1e-6 once gave lower > upper, 1 - 1e-9 lost z.
LEVELS = [1e-6, 0.5, 0.95, 0.99, 1 - 1e-9]
#: (errors, n): MNIST's test (10000) and validation (6000) sizes, tiny n, and n = 10^12.
COUNTS = [
    (0, 10000), (1, 10000), (141, 10000), (9999, 10000), (10000, 10000),
    (0, 6000), (1, 6000), (108, 6000), (5999, 6000),
    (0, 1), (1, 1), (1, 3), (0, 50), (50, 50),
    (0, BILLION), (1, BILLION), (2, BILLION), (BILLION - 2, BILLION), (BILLION, BILLION),
]  # fmt: skip


def relative_gap(value: float, expected: float) -> float:
    if expected == value:
        return 0.0
    return abs(value - expected) / max(abs(expected), 1e-300)


@pytest.mark.parametrize("confidence", LEVELS)
def test_z_value_matches_erfinv_in_40_digits(confidence):
    # 1 - 1e-9 is where norm.ppf(0.5 + c / 2) loses 8 digits (relative error 2.9e-9); at 1e-6 the
    # float level itself leaves z a relative 3e-11 (z is tiny there: 1.25e-6).
    tolerance = 1e-9 if confidence < 0.5 else 1e-14
    assert relative_gap(intervals.z_value(confidence), reference.z_value(confidence)) < tolerance


def test_z_value_at_the_usual_levels():
    assert intervals.z_value(0.95) == pytest.approx(Z95, abs=1e-12)
    assert intervals.z_value(0.99) == pytest.approx(2.5758293035489004, abs=1e-12)
    assert intervals.z_value() == intervals.z_value(0.95)


@pytest.mark.parametrize(("errors", "n"), COUNTS)
@pytest.mark.parametrize("confidence", [1e-6, 0.95, 1 - 1e-9])
def test_clopper_pearson_is_the_exact_binomial_inversion(errors, n, confidence):
    interval = intervals.clopper_pearson_interval(errors, n, confidence)
    lower, upper = reference.clopper_pearson(errors, n, confidence)
    # Beta quantiles are exact to a few dozen ulps; binomtest's root finder was off by 100% at n=1e12.
    assert relative_gap(interval.lower, lower) < 1e-13
    assert relative_gap(interval.upper, upper) < 1e-13
    assert interval.lower <= interval.error <= interval.upper


def test_clopper_pearson_at_two_errors_in_a_trillion():
    # The example: binomtest(...).proportion_ci gave [0, 7.09e-12].
    interval = intervals.clopper_pearson_interval(2, BILLION)
    assert interval.lower == pytest.approx(2.4220927854405677e-13, rel=1e-12)
    assert interval.upper == pytest.approx(7.224687667705086e-12, rel=1e-12)


@pytest.mark.parametrize(("errors", "n"), COUNTS)
@pytest.mark.parametrize("confidence", [1e-6, 0.95, 1 - 1e-9])
def test_wilson_is_the_root_pair_of_its_quadratic(errors, n, confidence):
    interval = intervals.wilson_interval(errors, n, confidence)
    lower, upper = reference.wilson(errors, n, confidence)
    # z carries a relative 3e-11 at level 1e-6 (see the z test), the bounds twice that at most.
    tolerance = 1e-10 if confidence < 0.5 else 1e-13
    assert relative_gap(interval.lower, lower) < tolerance
    assert relative_gap(interval.upper, upper) < tolerance


@pytest.mark.parametrize(("errors", "n"), COUNTS)
@pytest.mark.parametrize("confidence", [0.5, 0.95, 1 - 1e-9])
def test_normal_interval_is_p_plus_minus_z_standard_errors(errors, n, confidence):
    interval = intervals.normal_interval(errors, n, confidence)
    lower, upper = reference.normal(errors, n, confidence)
    assert interval.lower == pytest.approx(lower, rel=1e-12, abs=1e-300)
    assert interval.upper == pytest.approx(upper, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("method", intervals.METHODS)
def test_every_interval_holds_its_rate_and_stays_in_the_unit_range(method):
    for (errors, n), confidence in itertools.product(COUNTS, LEVELS):
        interval = intervals.error_interval(errors, n, confidence, method)
        assert 0.0 <= interval.lower <= interval.error <= interval.upper <= 1.0
        assert interval.error == errors / n and (interval.errors, interval.n) == (errors, n)
        assert interval.method == method and interval.confidence == confidence


@pytest.mark.parametrize("method", intervals.METHODS)
def test_a_higher_level_gives_a_wider_interval(method):
    for errors, n in [(1, 10000), (141, 10000), (5000, 10000), (2, BILLION)]:
        bounds = [
            intervals.error_interval(errors, n, level, method) for level in [0.5, 0.9, 0.95, 0.999]
        ]
        for narrow, wide in itertools.pairwise(bounds):
            # strictly wider, except where the normal interval is clipped at 0
            assert wide.lower < narrow.lower or wide.lower == narrow.lower == 0.0
            assert narrow.upper < wide.upper


@pytest.mark.parametrize("method", ["wilson", "clopper_pearson"])
def test_more_examples_at_the_same_rate_give_a_narrower_interval(method):
    widths = [
        (interval.upper - interval.lower)
        for n in (100, 1000, 10000, 100000)
        for interval in [intervals.error_interval(n // 50, n, 0.95, method)]
    ]
    assert widths == sorted(widths, reverse=True) and widths[-1] < widths[0] / 20


def test_exact_interval_is_wider_than_wilson_at_mnist_sizes():
    # Clopper-Pearson is conservative: at 141/10000 it contains the Wilson interval.
    exact = intervals.clopper_pearson_interval(141, 10000)
    wilson = intervals.wilson_interval(141, 10000)
    assert exact.lower < wilson.lower and wilson.upper < exact.upper


def test_intervals_of_a_rate_and_of_its_complement_mirror_each_other():
    for method in ("wilson", "clopper_pearson"):
        for errors, n in [(1, 10000), (141, 10000), (3, 7), (2, BILLION)]:
            wrong = intervals.error_interval(errors, n, 0.95, method)
            right = intervals.error_interval(n - errors, n, 0.95, method)
            assert wrong.lower == pytest.approx(1 - right.upper, rel=1e-9, abs=1e-15)
            assert wrong.upper == pytest.approx(1 - right.lower, rel=1e-9, abs=1e-15)


def test_normal_interval_by_hand_for_141_of_10000():
    interval = intervals.normal_interval(141, 10000, 0.95)
    half = Z95 * math.sqrt(0.0141 * (1 - 0.0141) / 10000)
    assert interval.error == 0.0141
    assert interval.lower == pytest.approx(0.0141 - half, abs=1e-12)
    assert interval.upper == pytest.approx(0.0141 + half, abs=1e-12)
    # The same numbers written out: 1.41% ± 0.2311 points.
    assert (interval.lower, interval.upper) == pytest.approx((0.011789, 0.016411), abs=1e-6)


def test_normal_interval_is_clipped_to_unit_range():
    low = intervals.normal_interval(1, 10, 0.99)  # 0.1 - 2.576 * 0.0949 < 0
    assert low.lower == 0.0 and low.upper == pytest.approx(0.1 + 2.5758293 * math.sqrt(0.009))
    high = intervals.normal_interval(9, 10, 0.99)
    assert high.upper == 1.0 and high.lower == pytest.approx(0.9 - 2.5758293 * math.sqrt(0.009))


def test_intervals_at_zero_errors_by_hand():
    n, alpha = 50, 0.05
    clopper = intervals.clopper_pearson_interval(0, n)
    assert clopper.lower == 0.0
    assert clopper.upper == pytest.approx(1 - (alpha / 2) ** (1 / n), rel=1e-12)
    wilson = intervals.wilson_interval(0, n)
    assert wilson.lower == 0.0
    assert wilson.upper == pytest.approx(Z95**2 / (n + Z95**2), rel=1e-12)
    normal = intervals.normal_interval(0, n)
    assert (normal.lower, normal.upper) == (0.0, 0.0)


def test_intervals_at_n_errors_by_hand():
    n, alpha = 50, 0.05
    clopper = intervals.clopper_pearson_interval(n, n)
    assert clopper.upper == 1.0
    assert clopper.lower == pytest.approx((alpha / 2) ** (1 / n), rel=1e-12)
    wilson = intervals.wilson_interval(n, n)
    assert wilson.upper == 1.0
    assert wilson.lower == pytest.approx(n / (n + Z95**2), rel=1e-12)


def test_error_intervals_lists_the_three_methods_with_their_values():
    frame = intervals.error_intervals(141, 10000, 0.9)
    assert list(frame.columns) == [
        "method", "method_name", "errors", "n", "confidence", "error", "lower", "upper"
    ]  # fmt: skip
    assert list(frame["method"]) == list(intervals.METHODS)
    assert list(frame["method_name"]) == [intervals.METHOD_NAMES[m] for m in intervals.METHODS]
    for record in frame.to_dict("records"):
        interval = intervals.error_interval(141, 10000, 0.9, record["method"])
        assert (record["lower"], record["upper"]) == (interval.lower, interval.upper)
        assert record["error"] == 0.0141 and record["n"] == 10000 and record["errors"] == 141
        assert record["confidence"] == 0.9


def test_error_interval_dispatches_to_each_method():
    for method, function in [
        ("normal", intervals.normal_interval),
        ("wilson", intervals.wilson_interval),
        ("clopper_pearson", intervals.clopper_pearson_interval),
    ]:
        assert intervals.error_interval(141, 10000, 0.9, method) == function(141, 10000, 0.9)
    assert intervals.error_interval(141, 10000) == intervals.wilson_interval(141, 10000, 0.95)


def test_contains_is_closed_at_both_ends():
    interval = intervals.Interval("wilson", 1, 10, 0.95, 0.1, 0.05, 0.2)
    assert interval.contains(0.05) and interval.contains(0.2) and interval.contains(0.1)
    assert not interval.contains(0.0499) and not interval.contains(0.2001)


@pytest.mark.parametrize("confidence", [0.5, 0.95, 0.99, 1 - 1e-9])
def test_mean_t_interval_is_mean_plus_minus_t_standard_errors(confidence):
    values = np.array([0.0141, 0.0150, 0.0137, 0.0162, 0.0145])
    result = intervals.mean_t_interval(values, confidence)
    standard_error = values.std(ddof=1) / math.sqrt(values.size)
    half = reference.t_quantile(confidence, values.size - 1) * standard_error
    assert result.mean == pytest.approx(values.mean(), rel=1e-15)
    assert result.lower == pytest.approx(values.mean() - half, rel=1e-12)
    assert result.upper == pytest.approx(values.mean() + half, rel=1e-12)
    assert result.std == pytest.approx(values.std(ddof=1), rel=1e-15)
    assert (result.n, result.confidence) == (5, confidence)


def test_mean_t_interval_of_two_equal_values_has_zero_width():
    result = intervals.mean_t_interval(pd.Series([0.02, 0.02]))
    assert (result.lower, result.mean, result.upper, result.std) == (0.02, 0.02, 0.02, 0.0)


def test_counts_accept_integral_numbers_and_nothing_else():
    assert intervals.as_count(np.int64(7), "n") == 7 and intervals.as_count(7.0, "n") == 7
    assert intervals.check_counts(0, 1) == (0, 1) and intervals.check_counts(5, 5) == (5, 5)
    assert intervals.check_rate(0, "rate") == 0.0 and intervals.check_rate(1, "rate") == 1.0
    assert intervals.check_confidence("0.9") == 0.9


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: intervals.wilson_interval(5, 100, 1.0), "^confidence must be strictly between"),
        (lambda: intervals.wilson_interval(5, 100, 0.0), "^confidence must be strictly between"),
        (lambda: intervals.normal_interval(5, 100, 95), r"^confidence .*\(e\.g\. 0\.95\), got 95"),
        (
            lambda: intervals.z_value("high"),
            r"^confidence must be a number in \(0, 1\), got 'high'",
        ),
        (lambda: intervals.z_value(None), r"^confidence must be a number in \(0, 1\), got None"),
        (
            lambda: intervals.normal_interval(0, 0),
            r"^n \(number of test examples\) must be positive",
        ),
        (lambda: intervals.clopper_pearson_interval(101, 100), r"^errors \(101\) cannot exceed n"),
        (lambda: intervals.wilson_interval(-1, 100), "^errors must be >= 0, got -1"),
        (lambda: intervals.wilson_interval(1.5, 100), "^errors must be an integer count, got 1.5"),
        (
            lambda: intervals.wilson_interval(True, 100),
            "^errors must be an integer count, got True",
        ),
        (lambda: intervals.wilson_interval(1, "100"), "^n must be an integer count, got '100'"),
        (
            lambda: intervals.error_interval(1, 100, method="wald"),
            "^unknown interval method 'wald'",
        ),
        (lambda: intervals.mean_t_interval([], 0.95), "^a t-interval needs at least 2 .* got 0"),
        (lambda: intervals.mean_t_interval([0.1], 0.95), "^a t-interval needs at least 2"),
        (lambda: intervals.mean_t_interval([0.1, math.nan]), r"^values must be finite"),
        (lambda: intervals.mean_t_interval([0.1, 0.2], 1.5), "^confidence must be strictly"),
        (
            lambda: intervals.check_rate(1.5, "published_rate"),
            r"^published_rate must be a fraction",
        ),
        (lambda: intervals.check_rate(-0.1, "rate"), r"^rate must be a fraction in \[0, 1\]"),
    ],
)
def test_invalid_input_raises_a_value_error_that_names_the_value(call, message):
    # Anchored: the message starts by naming what is wrong (it is shown to students as is).
    with pytest.raises(ValueError, match=message):
        call()


def test_error_intervals_default_to_95_percent():
    assert intervals.error_intervals(141, 10000).equals(intervals.error_intervals(141, 10000, 0.95))


def test_non_finite_replicates_are_named():
    with pytest.raises(ValueError, match=r"^values must be finite \(no NaN or inf\)$"):
        intervals.mean_t_interval([0.1, math.inf])
