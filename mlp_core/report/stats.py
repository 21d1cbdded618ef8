"""Significance tests and per-class error counts (numpy/scipy/pandas only, no torch).

Units: every rate (error, interval bound, published rate) is a fraction in [0, 1], never a percent;
counts are plain non-negative integers. Label and prediction arrays are 1-D integer arrays of class
indices (numpy arrays, lists, or CPU tensors, which ``numpy.asarray`` reads).

The confidence intervals live in `mlp_core.report.intervals` (their one home); this module uses them
for the published comparison and the per-class table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as scipy_stats

from mlp_core.report import intervals

__all__ = [
    "McNemarResult",
    "PublishedComparison",
    "compare_with_published",
    "confusion_counts",
    "count_errors",
    "mcnemar_exact",
    "mcnemar_exact_counts",
    "per_class_errors",
]


@dataclass(frozen=True)
class McNemarResult:
    """Exact McNemar test of two classifiers on the same test set.

    ``only_a_wrong`` (b) and ``only_b_wrong`` (c) are the discordant pairs; under the null
    hypothesis of equal error rates b ~ Binomial(b + c, 1/2).
    """

    only_a_wrong: int
    only_b_wrong: int
    both_wrong: int | None
    both_right: int | None
    p_value: float


@dataclass(frozen=True)
class PublishedComparison:
    """Our test error against a published rate on the same kind of test set."""

    ours: intervals.Interval
    published_rate: float
    p_value: float  # two-sided exact binomial test of our errors against the published rate
    significant: bool  # p_value < 1 - confidence
    published_inside: bool  # the published rate lies inside our interval
    intervals_overlap: bool  # our interval overlaps the published rate's interval on published_n
    published_interval: intervals.Interval


# -- label arrays -----------------------------------------------------------------------------


def _labels(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class indices, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integer class indices, got dtype {array.dtype}")
    if array.min() < 0:
        raise ValueError(f"{name} must hold non-negative class indices, found {array.min()}")
    return array.astype(np.int64, copy=False)


def _paired(labels: ArrayLike, *predictions: tuple[str, ArrayLike]) -> list[np.ndarray]:
    arrays = [_labels(labels, "labels")]
    for name, values in predictions:
        array = _labels(values, name)
        if array.shape != arrays[0].shape:
            raise ValueError(
                f"{name} has {array.size} entries but labels has {arrays[0].size}; they must match"
            )
        arrays.append(array)
    return arrays


# -- paired and published comparisons ---------------------------------------------------------


def mcnemar_exact_counts(only_a_wrong: int, only_b_wrong: int) -> McNemarResult:
    """Exact McNemar test from the discordant counts b (only A wrong) and c (only B wrong).

    ``p = binomtest(b, b + c, 1/2)`` two-sided, i.e. ``min(1, 2 * sum_{i <= min(b, c)} C(b+c, i) / 2^(b+c))``.
    With no discordant pairs (b = c = 0) there is no evidence of a difference: p = 1.
    """
    b, c = (
        intervals.as_count(only_a_wrong, "only_a_wrong"),
        intervals.as_count(only_b_wrong, "only_b_wrong"),
    )
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be >= 0, got b={b}, c={c}")
    p_value = 1.0 if b + c == 0 else float(scipy_stats.binomtest(b, b + c, 0.5).pvalue)
    return McNemarResult(b, c, None, None, p_value)


def mcnemar_exact(
    labels: ArrayLike, predictions_a: ArrayLike, predictions_b: ArrayLike
) -> McNemarResult:
    """Exact McNemar test of classifiers A and B from their predictions on the same examples.

    Counts b = #(A wrong, B right), c = #(A right, B wrong) and tests them as in
    `mcnemar_exact_counts`; ``both_wrong`` and ``both_right`` complete the 2x2 table.
    """
    truth, a, b = _paired(
        labels, ("predictions_a", predictions_a), ("predictions_b", predictions_b)
    )
    a_wrong, b_wrong = a != truth, b != truth
    result = mcnemar_exact_counts(int(np.sum(a_wrong & ~b_wrong)), int(np.sum(~a_wrong & b_wrong)))
    return McNemarResult(
        result.only_a_wrong,
        result.only_b_wrong,
        int(np.sum(a_wrong & b_wrong)),
        int(np.sum(~a_wrong & ~b_wrong)),
        result.p_value,
    )


def compare_with_published(
    errors: int,
    n: int,
    published_rate: float,
    confidence: float = 0.95,
    method: str = "wilson",
    published_n: int = 10000,
) -> PublishedComparison:
    """Our ``errors`` of ``n`` against a published error rate (a fraction, not a percent).

    Test: two-sided exact binomial test of H0 "our error probability equals ``published_rate``",
    ``scipy.stats.binomtest(errors, n, published_rate).pvalue`` (sums the probabilities of all
    outcomes no more likely than ours). It treats the published figure as exact; MNIST results come
    from the same 10000 test images, so this is approximate, but it is the test the handout's
    "compare" calls for. ``significant`` is ``p < 1 - confidence``.

    Descriptive checks: ``published_inside`` (the published rate is inside our ``method`` interval)
    and ``intervals_overlap`` (our interval meets the published rate's own interval, computed as if
    from ``round(published_rate * published_n)`` errors of ``published_n``). Overlapping intervals do
    not imply "no significant difference"; cite the p-value.
    """
    ours = intervals.error_interval(errors, n, confidence, method)
    rate = intervals.check_rate(published_rate, "published_rate")
    p_value = float(scipy_stats.binomtest(ours.errors, ours.n, rate).pvalue)
    published_k = round(rate * intervals.as_count(published_n, "published_n"))
    published = intervals.error_interval(published_k, published_n, confidence, method)
    overlap = ours.lower <= published.upper and published.lower <= ours.upper
    return PublishedComparison(
        ours, rate, p_value, p_value < 1 - ours.confidence, ours.contains(rate), overlap, published
    )


# -- per-class views --------------------------------------------------------------------------


def count_errors(labels: ArrayLike, predictions: ArrayLike) -> int:
    """Number of positions where ``predictions`` differs from ``labels``."""
    truth, predicted = _paired(labels, ("predictions", predictions))
    return int(np.sum(truth != predicted))


def confusion_counts(
    labels: ArrayLike, predictions: ArrayLike, num_classes: int | None = None
) -> np.ndarray:
    """Confusion matrix of counts, shape (num_classes, num_classes), int64.

    Entry ``[i, j]`` counts examples of true class ``i`` predicted as ``j`` (rows: truth). By
    default ``num_classes`` is one more than the largest index seen.
    """
    truth, predicted = _paired(labels, ("predictions", predictions))
    seen = int(max(truth.max(), predicted.max())) + 1
    size = seen if num_classes is None else intervals.as_count(num_classes, "num_classes")
    if size < seen:
        raise ValueError(f"num_classes={size} but class index {seen - 1} occurs")
    return np.bincount(truth * size + predicted, minlength=size * size).reshape(size, size)


def per_class_errors(
    labels: ArrayLike,
    predictions: ArrayLike,
    confidence: float = 0.95,
    method: str = "wilson",
    num_classes: int | None = None,
) -> pd.DataFrame:
    """Error of each true class with its interval.

    For class ``c``: ``n_c`` = examples labelled ``c``, ``errors_c`` = those predicted otherwise,
    error = ``errors_c / n_c`` with the ``method`` interval (fractions in [0, 1]). Columns:
    ``class``, ``n``, ``errors``, ``error``, ``lower``, ``upper``. A class without examples (possible
    only when ``num_classes`` is given) gets NaN error and bounds.
    """
    confidence = intervals.check_confidence(confidence)
    matrix = confusion_counts(labels, predictions, num_classes)
    rows = []
    for index in range(matrix.shape[0]):
        total = int(matrix[index].sum())
        wrong = total - int(matrix[index, index])
        row: dict[str, float | int] = {"class": index, "n": total, "errors": wrong}
        if total == 0:
            row.update(error=math.nan, lower=math.nan, upper=math.nan)
        else:
            interval = intervals.error_interval(wrong, total, confidence, method)
            row.update(error=interval.error, lower=interval.lower, upper=interval.upper)
        rows.append(row)
    return pd.DataFrame(rows)
