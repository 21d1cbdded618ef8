"""Error rates and their confidence intervals (numpy/scipy/pandas only, no torch).

Units: every rate (error, interval bound) is a fraction in [0, 1], never a percent; counts are plain
non-negative integers. The handout asks for every final error estimate to come with its 95% interval;
the course teaches the normal approximation, shown here beside the Wilson and Clopper-Pearson
intervals, which stay meaningful at 0 errors and for small n. This module is the one home of the
intervals; `mlp_core.report.stats` holds the significance tests.

Accuracy: the Clopper-Pearson bounds are beta quantiles computed directly (Boost's inverse incomplete
beta function, through ``scipy.special``), exact to a few ulps for any n (tested against mpmath at
n = 10^12); ``scipy.stats.binomtest(...).proportion_ci`` finds them with a root finder of absolute
tolerance, wrong for n >= 10^9. Normal quantiles use ``isf(alpha / 2)``: ``1 - confidence`` is exact
in floating point, ``0.5 + confidence / 2`` is not near confidence = 1.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special
from scipy import stats as scipy_stats

#: Interval methods, in the order tables show them.
METHODS: tuple[str, ...] = ("normal", "wilson", "clopper_pearson")
METHOD_NAMES: dict[str, str] = {
    "normal": "normal approximation",
    "wilson": "Wilson",
    "clopper_pearson": "Clopper-Pearson (exact)",
}


@dataclass(frozen=True)
class Interval:
    """An error rate and its confidence interval, all fractions in [0, 1]."""

    method: str
    errors: int
    n: int
    confidence: float
    error: float
    lower: float
    upper: float

    def contains(self, rate: float) -> bool:
        """Whether ``rate`` (a fraction) lies in the closed interval."""
        return self.lower <= rate <= self.upper


@dataclass(frozen=True)
class MeanInterval:
    """Mean of replicates (e.g. test errors over seeds) with its Student-t interval."""

    mean: float
    lower: float
    upper: float
    std: float  # sample standard deviation (ddof=1)
    n: int
    confidence: float


# -- input checks -----------------------------------------------------------------------------


def check_confidence(confidence: float) -> float:
    """``confidence`` as a float strictly inside (0, 1); ValueError otherwise."""
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(f"confidence must be a number in (0, 1), got {confidence!r}") from None
    if not 0.0 < value < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1 (e.g. 0.95), got {value}")
    return value


def as_count(value: object, name: str) -> int:
    """``value`` as an int (integral floats accepted); ValueError naming ``name`` otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer count, got {value!r}")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ValueError(f"{name} must be an integer count, got {value!r}") from None


def check_counts(errors: object, n: object) -> tuple[int, int]:
    """``(errors, n)`` as ints with n >= 1 and 0 <= errors <= n; ValueError otherwise."""
    k, total = as_count(errors, "errors"), as_count(n, "n")
    if total <= 0:
        raise ValueError(f"n (number of test examples) must be positive, got {total}")
    if k < 0:
        raise ValueError(f"errors must be >= 0, got {k}")
    if k > total:
        raise ValueError(f"errors ({k}) cannot exceed n ({total})")
    return k, total


def check_rate(rate: float, name: str) -> float:
    """``rate`` as a float fraction in [0, 1]; ValueError (naming ``name``) otherwise."""
    value = float(rate)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a fraction in [0, 1] (not a percent), got {value}")
    return value


# -- error rates and intervals ----------------------------------------------------------------


def z_value(confidence: float = 0.95) -> float:
    """Two-sided standard-normal quantile ``z`` with ``P(|Z| > z) = 1 - confidence`` (1.96 at 95%).

    Computed as ``norm.isf(alpha / 2)`` with ``alpha = 1 - confidence``, exact in floating point for
    confidence >= 0.5, so that z keeps its precision near confidence = 1 (about 6.11 at 1 - 1e-9).

    >>> round(z_value(0.95), 6)
    1.959964
    """
    return float(scipy_stats.norm.isf((1.0 - check_confidence(confidence)) / 2))


def normal_interval(errors: int, n: int, confidence: float = 0.95) -> Interval:
    """Normal-approximation (Wald) interval, as the course teaches it.

    ``p = errors / n``; ``p ± z * sqrt(p (1 - p) / n)`` with ``z = z_value(confidence)``, then
    clipped to [0, 1]. It has zero width at 0 or n errors and undercovers for small ``n p``; see
    `wilson_interval` and `clopper_pearson_interval`.

    Parameters
    ----------
    errors : int
        Misclassified test examples, 0 <= errors <= n.
    n : int
        Test examples, >= 1.
    confidence : float
        Confidence level in (0, 1), e.g. 0.95.

    Returns
    -------
    Interval
        ``error``, ``lower`` and ``upper`` as fractions in [0, 1].

    Examples
    --------
    >>> interval = normal_interval(141, 10000)
    >>> round(interval.lower, 5), round(interval.upper, 5)
    (0.01179, 0.01641)
    """
    k, total = check_counts(errors, n)
    confidence = check_confidence(confidence)
    rate = k / total
    half = z_value(confidence) * math.sqrt(rate * (1 - rate) / total)
    return Interval(
        "normal", k, total, confidence, rate, max(0.0, rate - half), min(1.0, rate + half)
    )


def wilson_interval(errors: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval (no continuity correction).

    With ``p = errors / n`` and ``z = z_value(confidence)`` the bounds are the roots of
    ``(1 + z²/n) x² - (2p + z²/n) x + p² = 0``::

        (p + z²/2n ± z sqrt(p (1 - p) / n + z² / 4n²)) / (1 + z²/n)

    For p <= 1/2 the upper root is a sum of positive terms and the lower one is taken from the
    roots' product, ``p² / ((1 + z²/n) upper)``, which avoids the cancellation of the ``-`` form
    (it keeps its relative precision at 1 error in 10^12); for p > 1/2 the interval of the
    ``n - errors`` correct answers is mirrored (``1 - bound``). Always inside [0, 1] and of positive
    width, also at 0 or n errors. Parameters and return value as in `normal_interval` (fractions in [0, 1]).

    >>> interval = wilson_interval(141, 10000)
    >>> round(interval.lower, 5), round(interval.upper, 5)
    (0.01197, 0.0166)
    """
    k, total = check_counts(errors, n)
    confidence = check_confidence(confidence)
    z = z_value(confidence)
    if 2 * k <= total:
        lower, upper = _wilson_bounds(k, total, z)
    else:  # the interval of the correct answers, mirrored: exact 1 at k = n
        low, high = _wilson_bounds(total - k, total, z)
        lower, upper = 1.0 - high, 1.0 - low
    return Interval("wilson", k, total, confidence, k / total, lower, upper)


def _wilson_bounds(k: int, n: int, z: float) -> tuple[float, float]:
    """Wilson bounds for ``k <= n / 2`` errors (upper root by addition, lower by the product)."""
    rate, spread = k / n, z * z / n  # p, z²/n
    scale = 1.0 + spread
    upper = (
        rate + spread / 2.0 + z * math.sqrt(rate * (1.0 - rate) / n + spread / (4.0 * n))
    ) / scale
    return rate * rate / (scale * upper), upper


def clopper_pearson_interval(errors: int, n: int, confidence: float = 0.95) -> Interval:
    """Clopper-Pearson "exact" interval, from beta quantiles.

    With ``alpha = 1 - confidence`` and ``k = errors``: lower = the ``alpha/2`` quantile of
    ``Beta(k, n - k + 1)`` (0 when k = 0), upper = the ``1 - alpha/2`` quantile of
    ``Beta(k + 1, n - k)`` (1 when k = n), taken from the upper tail (``betainccinv``) so that bounds
    near 1 keep their precision. These are the rates at which a binomial test of k errors in n
    becomes significant at ``alpha/2`` on each side; coverage is at least the nominal level
    (conservative). At k = 0 the upper bound is ``1 - (alpha/2)^(1/n)``. Parameters and return
    value as in `normal_interval` (fractions in [0, 1]); lower <= errors / n <= upper.

    >>> interval = clopper_pearson_interval(2, 10**12)
    >>> f"{interval.lower:.4e} {interval.upper:.4e}"
    '2.4221e-13 7.2247e-12'
    """
    k, total = check_counts(errors, n)
    confidence = check_confidence(confidence)
    tail = (1.0 - confidence) / 2  # exact: 1 - confidence is, for confidence in [0.5, 1)
    lower = 0.0 if k == 0 else float(special.betaincinv(k, total - k + 1, tail))
    upper = 1.0 if k == total else float(special.betainccinv(k + 1, total - k, tail))
    return Interval("clopper_pearson", k, total, confidence, k / total, lower, upper)


_INTERVALS = {
    "normal": normal_interval,
    "wilson": wilson_interval,
    "clopper_pearson": clopper_pearson_interval,
}


def error_interval(
    errors: int, n: int, confidence: float = 0.95, method: str = "wilson"
) -> Interval:
    """The interval of ``method`` (one of `METHODS`); fractions in [0, 1]."""
    if method not in _INTERVALS:
        raise ValueError(f"unknown interval method {method!r}; choose one of {METHODS}")
    return _INTERVALS[method](errors, n, confidence)


def error_intervals(errors: int, n: int, confidence: float = 0.95) -> pd.DataFrame:
    """All three intervals side by side, one row per method of `METHODS`.

    Columns: ``method``, ``method_name``, ``errors``, ``n``, ``confidence``, ``error``, ``lower``,
    ``upper`` (the last three fractions in [0, 1]). ``frame.to_dict("records")`` gives plain records.
    """
    rows = []
    for method in METHODS:
        interval = error_interval(errors, n, confidence, method)
        rows.append({"method": method, "method_name": METHOD_NAMES[method], **_fields(interval)})
    return pd.DataFrame(rows)


def _fields(interval: Interval) -> dict[str, float | int]:
    return {
        "errors": interval.errors,
        "n": interval.n,
        "confidence": interval.confidence,
        "error": interval.error,
        "lower": interval.lower,
        "upper": interval.upper,
    }


def mean_t_interval(values: ArrayLike, confidence: float = 0.95) -> MeanInterval:
    """Student-t interval of the mean of replicates (e.g. one test error per seed).

    ``mean ± t_{m - 1}.isf((1 - confidence) / 2) * s / sqrt(m)`` with ``s`` the sample standard deviation
    (ddof=1) of the ``m`` values. Needs at least 2 finite values; the values keep their units.
    """
    confidence = check_confidence(confidence)
    array = np.asarray(values, dtype=float).ravel()
    if array.size < 2:
        raise ValueError(f"a t-interval needs at least 2 replicates (seeds), got {array.size}")
    if not np.all(np.isfinite(array)):
        raise ValueError("values must be finite (no NaN or inf)")
    mean, std = float(array.mean()), float(array.std(ddof=1))
    quantile = float(scipy_stats.t.isf((1.0 - confidence) / 2, array.size - 1))
    half = quantile * std / math.sqrt(array.size)
    return MeanInterval(mean, mean - half, mean + half, std, int(array.size), confidence)
