"""mlp_core.report.final_tables: the exercise-3 tables and the report summary, from counts and arrays.

Expected values come from the mpmath references (`interval_reference`) or are counted by hand here.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import replace

import interval_reference as reference
import numpy as np
import pandas as pd
import pytest
from synthetic_runs import stored_run

from mlp_core.config import RunConfig
from mlp_core.report import final_tables, model_choice
from mlp_core.report.tables import MeasuredResult

FINAL = RunConfig(split="test", hidden=(100,), epochs=3)
NAMES = ("zero", "one", "two")


def test_intervals_table_has_the_three_methods_in_percent():
    table = final_tables.intervals_table(141, 10000, 0.99)
    assert list(table.columns) == [
        "method", "errors", "n", "error_pct", "lower_pct", "upper_pct", "width_pct"
    ]  # fmt: skip
    references = {
        "normal approximation": reference.normal,
        "Wilson": reference.wilson,
        "Clopper-Pearson (exact)": reference.clopper_pearson,
    }
    assert list(table["method"]) == list(references)
    for row, bounds_of in zip(table.itertuples(), references.values(), strict=True):
        lower, upper = bounds_of(141, 10000, 0.99)
        assert (row.errors, row.n, row.error_pct) == (141, 10000, pytest.approx(1.41))
        assert row.lower_pct == pytest.approx(100 * lower, rel=1e-12)
        assert row.upper_pct == pytest.approx(100 * upper, rel=1e-12)
        assert row.width_pct == pytest.approx(100 * (upper - lower), rel=1e-9)


def final_runs(*errors: int, seconds: float = 10.0) -> dict[int, object]:
    return {
        seed: stored_run(replace(FINAL, seed=seed), count, f"k{seed}", seconds=seconds + seed)
        for seed, count in enumerate(errors)
    }


def test_seeds_table_lists_each_seed_and_the_t_interval_of_their_errors():
    runs = final_runs(120, 100, 110)
    frame, spread = final_tables.seeds_table({2: runs[2], 0: runs[0], 1: runs[1]})
    assert list(frame.columns) == ["seed", "errors", "n", "error_pct", "seconds", "device"]
    assert frame["seed"].tolist() == [0, 1, 2]  # sorted, whatever order the mapping has
    assert frame["errors"].tolist() == [120, 100, 110]
    assert frame["n"].tolist() == [10000] * 3
    assert frame["error_pct"].tolist() == pytest.approx([1.2, 1.0, 1.1])
    assert frame["seconds"].tolist() == [10.0, 11.0, 12.0]
    assert frame["device"].tolist() == ["synthetic"] * 3
    rates = [0.012, 0.010, 0.011]
    half = reference.t_quantile(0.9, 2) * statistics.stdev(rates) / math.sqrt(3)
    _, spread = final_tables.seeds_table(runs, confidence=0.9)
    assert spread.mean == pytest.approx(0.011)
    assert (spread.lower, spread.upper) == pytest.approx((0.011 - half, 0.011 + half), rel=1e-9)
    assert (spread.n, spread.confidence) == (3, 0.9)


def test_one_seed_has_no_t_interval():
    frame, spread = final_tables.seeds_table(final_runs(120))
    assert len(frame) == 1 and spread is None
    frame, spread = final_tables.seeds_table(final_runs(120, 130))
    assert len(frame) == 2 and spread is not None and spread.n == 2


def test_a_diverged_final_run_is_a_clear_error():
    diverged = stored_run(FINAL, 0, "d", status="diverged")
    with pytest.raises(ValueError, match=r"^784-100-10 .* has no error count \(it diverged\)$"):
        final_tables.seeds_table({0: diverged})


def test_measured_table_shows_each_result_with_its_interval_in_percent():
    results = [
        MeasuredResult("MLP", 141, 10000, "runs/x"),
        MeasuredResult("kNN", 283, 10000, "runs/baselines", kind="baseline"),
    ]
    table = final_tables.measured_table(results, confidence=0.9, method="clopper_pearson")
    assert list(table.columns) == [
        "classifier", "kind", "errors", "n", "error_pct", "lower_pct", "upper_pct", "source"
    ]  # fmt: skip
    assert table["classifier"].tolist() == ["MLP", "kNN"]
    assert table["kind"].tolist() == ["ours", "baseline"]
    assert table["source"].tolist() == ["runs/x", "runs/baselines"]
    for row, errors in zip(table.itertuples(), (141, 283), strict=True):
        lower, upper = reference.clopper_pearson(errors, 10000, 0.9)
        assert (row.errors, row.n, row.error_pct) == (errors, 10000, pytest.approx(errors / 100))
        assert (row.lower_pct, row.upper_pct) == pytest.approx((100 * lower, 100 * upper))
    assert final_tables.measured_table([]).empty


def test_confusion_frame_is_long_with_shares_of_each_true_class():
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    predictions = np.array([0, 0, 1, 1, 1, 0, 2, 2, 1])
    frame = final_tables.confusion_frame(labels, predictions, NAMES)
    assert list(frame.columns) == ["true", "predicted", "count", "share_pct", "correct"]
    assert len(frame) == 9
    cell = frame.set_index(["true", "predicted"])
    assert cell.loc[("zero", "one"), "count"] == 1 and cell.loc[("zero", "zero"), "count"] == 2
    assert cell.loc[("two", "zero"), "count"] == 1 and cell.loc[("two", "two"), "count"] == 2
    assert cell.loc[("zero", "one"), "share_pct"] == pytest.approx(100 / 3)
    assert cell.loc[("two", "two"), "share_pct"] == pytest.approx(50.0)
    assert frame.groupby("true")["share_pct"].sum().tolist() == pytest.approx([100.0] * 3)
    assert frame["count"].sum() == len(labels)
    assert frame.loc[frame["correct"], "true"].tolist() == list(NAMES)
    assert (frame.loc[frame["correct"], "true"] == frame.loc[frame["correct"], "predicted"]).all()


def test_confusion_frame_of_a_class_without_examples_has_zero_shares():
    frame = final_tables.confusion_frame(np.array([0, 1]), np.array([0, 0]), NAMES)
    absent = frame[frame["true"] == "two"]
    assert absent["count"].tolist() == [0, 0, 0] and absent["share_pct"].tolist() == [0, 0, 0]
    assert frame[frame["true"] == "one"]["share_pct"].tolist() == [100.0, 0.0, 0.0]


def test_per_class_table_names_the_classes_and_gives_percent():
    labels = np.array([0, 0, 0, 0, 1, 1, 2])
    predictions = np.array([0, 1, 0, 0, 1, 1, 0])
    table = final_tables.per_class_table(labels, predictions, NAMES, confidence=0.9)
    assert list(table.columns) == ["class", "n", "errors", "error_pct", "lower_pct", "upper_pct"]
    assert table["class"].tolist() == list(NAMES)
    assert table["n"].tolist() == [4, 2, 1] and table["errors"].tolist() == [1, 0, 1]
    assert table["error_pct"].tolist() == pytest.approx([25.0, 0.0, 100.0])
    for row in table.itertuples():
        lower, upper = reference.wilson(row.errors, row.n, 0.9)
        assert (row.lower_pct, row.upper_pct) == pytest.approx((100 * lower, 100 * upper))
    exact = final_tables.per_class_table(labels, predictions, NAMES, method="clopper_pearson")
    assert exact.loc[0, "upper_pct"] == pytest.approx(
        100 * reference.clopper_pearson(1, 4, 0.95)[1]
    )
    padded = final_tables.per_class_table([0, 1], [0, 1], (*NAMES, "three"))
    assert padded["class"].tolist() == [*NAMES, "three"] and padded["n"].tolist() == [1, 1, 0, 0]


@pytest.mark.parametrize(
    ("probability", "text"),
    [(1.0, ">99.9%"), (0.9995, ">99.9%"), (0.99949, "99.9%"), (0.5, "50.0%"), (0.0123, "1.2%")],
)
def test_confidence_text_cannot_claim_more_than_float16_holds(probability, text):
    assert final_tables.confidence_text(probability) == text


def test_misclassified_lists_the_wrong_images_by_confidence():
    labels = np.array([0, 1, 2, 3, 4, 5])
    predictions = np.array([0, 2, 2, 0, 0, 1])  # wrong at 1, 3, 4, 5
    confidence = np.array([0.9, 0.6, 0.99, 0.8, 0.7, 0.95])
    frame = final_tables.misclassified(labels, predictions, confidence)
    assert list(frame.columns) == ["index", "true", "predicted", "confidence"]
    assert frame["index"].tolist() == [5, 3, 4, 1]  # most confident mistakes first
    assert frame["true"].tolist() == [5, 3, 4, 1] and frame["predicted"].tolist() == [1, 0, 0, 2]
    assert frame["confidence"].tolist() == pytest.approx([0.95, 0.8, 0.7, 0.6])
    least = final_tables.misclassified(labels, predictions, confidence, most_confident_first=False)
    assert least["index"].tolist() == [1, 4, 3, 5]
    assert final_tables.misclassified(labels, predictions, confidence, limit=2)[
        "index"
    ].tolist() == [5, 3]
    assert final_tables.misclassified(labels, predictions, confidence, limit=0).empty
    many = np.arange(30)
    assert len(final_tables.misclassified(many, many + 1, np.linspace(0, 1, 30))) == 24  # default
    assert final_tables.misclassified(labels, predictions, confidence, limit=-3).empty
    only_four = final_tables.misclassified(labels, predictions, confidence, true_class=4)
    assert only_four["index"].tolist() == [4]


def test_misclassified_refuses_arrays_of_different_lengths():
    with pytest.raises(
        ValueError, match=r"^labels \(3,\), predictions \(2,\) and confidence \(3,\)"
    ):
        final_tables.misclassified([0, 1, 2], [0, 1], [0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match=r"must have the same shape$"):
        final_tables.misclassified([0, 1], [0, 1], [0.5])


def report_facts(seeds: int, mcnemar: pd.DataFrame) -> dict:
    validation = [
        stored_run(RunConfig(hidden=(100,), epochs=3, seed=seed), 90 + seed, f"v{seed}")
        for seed in range(2)
    ]
    candidate = model_choice.best_candidate(validation)
    runs = final_runs(*[120 + 10 * seed for seed in range(seeds)])
    return final_tables.report_summary(candidate, runs[0], 0.9, runs, mcnemar, ["a sentence"])


def test_report_summary_holds_the_choice_the_final_run_and_its_intervals():
    mcnemar = pd.DataFrame(
        [{"baseline": "kNN", "p_value": 0.01, "verdict": "ours significantly better", "p": "x"}]
    )
    facts = report_facts(3, mcnemar)
    assert facts["chosen_on_validation"] == {
        "configuration": RunConfig(hidden=(100,), epochs=3).label(seed=False, split=False),
        "seeds": [0, 1],
        "validation_errors": [90, 91],
        "validation_n": 6000,
    }
    assert facts["final_config"] == FINAL.to_dict()
    assert (facts["test_errors"], facts["test_n"], facts["test_error"]) == (120, 10000, 0.012)
    assert facts["confidence"] == 0.9
    assert list(facts["intervals"]) == ["normal", "wilson", "clopper_pearson"]
    for method, bounds_of in [
        ("normal", reference.normal),
        ("wilson", reference.wilson),
        ("clopper_pearson", reference.clopper_pearson),
    ]:
        assert facts["intervals"][method] == pytest.approx(list(bounds_of(120, 10000, 0.9)))
    assert facts["seeds"] == {"0": 120, "1": 130, "2": 140}
    spread = facts["t_interval_over_seeds"]
    half = reference.t_quantile(0.9, 2) * 0.001 / math.sqrt(3)
    assert spread == pytest.approx(
        {"mean": 0.013, "lower": 0.013 - half, "upper": 0.013 + half, "n": 3}
    )
    assert facts["mcnemar"] == [
        {"baseline": "kNN", "p_value": 0.01, "verdict": "ours significantly better"}
    ]
    assert facts["comparisons"] == ["a sentence"]
    assert facts["provenance"]["seconds"] == 10.0


def test_report_summary_of_one_seed_without_baselines():
    facts = report_facts(1, pd.DataFrame())
    assert facts["t_interval_over_seeds"] is None
    assert facts["mcnemar"] == [] and facts["seeds"] == {"0": 120}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": "a", "errors": 120, "n": 100}, "row 1 (a): errors (120) cannot exceed n (100)"),
        ({"name": "a", "errors": 5, "n": 0}, "row 1 (a): n must be a positive whole number of test examples, got 0"),
        ({"name": "a", "errors": 5, "n": 2.5}, "row 1 (a): n must be a positive whole number of test examples, got 2.5"),
        ({"name": "a", "errors": 5}, "row 1 (a): give n, the number of test examples (10000 for MNIST)"),
        ({"name": "a", "errors": 5, "n": "many"}, "row 1 (a): n must be a number, got 'many'"),
        ({"name": "a", "errors": 5, "n": float("inf")}, "row 1 (a): n must be a finite number, got inf"),
        ({"name": "a", "error_pct": 150, "n": 100}, "row 1 (a): error % must be between 0 and 100 (a percent), got 150"),
        ({"name": "a", "error_pct": -1, "n": 100}, "row 1 (a): error % must be between 0 and 100 (a percent), got -1"),
        ({"name": "a", "error_pct": "x", "n": 100}, "row 1 (a): error % must be a number, got 'x'"),
        ({"name": "a", "errors": 5, "error_pct": 1.0, "n": 100}, "row 1 (a): give either errors (a count) or error % (a rate), exactly one of them"),
        ({"name": "a", "n": 100}, "row 1 (a): give either errors (a count) or error % (a rate), exactly one of them"),
        ({"name": "", "errors": 5, "n": 100}, "row 1: give the classifier a name"),
        ({"name": None, "errors": 5, "n": 100}, "row 1: give the classifier a name"),
        ({"name": "a", "errors": 2.5, "n": 100}, "row 1 (a): errors must be a whole number >= 0, got 2.5"),
        ({"name": "a", "errors": -1, "n": 100}, "row 1 (a): errors must be a whole number >= 0, got -1"),
        ({"name": "a", "errors": "few", "n": 100}, "row 1 (a): errors must be a number, got 'few'"),
    ],
)  # fmt: skip
def test_user_rows_with_bad_numbers_get_a_message(values, message):
    results, problems = final_tables.parse_user_rows(pd.DataFrame([values]))
    assert results == [] and problems == [message]


def test_user_row_bounds_are_inclusive():
    frame = pd.DataFrame(
        [
            {"name": "one", "errors": 0, "n": 1},
            {"name": "all", "errors": 7, "n": 7},
            {"name": "none", "error_pct": 0, "n": 100},
            {"name": "every", "error_pct": 100, "n": 100},
        ]
    )
    results, problems = final_tables.parse_user_rows(frame)
    assert problems == []
    assert [(r.classifier, r.errors, r.n) for r in results] == [
        ("one", 0, 1), ("all", 7, 7), ("none", 0, 100), ("every", 100, 100)
    ]  # fmt: skip
    assert {(r.kind, r.source) for r in results} == {("baseline", "added by the user")}


def test_problems_name_their_row_among_valid_rows():
    frame = pd.DataFrame(
        [
            {"name": "fine", "errors": 3, "n": 100},
            {"name": None, "errors": None, "error_pct": None, "n": None},  # blank: skipped
            {"name": "bad", "errors": 300, "n": 100},
            {"name": "  ", "errors": 3, "n": 100},
        ]
    )
    results, problems = final_tables.parse_user_rows(frame)
    assert [r.classifier for r in results] == ["fine"]
    assert problems == [
        "row 3 (bad): errors (300) cannot exceed n (100)",
        "row 4: give the classifier a name",
    ]


def test_user_rows_accept_counts_or_percent_and_skip_blank_rows():
    frame = pd.DataFrame(
        [
            {"name": "SVM", "errors": 140, "error_pct": None, "n": 10000},
            {"name": None, "errors": None, "error_pct": None, "n": None},
            {"name": "paper", "errors": None, "error_pct": 1.51, "n": 10000},
        ]
    )
    results, problems = final_tables.parse_user_rows(frame)
    assert problems == []
    assert [(r.classifier, r.errors, r.n) for r in results] == [
        ("SVM", 140, 10000),
        ("paper", 151, 10000),
    ]


def test_mcnemar_table_counts_discordant_pairs():
    labels = np.array([0, 1, 2, 3, 4, 5])
    ours = np.array([0, 1, 2, 3, 0, 0])  # wrong on 4, 5
    other = np.array([1, 1, 0, 3, 4, 0])  # wrong on 0, 2, 5
    table = final_tables.mcnemar_table(labels, ours, {"other": other})
    first = table.iloc[0]
    assert (first.only_ours_wrong, first.only_baseline_wrong, first.both_wrong) == (1, 2, 1)
    assert first.both_right == 2 and first.baseline == "other"
    assert first.p_value == 1.0 and first.p == "p=1"  # 2 * P(X <= 1), X ~ Bin(3, 1/2) = 1


def discordant(only_ours: int, only_other: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels and two prediction arrays with the given discordant pairs and 20 both right."""
    labels = np.zeros(only_ours + only_other + 20, dtype=np.int64)
    ours, other = labels.copy(), labels.copy()
    ours[:only_ours] = 1
    other[only_ours : only_ours + only_other] = 1
    return labels, ours, other


@pytest.mark.parametrize(
    ("only_ours", "only_other", "verdict"),
    [
        (0, 12, "ours significantly better"),  # p = 2 / 2^12
        (12, 0, "ours significantly worse"),
        (1, 11, "ours significantly better"),
        (11, 1, "ours significantly worse"),
        (3, 5, "no significant difference"),  # p = 0.73
    ],
)
def test_mcnemar_verdict_says_which_classifier_is_better(only_ours, only_other, verdict):
    labels, ours, other = discordant(only_ours, only_other)
    row = final_tables.mcnemar_table(labels, ours, {"kNN": other}).iloc[0]
    assert row.verdict == verdict
    assert (row.only_ours_wrong, row.only_baseline_wrong) == (only_ours, only_other)


def test_mcnemar_verdict_needs_p_strictly_below_alpha():
    labels, ours, other = discordant(0, 5)  # p = 2 / 2^5 = 0.0625 exactly, as is 1 - 0.9375
    at_boundary = final_tables.mcnemar_table(labels, ours, {"kNN": other}, confidence=0.9375)
    assert at_boundary.iloc[0].verdict == "no significant difference"
    above = final_tables.mcnemar_table(labels, ours, {"kNN": other}, confidence=0.93)
    assert above.iloc[0].verdict == "ours significantly better"


def test_tables_default_to_95_percent_wilson():
    assert final_tables.intervals_table(141, 10000).equals(
        final_tables.intervals_table(141, 10000, 0.95)
    )
    row = final_tables.measured_table([MeasuredResult("MLP", 141, 10000, "x")]).iloc[0]
    lower, upper = reference.wilson(141, 10000, 0.95)
    assert (row["lower_pct"], row["upper_pct"]) == pytest.approx((100 * lower, 100 * upper))


def test_a_rate_just_above_100_percent_is_refused():
    _, problems = final_tables.parse_user_rows(
        pd.DataFrame([{"name": "a", "error_pct": 100.5, "n": 10}])
    )
    assert problems == ["row 1 (a): error % must be between 0 and 100 (a percent), got 100.5"]
