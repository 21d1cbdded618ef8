"""Tables for the exercise-3 page and report: intervals, seeds, baselines, McNemar, errors.

Everything is computed from counts and prediction arrays by `mlp_core.report.intervals` and `stats`; tables show rates in
percent (columns ending in ``_pct``). No torch and no streamlit: the page passes arrays in (labels of
the official test set, predictions and confidence from the run store and ``runs/baselines``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlp_core.report import intervals, stats
from mlp_core.report.tables import MeasuredResult, measured_row, p_value_text

# The user-typed rows live in `user_rows`; importable from here as before (explicit re-exports).
from mlp_core.report.user_rows import USER_COLUMNS as USER_COLUMNS
from mlp_core.report.user_rows import parse_user_rows as parse_user_rows

# The user-typed rows moved to their own module; importable from here as before.
from mlp_core.results import RunSummary


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
