"""Reference confidence intervals computed with mpmath at 40 significant digits.

Independent of scipy and of `mlp_core.report.intervals`: the Clopper-Pearson bounds come from their
definition (the binomial tails inverted by bisection, not beta quantiles), Wilson's from its quadratic
solved in high precision (no cancellation to avoid there), z from ``erfinv`` and the Student t
quantile from the regularized incomplete beta function. Results are Python floats (the nearest double
of the 40-digit value). Slow enough to be cached: each (errors, n, confidence) is computed once.
"""

from __future__ import annotations

import functools

import mpmath

DIGITS = 40
BISECTIONS = 100  # halvings of log p in [log 1e-40, 0]: 92 / 2^100 < 1e-28 relative in p
SMALLEST = mpmath.mpf(10) ** -40  # below any bound tested here ((alpha/2) / n >= 1e-24)


def _exact(value: float) -> mpmath.mpf:
    """A float as the exact binary number it stands for (the level a caller passes is that float)."""
    return mpmath.mpf(value)


@functools.cache
def z_value(confidence: float) -> float:
    """z with P(|Z| > z) = 1 - confidence: ``sqrt(2) erfinv(confidence)``."""
    with mpmath.workdps(DIGITS):
        return float(mpmath.sqrt(2) * mpmath.erfinv(_exact(confidence)))


def _binomial_at_most(k: int, n: int):
    """p -> P(X <= k) for X ~ Binomial(n, p), summing the shorter side of the distribution."""
    if k < 0 or k >= n:
        return lambda p: mpmath.mpf(0 if k < 0 else 1)
    lower_side = k + 1 <= n - k
    indices = range(k + 1) if lower_side else range(k + 1, n + 1)
    # log C(n, i), computed once for every p the bisection tries
    logs = [(i, mpmath.log(mpmath.binomial(n, i))) for i in indices]

    def at_most(p: mpmath.mpf) -> mpmath.mpf:
        if p in (0, 1):  # the pmf is a point mass on 0 or n
            return mpmath.mpf(1 if p == 0 else 0)
        log_p, log_q = mpmath.log(p), mpmath.log1p(-p)
        side = mpmath.fsum(mpmath.exp(c + i * log_p + (n - i) * log_q) for i, c in logs)
        return side if lower_side else 1 - side

    return at_most


def _bisect(decreasing_minus_target, low: mpmath.mpf, high: mpmath.mpf) -> mpmath.mpf:
    """The root in [low, high] of a function that falls from positive to negative."""
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        if decreasing_minus_target(middle) > 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _bisect_rate(decreasing_minus_target) -> mpmath.mpf:
    """The rate p in [1e-40, 1] where a function of p falls through 0, bisected on log p."""
    log_p = _bisect(lambda t: decreasing_minus_target(mpmath.exp(t)), mpmath.log(SMALLEST), 0)
    return mpmath.exp(log_p)


@functools.cache
def clopper_pearson(errors: int, n: int, confidence: float) -> tuple[float, float]:
    """(lower, upper): lower solves P(X >= k) = alpha/2, upper solves P(X <= k) = alpha/2."""
    with mpmath.workdps(DIGITS):
        tail = (1 - _exact(confidence)) / 2
        lower, upper = mpmath.mpf(0), mpmath.mpf(1)
        if errors > 0:  # P(X >= k; p) = 1 - P(X <= k - 1; p) rises with p
            below = _binomial_at_most(errors - 1, n)
            lower = _bisect_rate(lambda p: tail - (1 - below(p)))
        if errors < n:  # P(X <= k; p) falls with p
            at_most = _binomial_at_most(errors, n)
            upper = _bisect_rate(lambda p: at_most(p) - tail)
        return float(lower), float(upper)


@functools.cache
def wilson(errors: int, n: int, confidence: float) -> tuple[float, float]:
    """The roots of (1 + z²/n) x² - (2p + z²/n) x + p² = 0, z from `z_value`'s formula."""
    with mpmath.workdps(DIGITS):
        z = mpmath.sqrt(2) * mpmath.erfinv(_exact(confidence))
        p, spread = mpmath.mpf(errors) / n, z**2 / n
        a, b, c = 1 + spread, -(2 * p + spread), p**2
        root = mpmath.sqrt(b**2 - 4 * a * c)
        return float((-b - root) / (2 * a)), float((-b + root) / (2 * a))


@functools.cache
def normal(errors: int, n: int, confidence: float) -> tuple[float, float]:
    """p ± z sqrt(p (1 - p) / n), clipped to [0, 1]."""
    with mpmath.workdps(DIGITS):
        z = mpmath.sqrt(2) * mpmath.erfinv(_exact(confidence))
        p = mpmath.mpf(errors) / n
        half = z * mpmath.sqrt(p * (1 - p) / n)
        return float(max(p - half, 0)), float(min(p + half, 1))


@functools.cache
def t_quantile(confidence: float, df: int) -> float:
    """t with P(|T| > t) = 1 - confidence for Student's t with ``df`` degrees of freedom.

    P(|T| > t) = I_{df / (df + t²)}(df / 2, 1 / 2), which falls as t grows.
    """
    with mpmath.workdps(DIGITS):
        alpha = 1 - _exact(confidence)

        def two_sided_tail_minus_alpha(t: mpmath.mpf) -> mpmath.mpf:
            x = df / (df + t**2)
            return (
                mpmath.betainc(mpmath.mpf(df) / 2, mpmath.mpf(1) / 2, 0, x, regularized=True)
                - alpha
            )

        return float(_bisect(two_sided_tail_minus_alpha, mpmath.mpf(0), mpmath.mpf(10) ** 6))
