"""mlp_core.report.stats (significance tests, per-class errors) against values computed by hand.

The p-values are recomputed here from binomial probabilities (40-digit mpmath, exact integers for the
sign test), not through scipy.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from mlp_core.report import intervals, stats


@functools.cache
def two_sided_binomial_p(k: int, n: int, rate: float) -> float:
    """Exact two-sided binomial test: the probability of every outcome no more likely than k.

    The "no more likely" comparison allows a relative 1e-7, as exact test implementations do, so
    that outcomes equally likely by symmetry are not lost to rounding.
    """
    with mpmath.workdps(40):
        p = mpmath.mpf(rate)
        pmf = [(1 - p) ** n]  # P(X = 0), then P(X = i + 1) = P(X = i) (n - i) / (i + 1) p / (1 - p)
        for i in range(n):
            pmf.append(pmf[-1] * (n - i) / (i + 1) * p / (1 - p))
        observed = pmf[k] * (1 + mpmath.mpf(10) ** -7)
        return float(min(1, mpmath.fsum(value for value in pmf if value <= observed)))


def mcnemar_by_hand(b: int, c: int) -> float:
    """2 * P(X <= min(b, c)) for X ~ Binomial(b + c, 1/2), capped at 1."""
    total = b + c
    tail = Fraction(sum(math.comb(total, i) for i in range(min(b, c) + 1)), 2**total)
    return float(min(Fraction(1), 2 * tail))


def paired_predictions(only_a: int, only_b: int, both: int, right: int):
    """Labels (all 0) and two prediction arrays with the asked 2x2 table."""
    n = only_a + only_b + both + right
    labels = np.zeros(n, dtype=np.int64)
    a, b = labels.copy(), labels.copy()
    a[:only_a] = 1
    b[only_a : only_a + only_b] = 2
    a[only_a + only_b : only_a + only_b + both] = 3
    b[only_a + only_b : only_a + only_b + both] = 4
    return labels, a, b


def test_mcnemar_counts_the_four_cells_of_a_hand_made_table():
    labels, a, b = paired_predictions(30, 50, 120, 9800)
    result = stats.mcnemar_exact(labels, a, b)
    assert (result.only_a_wrong, result.only_b_wrong) == (30, 50)
    assert (result.both_wrong, result.both_right) == (120, 9800)
    assert result.p_value == pytest.approx(mcnemar_by_hand(30, 50), rel=1e-12)
    assert stats.mcnemar_exact_counts(30, 50).p_value == result.p_value


@pytest.mark.parametrize(
    ("b", "c"), [(30, 50), (50, 30), (0, 10), (10, 0), (1, 2), (7, 7), (0, 1), (100, 140)]
)
def test_mcnemar_p_value_is_the_two_sided_sign_test(b, c):
    result = stats.mcnemar_exact_counts(b, c)
    assert result.p_value == pytest.approx(mcnemar_by_hand(b, c), rel=1e-12)
    assert (result.only_a_wrong, result.only_b_wrong) == (b, c)
    assert result.both_wrong is None and result.both_right is None


def test_mcnemar_is_symmetric_and_only_discordant_pairs_matter():
    assert stats.mcnemar_exact_counts(3, 17).p_value == stats.mcnemar_exact_counts(17, 3).p_value
    few = stats.mcnemar_exact(*paired_predictions(3, 17, 0, 10))
    many = stats.mcnemar_exact(*paired_predictions(3, 17, 500, 9000))
    assert few.p_value == many.p_value
    swapped = stats.mcnemar_exact(
        paired_predictions(3, 17, 5, 10)[0], *paired_predictions(3, 17, 5, 10)[:0:-1]
    )
    assert (swapped.only_a_wrong, swapped.only_b_wrong, swapped.both_wrong) == (17, 3, 5)


def test_mcnemar_without_discordant_pairs_gives_p_one():
    assert stats.mcnemar_exact_counts(0, 0).p_value == 1.0
    identical = stats.mcnemar_exact(*paired_predictions(0, 0, 4, 6))
    assert identical.p_value == 1.0 and (identical.both_wrong, identical.both_right) == (4, 6)


@pytest.mark.parametrize(
    ("errors", "rate"), [(141, 0.0151), (141, 0.05), (100, 0.0151), (200, 0.0151), (0, 0.001)]
)
def test_compare_with_published_p_value_is_the_exact_binomial_test(errors, rate):
    result = stats.compare_with_published(errors, 10000, rate)
    expected = two_sided_binomial_p(errors, 10000, rate)
    assert result.p_value == pytest.approx(expected, rel=1e-9)
    assert result.significant is (expected < 0.05)
    assert result.ours == intervals.wilson_interval(errors, 10000)
    assert result.published_rate == rate


def test_compare_with_published_reads_inside_and_overlap_from_the_intervals():
    near = stats.compare_with_published(141, 10000, 0.0151)
    assert not near.significant and near.published_inside and near.intervals_overlap
    assert near.published_interval == intervals.wilson_interval(151, 10000)
    far = stats.compare_with_published(141, 10000, 0.05)
    assert far.significant and not far.published_inside and not far.intervals_overlap
    # Outside our interval but the two intervals still meet: 141 vs 1.75% on 10000 images.
    between = stats.compare_with_published(141, 10000, 0.0175)
    assert not between.published_inside and between.intervals_overlap
    below = stats.compare_with_published(175, 10000, 0.0141)
    assert not below.published_inside and below.intervals_overlap


def test_compare_with_published_follows_level_method_and_published_n():
    loose = stats.compare_with_published(141, 10000, 0.0165, confidence=0.5)
    strict = stats.compare_with_published(141, 10000, 0.0165, confidence=0.99)
    assert loose.p_value == strict.p_value
    assert loose.significant and not strict.significant  # p is about 0.04
    assert loose.ours == intervals.wilson_interval(141, 10000, 0.5)
    exact = stats.compare_with_published(141, 10000, 0.0151, method="clopper_pearson")
    assert exact.ours == intervals.clopper_pearson_interval(141, 10000)
    assert exact.published_interval == intervals.clopper_pearson_interval(151, 10000)
    small = stats.compare_with_published(141, 10000, 0.0151, published_n=1000)
    assert small.published_interval == intervals.wilson_interval(15, 1000)


def test_significance_is_strictly_below_alpha():
    # 0 errors of 5 against a rate of 1/2: p = 2 / 2^5 = 0.0625 exactly, as is 1 - 0.9375.
    at_boundary = stats.compare_with_published(0, 5, 0.5, confidence=0.9375)
    assert at_boundary.p_value == 0.0625 and not at_boundary.significant
    assert stats.compare_with_published(0, 5, 0.5, confidence=0.93).significant


def test_confusion_counts_rows_are_truth_and_columns_predictions():
    labels = np.array([0, 0, 0, 1, 1, 2])
    predictions = np.array([0, 1, 0, 1, 1, 0])
    matrix = stats.confusion_counts(labels, predictions)
    assert matrix.tolist() == [[2, 1, 0], [0, 2, 0], [1, 0, 0]]
    assert matrix.dtype == np.int64
    wider = stats.confusion_counts(labels, predictions, num_classes=5)
    assert wider.shape == (5, 5) and wider[:3, :3].tolist() == matrix.tolist() and wider.sum() == 6
    # The largest index seen sets the size, whichever array it is in.
    assert stats.confusion_counts([0, 0], [0, 3]).shape == (4, 4)
    assert stats.confusion_counts([3, 0], [0, 0]).shape == (4, 4)
    assert stats.confusion_counts([0, 2], [0, 2], num_classes=3).shape == (3, 3)


def test_per_class_errors_count_each_true_class():
    labels = np.array([0, 0, 0, 1, 1, 2])
    predictions = np.array([0, 1, 0, 1, 1, 0])
    frame = stats.per_class_errors(labels, predictions)
    assert list(frame.columns) == ["class", "n", "errors", "error", "lower", "upper"]
    assert frame["class"].tolist() == [0, 1, 2]
    assert frame["errors"].tolist() == [1, 0, 1]
    assert frame["n"].tolist() == [3, 2, 1]
    assert frame["error"].tolist() == [1 / 3, 0.0, 1.0]
    for row in frame.to_dict("records"):
        interval = intervals.wilson_interval(row["errors"], row["n"])
        assert (row["lower"], row["upper"]) == (interval.lower, interval.upper)
    exact = stats.per_class_errors(labels, predictions, 0.9, "clopper_pearson")
    interval = intervals.clopper_pearson_interval(1, 3, 0.9)
    assert (exact.loc[0, "lower"], exact.loc[0, "upper"]) == (interval.lower, interval.upper)
    assert stats.count_errors(labels, predictions) == 2


def test_a_class_without_examples_has_no_error_rate():
    frame = stats.per_class_errors([0, 1], [0, 0], num_classes=3)
    empty = frame.iloc[2]
    assert (empty["n"], empty["errors"]) == (0, 0)
    assert np.isnan(empty["error"]) and np.isnan(empty["lower"]) and np.isnan(empty["upper"])
    assert frame.loc[1, "error"] == 1.0


def test_label_arrays_may_be_lists_or_other_integer_types():
    assert stats.count_errors([1, 2, 3], np.array([1, 0, 3], dtype=np.uint8)) == 1
    assert stats.count_errors(np.array([0, 9], dtype=np.int16), [0, 9]) == 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: stats.mcnemar_exact([0, 1], [0, 1], [0]), "^predictions_b has 1 entries but labels has 2"),
        (lambda: stats.mcnemar_exact([0, 1], [0], [0, 1]), "^predictions_a has 1 entries"),
        (lambda: stats.mcnemar_exact([], [], []), "^labels is empty"),
        (lambda: stats.mcnemar_exact_counts(-1, 3), r"^discordant counts must be >= 0, got b=-1, c=3"),
        (lambda: stats.mcnemar_exact_counts(1, -3), r"^discordant counts must be >= 0, got b=1, c=-3"),
        (lambda: stats.mcnemar_exact_counts(1.5, 3), "^only_a_wrong must be an integer count"),
        (lambda: stats.mcnemar_exact_counts(1, 0.5), "^only_b_wrong must be an integer count"),
        (lambda: stats.per_class_errors([0, 1, 2], [0, 1]), "^predictions has 2 entries"),
        (lambda: stats.count_errors([0, 1], [0]), "^predictions has 1 entries but labels has 2"),
        (lambda: stats.per_class_errors([0, 1], [0, 1], confidence=2), "^confidence must be"),
        (lambda: stats.confusion_counts([0, 1], [0.5, 1.0]), "^predictions must hold integer class"),
        (lambda: stats.confusion_counts([[0, 1]], [[0, 1]]), r"^labels must be a 1-D array .* \(1, 2\)"),
        (lambda: stats.confusion_counts([0, -1], [0, 1]), "^labels must hold non-negative class indices, found -1"),
        (lambda: stats.confusion_counts([0, 3], [0, 1], num_classes=3), "^num_classes=3 but class index 3 occurs"),
        (lambda: stats.confusion_counts([0, 1], [0, 1], num_classes=1.5), "^num_classes must be an integer"),
        (lambda: stats.compare_with_published(1, 100, 1.5), r"^published_rate must be a fraction .*not a percent"),
        (lambda: stats.compare_with_published(1, 100, 0.1, published_n=0.5), "^published_n must be an integer"),
        (lambda: stats.compare_with_published(1, 100, 0.1, method="exact"), "^unknown interval method"),
    ],
)  # fmt: skip
def test_invalid_input_raises_a_value_error_that_names_the_value(call, message):
    # Anchored: the message starts by naming what is wrong (students read it as is).
    with pytest.raises(ValueError, match=message):
        call()
