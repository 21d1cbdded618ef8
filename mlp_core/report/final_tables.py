"""Tables for the exercise-3 page and report: intervals, seeds, baselines, McNemar, errors.

Everything is computed from counts and prediction arrays by `mlp_core.report.intervals` and `stats`; tables show rates in
percent (columns ending in ``_pct``). No torch and no streamlit: the page passes arrays in (labels of
the official test set, predictions and confidence from the run store and ``runs/baselines``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlp_core.errors import CodedError, CodedText, register, text_of
from mlp_core.report import intervals, stats
from mlp_core.report.tables import MeasuredResult, measured_row, p_value_text
from mlp_core.results import RunSummary

#: Columns of the table where users add their own classifiers.
USER_COLUMNS: tuple[str, ...] = ("name", "errors", "error_pct", "n")

#: Why a user-typed classifier row is refused (`parse_user_rows`), by code; the page translates them.
MESSAGES = register(
    {
        "final.row": "row {row}: {problem}",
        "final.row_named": "row {row} ({name}): {problem}",
        "final.name": "give the classifier a name",
        "final.n_missing": "give n, the number of test examples (10000 for MNIST)",
        "final.number": "{what} must be a number, got {value}",
        "final.finite": "{what} must be a finite number, got {value}",
        "final.n_whole": "n must be a positive whole number of test examples, got {value}",
        "final.one_of": "give either errors (a count) or error % (a rate), exactly one of them",
        "final.errors_whole": "errors must be a whole number >= 0, got {value}",
        "final.rate_range": "error % must be between 0 and 100 (a percent), got {value}",
        "final.errors_exceed": "errors ({errors}) cannot exceed n ({n})",
    }
)


def intervals_table(errors: int, n: int, confidence: float = 0.95) -> pd.DataFrame:
    """`intervals.error_intervals` in percent: method, error_pct, lower_pct, upper_pct, width_pct."""
    frame = intervals.error_intervals(errors, n, confidence)
    return pd.DataFrame(
        {
            "method": frame["method_name"],
            "errors": frame["errors"],
            "n": frame["n"],
            "error_pct": 100 * frame["error"],
            "lower_pct": 100 * frame["lower"],
            "upper_pct": 100 * frame["upper"],
            "width_pct": 100 * (frame["upper"] - frame["lower"]),
        }
    )


def _errors(run: RunSummary) -> tuple[int, int]:
    """(errors, n) of a finished run; ValueError for a run without a count (diverged)."""
    if run.metrics.eval_errors is None:
        raise ValueError(f"{run.config.label()} has no error count (it {run.status})")
    return run.metrics.eval_errors, run.metrics.eval_size


def seeds_table(
    runs: Mapping[int, RunSummary], confidence: float = 0.95
) -> tuple[pd.DataFrame, intervals.MeanInterval | None]:
    """(one row per seed: errors, n, error_pct, seconds; t-interval of the error rate or None).

    ``runs``: seed -> finished run (`model_choice.stored_test_runs`); the t-interval needs 2+.
    """
    counts = {seed: _errors(run) for seed, run in sorted(runs.items())}
    rows = [
        (seed, errors, n, 100 * errors / n, runs[seed].provenance.seconds,
         runs[seed].provenance.device_name)
        for seed, (errors, n) in counts.items()
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["seed", "errors", "n", "error_pct", "seconds", "device"])
    if len(rows) < 2:
        return frame, None
    return frame, intervals.mean_t_interval([e / n for e, n in counts.values()], confidence)


def _cell_missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _shown(number: float) -> int | float:
    """A typed number as the message states it: ``300`` for 300.0, ``2.5`` for 2.5."""
    return int(number) if float(number).is_integer() else number


def _number(value: object, what: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise CodedError("final.number", what=what, value=repr(value)) from None
    if not math.isfinite(number):
        raise CodedError("final.finite", what=what, value=repr(value))
    return number


def _user_row(row: Mapping[str, Any]) -> MeasuredResult:
    name = str(row.get("name") or "").strip()
    if not name:
        raise CodedError("final.name")
    if _cell_missing(row.get("n")):
        raise CodedError("final.n_missing")
    n = _number(row.get("n"), "n")
    if not n.is_integer() or n < 1:
        raise CodedError("final.n_whole", value=_shown(n))
    has_errors, has_rate = (
        not _cell_missing(row.get("errors")),
        not _cell_missing(row.get("error_pct")),
    )
    if has_errors == has_rate:
        raise CodedError("final.one_of")
    if has_errors:
        errors = _number(row.get("errors"), "errors")
        if not errors.is_integer() or errors < 0:
            raise CodedError("final.errors_whole", value=_shown(errors))
    else:
        rate = _number(row.get("error_pct"), "error %")
        if not 0 <= rate <= 100:
            raise CodedError("final.rate_range", value=_shown(rate))
        errors = round(rate * n / 100)  # the count the published rate stands for
    if errors > n:
        raise CodedError("final.errors_exceed", errors=_shown(errors), n=_shown(n))
    return MeasuredResult(name, int(errors), int(n), "added by the user", kind="baseline")


def parse_user_rows(frame: pd.DataFrame) -> tuple[list[MeasuredResult], list[CodedText]]:
    """User-typed classifiers -> (valid results, one message per invalid row).

    Columns `USER_COLUMNS`: ``name``; either ``errors`` (a count) or ``error_pct`` (a percent,
    converted to ``round(error_pct * n / 100)`` errors); ``n`` test examples. Blank rows are skipped.
    Each message is a `CodedText` (its ``str`` the English, e.g. ``"row 3 (bad): errors (300)
    cannot exceed n (100)"``), translated by the page.
    """
    results, problems = [], []
    for index, row in enumerate(frame.to_dict("records"), start=1):
        if all(_cell_missing(row.get(column)) for column in USER_COLUMNS):
            continue
        try:
            results.append(_user_row(row))
        except CodedError as error:
            name = str(row.get("name") or "").strip()
            problem = text_of(error)
            problems.append(
                CodedText("final.row_named", row=index, name=name, problem=problem)
                if name
                else CodedText("final.row", row=index, problem=problem)
            )
    return results, problems


def measured_table(
    results: Sequence[MeasuredResult], confidence: float = 0.95, method: str = "wilson"
) -> pd.DataFrame:
    """Our result and the baselines with their ``method`` intervals, in percent."""
    columns = ["classifier", "kind", "errors", "n", "error_pct", "lower_pct", "upper_pct", "source"]
    rows = [measured_row(result, confidence, method) for result in results]
    return pd.DataFrame(rows, columns=columns)


def mcnemar_table(
    labels: ArrayLike,
    ours: ArrayLike,
    others: Mapping[str, ArrayLike],
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Exact McNemar test of our predictions against each of ``others`` on the same test images.

    Columns: baseline, only_ours_wrong (b), only_baseline_wrong (c), both_wrong, both_right,
    p_value, verdict (at ``confidence``: "significantly better/worse" or "no significant
    difference").
    """
    alpha = 1 - intervals.check_confidence(confidence)
    rows = []
    for name, predictions in others.items():
        result = stats.mcnemar_exact(labels, ours, predictions)
        if result.p_value >= alpha:
            verdict = "no significant difference"
        elif result.only_a_wrong < result.only_b_wrong:
            verdict = "ours significantly better"
        else:
            verdict = "ours significantly worse"
        rows.append(
            {
                "baseline": name,
                "only_ours_wrong": result.only_a_wrong,
                "only_baseline_wrong": result.only_b_wrong,
                "both_wrong": result.both_wrong,
                "both_right": result.both_right,
                "p_value": result.p_value,
                "p": p_value_text(result.p_value),
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def confusion_frame(
    labels: ArrayLike, predictions: ArrayLike, class_names: Sequence[str]
) -> pd.DataFrame:
    """Long-form confusion matrix: true, predicted (names), count, share of the true class (%)."""
    matrix = stats.confusion_counts(labels, predictions, len(class_names))
    totals = matrix.sum(axis=1, keepdims=True)
    share = np.divide(100 * matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
    true_index, predicted_index = np.indices(matrix.shape)
    return pd.DataFrame(
        {
            "true": [class_names[int(i)] for i in true_index.ravel()],
            "predicted": [class_names[int(j)] for j in predicted_index.ravel()],
            "count": matrix.ravel(),
            "share_pct": share.ravel(),
            "correct": (true_index == predicted_index).ravel(),
        }
    )


def per_class_table(
    labels: ArrayLike,
    predictions: ArrayLike,
    class_names: Sequence[str],
    confidence: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """`stats.per_class_errors` with class names and percent columns."""
    frame = stats.per_class_errors(labels, predictions, confidence, method, len(class_names))
    return pd.DataFrame(
        {
            "class": [class_names[i] for i in frame["class"]],
            "n": frame["n"],
            "errors": frame["errors"],
            "error_pct": 100 * frame["error"],
            "lower_pct": 100 * frame["lower"],
            "upper_pct": 100 * frame["upper"],
        }
    )


def confidence_text(probability: float) -> str:
    """A softmax probability as a percent; float16 storage cannot tell values above 0.9995 from 1."""
    return ">99.9%" if probability >= 0.9995 else f"{probability:.1%}"


def misclassified(
    labels: ArrayLike,
    predictions: ArrayLike,
    confidence: ArrayLike,
    limit: int = 24,
    most_confident_first: bool = True,
    true_class: int | None = None,
) -> pd.DataFrame:
    """Misclassified test images: index, true, predicted, confidence (softmax, in [0, 1]).

    Sorted by confidence (most confident mistakes first by default), at most ``limit`` rows,
    optionally only those of ``true_class``.
    """
    truth, predicted = np.asarray(labels), np.asarray(predictions)
    probability = np.asarray(confidence, dtype=np.float64)
    if not truth.shape == predicted.shape == probability.shape:
        raise ValueError(
            f"labels {truth.shape}, predictions {predicted.shape} and confidence "
            f"{probability.shape} must have the same shape"
        )
    wrong = np.flatnonzero(truth != predicted)
    if true_class is not None:
        wrong = wrong[truth[wrong] == true_class]
    order = np.argsort(-probability[wrong] if most_confident_first else probability[wrong])
    chosen = wrong[order[: max(0, limit)]]
    return pd.DataFrame(
        {
            "index": chosen,
            "true": truth[chosen],
            "predicted": predicted[chosen],
            "confidence": probability[chosen],
        }
    )


def report_summary(
    candidate: Any,
    run: RunSummary,
    confidence: float,
    runs: Mapping[int, RunSummary],
    mcnemar: pd.DataFrame,
    sentences: Sequence[str],
) -> dict[str, Any]:
    """The facts of the report's ``summary.json``: choice, final run, intervals, tests, sentences.

    ``candidate`` is a `model_choice.Candidate`, ``run`` the analysed final `RunResult`, ``runs``
    the final runs by seed (rates are fractions in [0, 1]).
    """
    errors, n = _errors(run)
    _, spread = seeds_table(runs, confidence)
    return {
        "chosen_on_validation": {
            "configuration": candidate.label,
            "seeds": list(candidate.seeds),
            "validation_errors": list(candidate.errors),
            "validation_n": candidate.eval_size,
        },
        "final_config": run.config.to_dict(),
        "test_errors": errors,
        "test_n": n,
        "test_error": errors / n,
        "confidence": confidence,
        "intervals": {
            method: [interval.lower, interval.upper]
            for method in intervals.METHODS
            for interval in [intervals.error_interval(errors, n, confidence, method)]
        },
        "seeds": {str(seed): _errors(row)[0] for seed, row in sorted(runs.items())},
        "t_interval_over_seeds": None
        if spread is None
        else {"mean": spread.mean, "lower": spread.lower, "upper": spread.upper, "n": spread.n},
        "mcnemar": mcnemar[["baseline", "p_value", "verdict"]].to_dict("records")
        if not mcnemar.empty
        else [],
        "comparisons": list(sentences),
        "provenance": run.provenance.to_dict(),
    }
