"""mlp_core.report.stats against scipy and against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from mlp_core.report import stats

Z95 = 1.959963984540054  # Phi^-1(0.975)


def test_z_value_is_the_two_sided_normal_quantile():
    assert stats.z_value(0.95) == pytest.approx(Z95, abs=1e-12)
    assert stats.z_value(0.99) == pytest.approx(2.5758293035489004, abs=1e-12)


def test_normal_interval_by_hand_for_141_of_10000():
    interval = stats.normal_interval(141, 10000, 0.95)
    half = Z95 * math.sqrt(0.0141 * (1 - 0.0141) / 10000)
    assert interval.error == 0.0141
    assert interval.lower == pytest.approx(0.0141 - half, abs=1e-12)
    assert interval.upper == pytest.approx(0.0141 + half, abs=1e-12)
    # The same numbers written out: 1.41% ± 0.2311 points.
    assert (interval.lower, interval.upper) == pytest.approx((0.011789, 0.016411), abs=1e-6)


def test_normal_interval_is_clipped_to_unit_range():
    low = stats.normal_interval(1, 10, 0.99)  # 0.1 - 2.576 * 0.0949 < 0
    assert low.lower == 0.0
    high = stats.normal_interval(9, 10, 0.99)
    assert high.upper == 1.0


@pytest.mark.parametrize("errors", [0, 10, 141, 10000])
@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.999])
def test_wilson_and_clopper_pearson_equal_scipy(errors, confidence):
    result = scipy_stats.binomtest(errors, 10000)
    for method, scipy_method in (("wilson", "wilson"), ("clopper_pearson", "exact")):
        expected = result.proportion_ci(confidence, method=scipy_method)
        interval = stats.error_interval(errors, 10000, confidence, method)
        assert (interval.lower, interval.upper) == pytest.approx(
            (expected.low, expected.high), abs=1e-14
        )


def test_intervals_at_zero_errors_by_hand():
    n, alpha = 50, 0.05
    clopper = stats.clopper_pearson_interval(0, n)
    assert clopper.lower == 0.0
    assert clopper.upper == pytest.approx(1 - (alpha / 2) ** (1 / n), rel=1e-9)
    wilson = stats.wilson_interval(0, n)
    assert wilson.lower == pytest.approx(0.0, abs=1e-15)
    assert wilson.upper == pytest.approx(Z95**2 / (n + Z95**2), rel=1e-9)
    normal = stats.normal_interval(0, n)
    assert (normal.lower, normal.upper) == (0.0, 0.0)


def test_intervals_at_n_errors_by_hand():
    n, alpha = 50, 0.05
    clopper = stats.clopper_pearson_interval(n, n)
    assert clopper.upper == 1.0
    assert clopper.lower == pytest.approx((alpha / 2) ** (1 / n), rel=1e-9)
    wilson = stats.wilson_interval(n, n)
    assert wilson.upper == pytest.approx(1.0, abs=1e-15)
    assert wilson.lower == pytest.approx(n / (n + Z95**2), rel=1e-9)


def test_error_intervals_lists_the_three_methods_with_their_values():
    frame = stats.error_intervals(141, 10000, 0.9)
    assert list(frame["method"]) == list(stats.METHODS)
    for record in frame.to_dict("records"):
        interval = stats.error_interval(141, 10000, 0.9, record["method"])
        assert (record["lower"], record["upper"]) == (interval.lower, interval.upper)
        assert record["error"] == 0.0141 and record["n"] == 10000


def test_mean_t_interval_equals_scipy_t():
    values = np.array([0.0141, 0.0150, 0.0137, 0.0162, 0.0145])
    result = stats.mean_t_interval(values, 0.95)
    low, high = scipy_stats.t.interval(
        0.95, len(values) - 1, loc=values.mean(), scale=scipy_stats.sem(values)
    )
    assert (result.lower, result.upper) == pytest.approx((low, high), rel=1e-12)
    assert result.std == pytest.approx(values.std(ddof=1))


def test_mcnemar_on_a_hand_made_table():
    # 2x2 table: both right 9800, only A wrong 30, only B wrong 50, both wrong 120.
    labels = np.zeros(10000, dtype=np.int64)
    a = labels.copy()
    b = labels.copy()
    a[:30] = 1  # only A wrong
    b[30:80] = 2  # only B wrong
    a[80:200] = 3  # both wrong
    b[80:200] = 4
    result = stats.mcnemar_exact(labels, a, b)
    assert (result.only_a_wrong, result.only_b_wrong) == (30, 50)
    assert (result.both_wrong, result.both_right) == (120, 9800)
    expected = scipy_stats.binomtest(30, 80, 0.5).pvalue
    assert result.p_value == pytest.approx(expected, rel=1e-12)
    by_hand = 2 * sum(math.comb(80, i) for i in range(31)) / 2**80
    assert result.p_value == pytest.approx(by_hand, rel=1e-9)
    assert stats.mcnemar_exact_counts(30, 50).p_value == result.p_value


def test_mcnemar_without_discordant_pairs_gives_p_one():
    assert stats.mcnemar_exact_counts(0, 0).p_value == 1.0


def test_compare_with_published_uses_the_two_sided_binomial_test():
    result = stats.compare_with_published(141, 10000, 0.0151)
    assert result.p_value == pytest.approx(scipy_stats.binomtest(141, 10000, 0.0151).pvalue)
    assert not result.significant and result.published_inside and result.intervals_overlap
    far = stats.compare_with_published(141, 10000, 0.05)
    assert far.significant and not far.published_inside and not far.intervals_overlap


def test_per_class_errors_and_confusion_counts():
    labels = np.array([0, 0, 0, 1, 1, 2])
    predictions = np.array([0, 1, 0, 1, 1, 0])
    matrix = stats.confusion_counts(labels, predictions)
    assert matrix.tolist() == [[2, 1, 0], [0, 2, 0], [1, 0, 0]]
    frame = stats.per_class_errors(labels, predictions)
    assert frame["errors"].tolist() == [1, 0, 1]
    assert frame["n"].tolist() == [3, 2, 1]
    wilson = stats.wilson_interval(1, 3)
    assert (frame.loc[0, "lower"], frame.loc[0, "upper"]) == (wilson.lower, wilson.upper)
    assert stats.count_errors(labels, predictions) == 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: stats.wilson_interval(5, 100, 1.0), "confidence"),
        (lambda: stats.wilson_interval(5, 100, 0.0), "confidence"),
        (lambda: stats.normal_interval(5, 100, 95), "confidence"),
        (lambda: stats.normal_interval(0, 0), "positive"),
        (lambda: stats.clopper_pearson_interval(101, 100), "exceed"),
        (lambda: stats.wilson_interval(-1, 100), ">= 0"),
        (lambda: stats.wilson_interval(1.5, 100), "integer"),
        (lambda: stats.error_interval(1, 100, method="wald"), "unknown"),
        (lambda: stats.mean_t_interval([], 0.95), "at least 2"),
        (lambda: stats.mean_t_interval([0.1], 0.95), "at least 2"),
        (lambda: stats.mcnemar_exact([0, 1], [0, 1], [0]), "must match"),
        (lambda: stats.mcnemar_exact([], [], []), "empty"),
        (lambda: stats.mcnemar_exact_counts(-1, 3), ">= 0"),
        (lambda: stats.per_class_errors([0, 1, 2], [0, 1]), "must match"),
        (lambda: stats.confusion_counts([0, 1], [0.5, 1.0]), "integer"),
        (lambda: stats.compare_with_published(1, 100, 1.5), "not a percent"),
    ],
)
def test_invalid_input_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
